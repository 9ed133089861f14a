"""Handoff's message about each decision, kept in step with the decision through claimed jobs.

Every change that should show (filed, retracted, source edited or deleted) schedules a job in the
same transaction as the change. Delivering it posts the message (first time) or updates it, from
the decision's state at that moment, so jobs may run in any order and the message still ends up
right. A worker that dies leaves the job to the next tick.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from sqlalchemy import Row
from sqlalchemy.orm import Session

from bot.deps import Deps
from bot.retries import WorkspaceWaits
from bot.slack_failures import SLACK_CALL_ERRORS
from bot.slack_history import metadata, tagged
from decisions import job_results as results
from decisions.blocks import confirmation
from store import claims, jobs
from store import decisions as store
from store.models import Decision, Job

logger = logging.getLogger(__name__)

SYNC_KIND = "decision_message"
METADATA_TYPE = "handoff_decision"
LEASE = timedelta(minutes=2)
# Slack's answers that no retry will change: the job is kept with the error for operators. (A token
# Slack refuses pauses the workspace instead: `bot.slack_failures`.)
PERMANENT = frozenset({"channel_not_found", "not_in_channel", "is_archived", "message_not_found"})
# A channel gets more traffic than a DM: read further back for our own message.
CHANNEL_HISTORY = 200


def schedule(*, session: Session, decision: Decision, now: datetime) -> None:
    """Bring Handoff's message about `decision` up to date (inside the change's transaction)."""
    version = store.revision_count(session=session, decision=decision)
    jobs.schedule(
        session=session,
        kind=SYNC_KIND,
        team_id=decision.team_id,
        key=f"{decision.id}:{version}",
        due_at=now,
        now=now,
        payload={"decision_id": decision.id},
    )


def deliver_due(deps: Deps, *, limit: int = 50) -> int:
    """Post or update the messages of every due job; returns how many were delivered."""
    return results.run_claimed(deps, kind=SYNC_KIND, lease=LEASE, limit=limit, each=_deliver)


def _deliver(deps: Deps, job: Row[Any], now: datetime, waits: WorkspaceWaits) -> int:
    job_id, team_id, attempts = int(job.id), str(job.team_id), int(job.attempts)
    decision_id = int(job.payload["decision_id"])
    with deps.read_session_factory() as session:
        decision = store.get(session=session, team_id=team_id, decision_id=decision_id)
        replaces = replaced_by = None
        has_thread = False
        if decision is not None:
            if decision.supersedes_id is not None:
                replaces = store.get(session=session, team_id=team_id, decision_id=decision.supersedes_id)
            replaced_by = store.superseded_by(session=session, decision=decision)
            has_thread = store.has_thread(session=session, team_id=team_id, decision_id=decision.id)
    if decision is None:
        results.dropped(deps, job_id, now, reason="decision no longer exists")
        return 0
    text, blocks = confirmation(decision, replaces=replaces, replaced_by=replaced_by, has_thread=has_thread)
    if (until := waits.waiting(team_id, now)) is not None:
        results.wait_with_workspace(deps, job_id, now, until=until)
        return 0
    client = deps.slack.for_team(team_id)
    try:
        if decision.confirmation_ts is None:
            thread_ts = decision.thread_ts or decision.message_ts
            # Always look first, not only on a retry: another job of the same decision (a later
            # version) may run while the first one's worker, which posted and died, still holds it.
            # One read per decision filed; decisions are few.
            posted = _posted_before(client, decision, thread_ts)
            if posted is None:
                if not results.still_ours(deps, job_id, now, what=f"the message about decision {decision_id}"):
                    return 0
                response = client.chat_postMessage(
                    channel=decision.channel_id,
                    thread_ts=thread_ts,
                    text=text,
                    blocks=blocks,
                    unfurl_links=False,
                    unfurl_media=False,
                    metadata=metadata(METADATA_TYPE, decision=decision.id),
                )
                posted = str(response["ts"])
            with deps.session_factory.begin() as session:
                row = store.get(session=session, team_id=team_id, decision_id=decision_id)
                assert row is not None
                store.record_confirmation(session=session, decision=row, channel_id=decision.channel_id, ts=posted)
                claims.complete(session=session, model=Job, row_id=job_id, owner=deps.worker_id, now=now)
            return 1
        if not results.still_ours(deps, job_id, now, what=f"the update of decision {decision_id}'s message"):
            return 0
        client.chat_update(
            channel=decision.confirmation_channel or decision.channel_id,
            ts=decision.confirmation_ts,
            text=text,
            blocks=blocks,
        )
    except SLACK_CALL_ERRORS as exc:
        results.slack_failed(
            deps,
            job_id,
            now,
            exc,
            permanent=PERMANENT,
            attempts=attempts,
            what=f"the message about decision {decision_id} in {decision.channel_id}",
            team_id=team_id,
            waits=waits,
        )
        return 0
    results.done(deps, job_id, now)
    return 1


def _posted_before(client: WebClient, decision: Decision, thread_ts: str | None) -> str | None:
    """The ts of Handoff's message about `decision` if an earlier try posted it (tagged with its id)."""
    found = tagged(client, decision.channel_id, event_type=METADATA_TYPE, thread_ts=thread_ts, limit=CHANNEL_HISTORY)
    return next((ts for payload, ts in found if payload.get("decision") == decision.id), None)
