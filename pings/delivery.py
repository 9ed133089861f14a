"""Delivering pings exactly once: `ping_delivery` jobs, claimed by one worker each.

A job is either one ping going now (inside the recipient's hours, or urgent) or a recipient's
morning: every held ping of theirs that is due, in one message. Claiming a batch of jobs and
giving each its pings take a few statements whatever the batch size (`claim_batch`: the claim,
then one UPDATE … RETURNING per kind of job, joining the jobs to their pings); what Slack took is
then recorded in one transaction per batch (`record_sent`). A ping belongs to the first job that
takes it (`held_pings.attach`), so it is in one message however many jobs exist. A worker that
dies after Slack took the message but before recording it leaves the job to the next worker,
which first looks at the DM for Handoff's message tagged with the job's id (message metadata)
and records instead of sending again.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from sqlalchemy.orm import Session

from bot.deps import Deps
from bot.retries import WorkspaceWaits
from bot.slack_failures import SLACK_CALL_ERRORS
from bot.slack_history import metadata, tagged
from decisions import job_results as results
from digest.planning import CATCHUP_KIND
from pings import notices
from pings.blocks import dm_messages
from store import claims, held_pings, jobs
from store.models import Job

logger = logging.getLogger(__name__)

DELIVERY_KIND = "ping_delivery"
METADATA_TYPE = "handoff_delivery"
LEASE = timedelta(minutes=2)
# A catch-up deferred by a 429 is still "due now" for the pings it will carry.
CATCHUP_SLACK = timedelta(minutes=5)
# A held ping no delivery took this long after it was due gets a delivery of its own.
SWEEP_GRACE = timedelta(minutes=2)
# The recipient can never get it. (A token Slack refuses is the workspace's problem, not the
# ping's: see `bot.slack_failures.TOKEN_DEAD`; the delivery waits with its workspace.)
PERMANENT = frozenset({"user_not_found", "user_disabled", "cannot_dm_bot"})


@dataclass
class Delivery:
    """One claimed job and the pings it carries."""

    job_id: int
    team_id: str
    recipient_id: str
    attempts: int
    held: bool
    pings: list[Any] = field(default_factory=list)


def schedule_morning(*, session: Session, team_id: str, recipient_id: str, due_at: datetime, now: datetime) -> None:
    """The recipient's held pings go out together at `due_at` (their next working-hours start)."""
    jobs.schedule(
        session=session,
        kind=DELIVERY_KIND,
        team_id=team_id,
        key=f"{recipient_id}:{due_at.isoformat()}",
        due_at=due_at,
        now=now,
        payload={"recipient": recipient_id},
    )


def schedule_now(*, session: Session, team_id: str, recipient_id: str, ping_id: int, now: datetime) -> None:
    """One ping goes out now."""
    jobs.schedule(
        session=session,
        kind=DELIVERY_KIND,
        team_id=team_id,
        key=f"ping:{ping_id}",
        due_at=now,
        now=now,
        payload={"recipient": recipient_id, "ping": ping_id},
    )


def claim_batch(*, session: Session, now: datetime, owner: str, limit: int) -> list[Delivery]:
    """Lease due deliveries and give each its pings (the claim, then one statement per kind of delivery)."""
    rows = jobs.claim(
        session=session,
        kinds=[DELIVERY_KIND],
        now=now,
        owner=owner,
        lease=LEASE,
        limit=limit,
        columns=held_pings.delivery_columns(),
        reachable_only=True,
    )
    if not rows:
        return []
    deliveries = {
        row.id: Delivery(
            job_id=row.id, team_id=row.team_id, recipient_id=row.recipient, attempts=row.attempts, held=row.ping is None
        )
        for row in rows
    }
    # A delivery claimed before (its worker died, Slack said wait, its workspace was paused) may
    # have taken pings then; read those first, as `attach` returns only the pings it takes now.
    # Every claimed delivery, not only those with attempts behind them: one given back untried
    # does not count the claim, yet keeps its pings.
    pings = held_pings.attached(session=session, job_ids=list(deliveries))
    # A morning whose catch-up is due too leaves its pings to the catch-up: one DM, not two, even
    # when another replica's tick is sending catch-ups at this very moment.
    mornings = [d for d in deliveries.values() if d.held]
    waiting_for_catchup = jobs.pending_for(
        session=session,
        kind=CATCHUP_KIND,
        recipients=[(d.team_id, d.recipient_id) for d in mornings],
        before=now + CATCHUP_SLACK,
    )
    pings += held_pings.attach(
        session=session,
        morning_ids=[d.job_id for d in mornings if (d.team_id, d.recipient_id) not in waiting_for_catchup],
        single_ids=[d.job_id for d in deliveries.values() if not d.held],
        now=now,
    )
    for ping in sorted(pings, key=lambda ping: (ping.created_at, ping.id)):
        deliveries[ping.delivery_id].pings.append(ping)
    return list(deliveries.values())


