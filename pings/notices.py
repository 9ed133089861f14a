"""Telling a sender that their ping could not be delivered: a claimed job, so the notice is neither lost nor doubled.

Scheduled in the transaction that fails the pings, one per (failed delivery, sender). Posted to the
sender's DM tagged with the job's id; a worker that takes the job over from one that died reads
the DM first, so a notice Slack already has is not posted twice.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Row
from sqlalchemy.orm import Session

from bot.deps import Deps
from bot.retries import WorkspaceWaits
from decisions import job_results as results
from store import jobs

NOTICE_KIND = "ping_failed_notice"
METADATA_TYPE = "handoff_ping_notice"
LEASE = timedelta(minutes=2)
# The sender is gone too: nobody to tell.
PERMANENT = frozenset({"user_not_found", "user_disabled", "cannot_dm_bot"})


def schedule(
    *,
    session: Session,
    team_id: str,
    delivery_id: int,
    sender_id: str,
    recipient_id: str,
    count: int,
    why: str,
    now: datetime,
) -> None:
    """Tell the sender that `count` of their pings to the recipient could not go (inside the failure's transaction)."""
    jobs.schedule(
        session=session,
        kind=NOTICE_KIND,
        team_id=team_id,
        key=f"{delivery_id}:{sender_id}",
        due_at=now,
        now=now,
        payload={"sender": sender_id, "recipient": recipient_id, "count": count, "why": why[:200]},
    )


def notice_text(payload: dict[str, Any]) -> str:
    """The notice: which pings, to whom, why, and that nothing was sent."""
    count = int(payload.get("count") or 1)
    pings = "your ping" if count == 1 else f"your {count} pings"
    why = str(payload.get("why") or "")
    reason = why.removeprefix("slack: ")
    if why.startswith("gave up after"):
        cause = f"Slack kept failing ({reason}), so I stopped trying"
    else:
        cause = f"Slack says `{reason}` (their account may be deactivated)"
    return (
        f"I couldn't deliver {pings} to <@{payload['recipient']}>: {cause}. "
        "Nothing was sent; reach them another way if it matters."
    )


def deliver_due(deps: Deps, *, limit: int = 100) -> int:
    """Post every due notice; returns how many were posted."""
    return results.run_claimed(deps, kind=NOTICE_KIND, lease=LEASE, limit=limit, each=_deliver)


def _deliver(deps: Deps, job: Row[Any], now: datetime, waits: WorkspaceWaits) -> int:
    payload = dict(job.payload)
    return results.dm_once(
        deps,
        job,
        now,
        waits,
        user_id=str(payload["sender"]),
        text=notice_text(payload),
        metadata_type=METADATA_TYPE,
        permanent=PERMANENT,
        what=f"the notice to {payload['sender']} of a failed ping",
    )
