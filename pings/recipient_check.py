"""Pings to someone Handoff could not look up because Slack was busy: held until their hours are known.

Sending a ping to a person Handoff has not stored asks Slack who they are (users.info: their time
zone decides when the ping goes). When Slack cannot answer then (rate-limited, failing, slow),
the ping is not refused and not sent blind: it is held, and a `ping_recipient_check` job asks
Slack again at Retry-After (then with backoff). Once Slack answers, the ping goes now (they are
working, or it is urgent) or is held until their next start, as if the lookup had worked at once;
a person who does not exist, is deactivated or is an app fails the ping and the sender is told.
While the check waits, the ping's due time follows the check's, so no sweep sends it unchecked.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Row, select, update
from sqlalchemy.orm import Session

from bot.deps import Deps
from bot.retries import WorkspaceWaits
from bot.slack_failures import SLACK_CALL_ERRORS
from decisions import job_results as results
from hours.schedule import is_working, next_start
from ingest.discovery import discover
from ingest.known import KnownCache
from pings import delivery, notices
from store import claims, held_pings, jobs, people, teams, working_hours
from store.held_pings import NewPing
from store.models import HeldPing, Job

logger = logging.getLogger(__name__)

CHECK_KIND = "ping_recipient_check"
LEASE = timedelta(minutes=2)


def hold_unchecked(*, session: Session, new: NewPing, now: datetime, check_at: datetime) -> int:
    """Keep a ping for a recipient Slack could not tell us about yet; its check is due at `check_at`."""
    ping = held_pings.add(session=session, new=replace(new, due_at=check_at, status=held_pings.HELD), now=now)
    jobs.schedule(
        session=session,
        kind=CHECK_KIND,
        team_id=new.team_id,
        key=f"ping:{ping.id}",
        due_at=check_at,
        now=now,
        payload={"recipient": new.recipient_id, "ping": ping.id},
    )
    return ping.id


def check_due(deps: Deps, *, limit: int = 50) -> int:
    """Look up the recipients of pings held unchecked; returns how many pings were sent on their way."""
    return results.run_claimed(deps, kind=CHECK_KIND, lease=LEASE, limit=limit, each=_check)


def _check(deps: Deps, job: Row[Any], now: datetime, waits: WorkspaceWaits) -> int:
    job_id, team_id = int(job.id), str(job.team_id)
    recipient, ping_id = str(job.payload["recipient"]), int(job.payload["ping"])
    with deps.read_session_factory() as session:
        ping = held_pings.get(session=session, team_id=team_id, ping_id=ping_id)
    if ping is None or ping.status != held_pings.HELD or ping.delivery_id is not None:
        results.done(deps, job_id, now)  # cancelled, or delivered some other way, meanwhile
        return 0
    if (until := waits.waiting(team_id, now)) is not None:
        results.wait_with_workspace(deps, job_id, now, until=until)
        _follow_check(deps, job_id, ping_id)
        return 0
    with deps.read_session_factory() as session:
        enterprise_id = teams.enterprise_of(session=session, team_id=team_id)
    try:
        found = discover(
            session_factory=deps.read_session_factory,
            client=deps.slack.for_team(team_id),
            team_id=team_id,
            user_ids=[recipient],
            known=KnownCache(),
            now=now,
            enterprise_id=enterprise_id,
        )
    except SLACK_CALL_ERRORS as exc:
        results.slack_failed(
            deps,
            job_id,
            now,
            exc,
            permanent=frozenset(),
            attempts=int(job.attempts),
            what=f"looking up {recipient} for a held ping",
            team_id=team_id,
            on_give_up=lambda session, why: _fail(session, team_id, job_id, ping_id, why=why, now=now),
            waits=waits,
        )
        _follow_check(deps, job_id, ping_id)
        return 0
    with deps.session_factory.begin() as session:
        if not claims.complete(session=session, model=Job, row_id=job_id, owner=deps.worker_id, now=now):
            return 0  # our lease ran out and another worker took the check over
        found.save(session=session, now=now)
        person = people.get_person(session=session, team_id=team_id, user_id=recipient)
        if person is None or person.deleted or person.is_bot:
            why = "user_not_found" if person is None else "user_disabled" if person.deleted else "cannot_dm_bot"
            _fail(session, team_id, job_id, ping_id, why=f"slack: {why}", now=now)
            return 0
        row = session.get(HeldPing, ping_id)
        assert row is not None
        schedule = working_hours.schedules_for(
            session=session, team_id=team_id, user_ids=[recipient], today=now.date()
        )[recipient]
        if row.urgent or is_working(schedule.hours, schedule.time_off, now):
            row.due_at = now
            delivery.schedule_now(session=session, team_id=team_id, recipient_id=recipient, ping_id=ping_id, now=now)
        else:
            row.due_at = next_start(schedule.hours, schedule.time_off, now)
            delivery.schedule_morning(
                session=session, team_id=team_id, recipient_id=recipient, due_at=row.due_at, now=now
            )
    logger.info("looked up %s at last: their held ping is due at %s", recipient, row.due_at.isoformat())
    return 1


def _follow_check(deps: Deps, job_id: int, ping_id: int) -> None:
    """The check waits: the ping's due time moves with it, so the sweep never sends it unchecked."""
    with deps.session_factory.begin() as session:
        check_at = session.scalar(select(Job.due_at).where(Job.id == job_id, Job.done_at.is_(None)))
        if check_at is not None:
            session.execute(
                update(HeldPing)
                .where(HeldPing.id == ping_id, HeldPing.status == held_pings.HELD, HeldPing.delivery_id.is_(None))
                .values(due_at=check_at)
            )


def _fail(session: Session, team_id: str, job_id: int, ping_id: int, *, why: str, now: datetime) -> None:
    """The recipient cannot get it (or Slack never answered): the ping fails and its sender is told."""
    ping = session.get(HeldPing, ping_id)
    if ping is None or ping.status != held_pings.HELD:
        return
    ping.status, ping.error = held_pings.FAILED, why.removeprefix("slack: ")[:200]
    notices.schedule(
        session=session,
        team_id=team_id,
        delivery_id=job_id,
        sender_id=ping.sender_id,
        recipient_id=ping.recipient_id,
        count=1,
        why=why,
        now=now,
    )