def record_sent(*, session: Session, deliveries: list[Delivery], owner: str, now: datetime) -> int:
    """Slack has the messages: their pings are delivered and the jobs done; returns how many pings.

    One transaction for a batch's worth of sends. A crash before it commits leaves the jobs to be
    taken over, and the next worker finds the messages by their metadata instead of resending.
    A delivery whose lease another worker took over is left to that worker.
    """
    ours = claims.complete_many(
        session=session, model=Job, row_ids=[delivery.job_id for delivery in deliveries], owner=owner, now=now
    )
    if len(ours) < len(deliveries):
        logger.warning("%d ping deliveries were taken over before they were recorded", len(deliveries) - len(ours))
    return held_pings.settle(session=session, job_ids=ours, status=held_pings.DELIVERED, now=now)


def deliver_due(deps: Deps, *, limit: int = 500) -> int:
    """Send every due delivery; returns how many pings reached their recipients."""
    now = deps.clock.now()
    delivered = 0
    waits = WorkspaceWaits()
    while True:
        with deps.session_factory.begin() as session:
            batch = claim_batch(session=session, now=now, owner=deps.worker_id, limit=limit)
        sent = [delivery for delivery in batch if _deliver(deps, delivery, now, waits)]
        if sent:
            with deps.session_factory.begin() as session:
                delivered += record_sent(session=session, deliveries=sent, owner=deps.worker_id, now=now)
        if len(batch) < limit:
            return delivered


def sweep_stranded(deps: Deps) -> int:
    """Held pings overdue that no delivery took (hours changed meanwhile, say): one more delivery each."""
    now = deps.clock.now()
    with deps.session_factory.begin() as session:
        stranded = held_pings.stranded(session=session, now=now, grace=SWEEP_GRACE)
        for row in stranded:
            jobs.schedule(
                session=session,
                kind=DELIVERY_KIND,
                team_id=str(row.team_id),
                key=f"{row.recipient_id}:sweep:{row.first_id}",
                due_at=now,
                now=now,
                payload={"recipient": str(row.recipient_id)},
            )
    return len(stranded)


def _deliver(deps: Deps, delivery: Delivery, now: datetime, waits: WorkspaceWaits) -> bool:
    """Send one delivery's message(s); True when Slack has them all (the caller records it)."""
    if not delivery.pings:
        # Cancelled since, or another delivery took them first: nothing to say.
        results.done(deps, delivery.job_id, now)
        return False
    if (until := waits.waiting(delivery.team_id, now)) is not None:
        results.wait_with_workspace(deps, delivery.job_id, now, until=until)
        return False
    client = deps.slack.for_team(delivery.team_id)
    try:
        channel = str(client.conversations_open(users=delivery.recipient_id)["channel"]["id"])
        sent = _sent_parts(client, channel, delivery.job_id) if delivery.attempts > 1 else set()
        for part, (text, blocks) in enumerate(dm_messages(delivery.pings, held=delivery.held)):
            if part in sent:
                continue
            what = f"ping delivery to {delivery.recipient_id}"
            if not results.still_ours(deps, delivery.job_id, now, what=what):
                # Parts already posted are tagged: the worker that took the job over finds them.
                return False
            client.chat_postMessage(
                channel=channel,
                text=text,
                blocks=blocks,
                unfurl_links=False,
                unfurl_media=False,
                metadata=metadata(METADATA_TYPE, delivery=delivery.job_id, part=part),
            )
    except SLACK_CALL_ERRORS as exc:
        results.slack_failed(
            deps,
            delivery.job_id,
            now,
            exc,
            permanent=PERMANENT,
            attempts=delivery.attempts,
            what=f"ping delivery to {delivery.recipient_id} ({len(delivery.pings)} pings)",
            team_id=delivery.team_id,
            on_give_up=lambda session, why: fail_pings(session=session, delivery=delivery, why=why, now=now),
            waits=waits,
        )
        return False
    return True


def _sent_parts(client: WebClient, channel: str, job_id: int) -> set[int]:
    """Parts of this delivery already in the DM (an earlier attempt sent them but died before recording)."""
    return {
        int(payload.get("part", 0))
        for payload, _ in tagged(client, channel, event_type=METADATA_TYPE)
        if payload.get("delivery") == job_id
    }


def fail_pings(*, session: Session, delivery: Delivery, why: str, now: datetime) -> None:
    """Slack will never take it: its pings fail and each sender is told (a notice job each, same transaction)."""
    error = why.removeprefix("slack: ")[:200]
    held_pings.settle(session=session, job_ids=[delivery.job_id], status=held_pings.FAILED, now=now, error=error)
    by_sender: dict[str, int] = defaultdict(int)
    for ping in delivery.pings:
        by_sender[str(ping.sender_id)] += 1
    for sender_id, count in sorted(by_sender.items()):
        notices.schedule(
            session=session,
            team_id=delivery.team_id,
            delivery_id=delivery.job_id,
            sender_id=sender_id,
            recipient_id=delivery.recipient_id,
            count=count,
            why=why,
            now=now,
        )
