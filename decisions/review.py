"""Review-by dates: on that day, at the start of the owner's morning, Handoff asks them to look again.

Scheduled as a claimed job when a decision gets an owner and a review date (key: decision and
date, so changing the date schedules anew and the old job finds the date moved and stays quiet).
The morning is the start of the owner's first working shift on or after that date: their own hours
and zone (or the workspace's defaults), skipping weekends they do not work and time off.
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Row
from sqlalchemy.orm import Session

from bot.deps import Deps
from bot.retries import WorkspaceWaits
from decisions import job_results as results
from decisions.blocks import quoted
from hours.schedule import next_start, zone_for
from store import decisions as store
from store import jobs, visibility, working_hours
from store.models import Decision
from store.working_hours import Schedule

logger = logging.getLogger(__name__)

REVIEW_KIND = "decision_review"
METADATA_TYPE = "handoff_review"
REMINDER_TEXT = "Time to review a decision you own."
LEASE = timedelta(minutes=2)
# The owner can never get it. (A token Slack refuses pauses the workspace: `bot.slack_failures`.)
PERMANENT = frozenset({"user_not_found", "cannot_dm_bot", "user_disabled"})


def due_at(review_by: date, schedule: Schedule) -> datetime:
    """The start of the owner's first worked shift on or after the review date, on their clock."""
    midnight = datetime.combine(review_by, time(0), tzinfo=zone_for(schedule.hours.tz)).astimezone(UTC)
    try:
        return next_start(schedule.hours, schedule.time_off, midnight)
    except ValueError:
        # Years of time off: remind on the date itself rather than never.
        return midnight


def schedule(*, session: Session, decision: Decision, now: datetime) -> bool:
    """Schedule the reminder for the decision's owner and date; False when there is nothing to remind."""
    if decision.review_by is None or decision.owner_id is None:
        return False
    owner = working_hours.schedule_for(
        session=session, team_id=decision.team_id, user_id=decision.owner_id, today=decision.review_by
    )
    return jobs.schedule(
        session=session,
        kind=REVIEW_KIND,
        team_id=decision.team_id,
        key=f"{decision.id}:{decision.review_by.isoformat()}",
        due_at=due_at(decision.review_by, owner),
        now=now,
        payload={"decision_id": decision.id, "review_by": decision.review_by.isoformat()},
    )


def reminder_blocks(decision: Decision) -> list[dict[str, Any]]:
    """The owner's reminder: the decision quoted, its why under it, and where to supersede it."""
    link = f" <{decision.permalink}|Open it in Slack>." if decision.permalink else ""
    text = f"Time to review a decision you own:{link} If it no longer holds, use *Supersede…* on its message."
    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": f"{text}\n{quoted(decision.text, limit=1_500)}"}},
    ]
    if decision.why:
        # The why on lines of its own: a quote's ">" only works at the start of a line.
        why = f"*Why*\n{quoted(decision.why, limit=500)}"
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": why}]})
    return blocks


def deliver_due(deps: Deps, *, limit: int = 50) -> int:
    """DM every owner whose review is due; returns how many were sent."""
    return results.run_claimed(deps, kind=REVIEW_KIND, lease=LEASE, limit=limit, each=_deliver)


def _deliver(deps: Deps, job: Row[Any], now: datetime, waits: WorkspaceWaits) -> int:
    with deps.read_session_factory() as session:
        decision = store.get(session=session, team_id=str(job.team_id), decision_id=int(job.payload["decision_id"]))
        # The reminder quotes the decision: only to an owner who may still see its channel.
        sees = (
            decision is not None
            and decision.owner_id is not None
            and visibility.can_see(
                session=session, team_id=decision.team_id, channel_id=decision.channel_id, user_id=decision.owner_id
            )
        )
    still_due = (
        sees
        and decision is not None
        and decision.owner_id is not None
        and decision.status in {"accepted", "proposed"}
        and decision.review_by is not None
        and decision.review_by.isoformat() == job.payload["review_by"]
    )
    if not still_due or decision is None or decision.owner_id is None:
        # Retracted, superseded, re-dated or unowned since, or hidden from its owner: nothing to remind.
        results.done(deps, int(job.id), now)
        return 0
    return results.dm_once(
        deps,
        job,
        now,
        waits,
        user_id=decision.owner_id,
        text=REMINDER_TEXT,
        blocks=reminder_blocks(decision),
        metadata_type=METADATA_TYPE,
        permanent=PERMANENT,
        what=f"review reminder of decision {decision.id} to {decision.owner_id}",
        tags={"decision": decision.id},
    )
