"""What an operator asks of a running Handoff (`handoff status`): queues, lateness, workers, failures.

Read-only queries, each served by an index the workers already use (due jobs and events, the
waiting held pings, recent failures), so asking is cheap on a busy database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from store import inbox, teams
from store.held_pings import HELD
from store.models import HeldPing, InboxEvent, Job, WorkerBeat

# Given-up jobs are counted over the last day; the list of failures goes back as far as it must.
FAILED_WINDOW = timedelta(days=1)
# The event worker processes an event within moments of its acknowledgement; an event waiting
# longer than this means it cannot keep up (or is not running).
BEHIND_AFTER = timedelta(seconds=30)
# Keys of a worker beat's report that are not counts (written by bot.tick).
TICK_SECONDS_KEY = "tick_seconds"
OVERRUNS_KEY = "overruns"


@dataclass(frozen=True)
class KindQueue:
    """Jobs of one kind: due now (free to claim), leased (in work), scheduled later, retrying, failed."""

    kind: str
    due: int = 0
    leased: int = 0
    scheduled: int = 0
    retrying: int = 0
    failed_last_day: int = 0


@dataclass(frozen=True)
class Oldest:
    """The longest-waiting item that is due and nobody is working on."""

    what: str
    team_id: str | None
    due_at: datetime
    late: timedelta


@dataclass(frozen=True)
class Worker:
    """A process that ran the tick, and when it last did."""

    worker_id: str
    last_tick_at: datetime
    ago: timedelta
    report: dict[str, Any]
    # How long the last tick took, and the tasks that ran past their budget (seconds each).
    tick_seconds: float | None = None
    overruns: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Backlog:
    """Events acknowledged and not processed yet: how many, and how long the oldest has waited."""

    events: int
    oldest_age: timedelta | None

    @property
    def behind(self) -> bool:
        """True when the event worker is not keeping up with what Slack sends."""
        return self.oldest_age is not None and self.oldest_age > BEHIND_AFTER


@dataclass(frozen=True)
class Failure:
    """One item's latest failure: given up for good, or still to be retried."""

    what: str
    team_id: str | None
    error: str
    at: datetime
    attempts: int
    final: bool


@dataclass(frozen=True)
class PausedWorkspace:
    """A workspace whose token Slack refuses, and how much waits for it."""

    team_id: str
    error: str
    since: datetime | None
    waiting: int


@dataclass
class Status:
    """Everything `handoff status` shows."""

    now: datetime
    held_pings: dict[str, int] = field(default_factory=dict)
    inbox: dict[str, int] = field(default_factory=dict)
    jobs: list[KindQueue] = field(default_factory=list)
    oldest: Oldest | None = None
    workers: list[Worker] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    paused: list[PausedWorkspace] = field(default_factory=list)
    backlog: Backlog = field(default_factory=lambda: Backlog(0, None))
    # SQLite only: the size of the write-ahead log beside the database file.
    wal_bytes: int | None = None


def read_status(*, session: Session, now: datetime, failures: int = 10) -> Status:
    """The state of every queue at `now`, the workers' last ticks, and the latest `failures` failures."""
    return Status(
        now=now,
        held_pings=_held_pings(session, now),
        inbox=_inbox(session, now),
        jobs=_jobs(session, now),
        oldest=_oldest(session, now),
        workers=_workers(session, now),
        failures=_failures(session, failures),
        paused=_paused(session),
        backlog=_backlog(session, now),
    )


def _backlog(session: Session, now: datetime) -> Backlog:
    count, oldest = inbox.backlog(session=session)
    return Backlog(count, now - oldest if oldest is not None else None)


@dataclass(frozen=True)
class Queues:
    """The queue depths `GET /metrics` reports, read at the scrape: no workspace in them."""

    inbox_pending: int
    # Since the oldest event not yet processed was stored; None when every event is.
    inbox_oldest_age: timedelta | None
    held_pings_waiting: int
    # kind → (due now and free, how late the oldest of them is).
    jobs: dict[str, tuple[int, timedelta]]


def read_queues(*, session: Session, now: datetime) -> Queues:
    """Inbox backlog and age, held pings waiting, and per job kind what is due and how late."""
    pending, oldest = session.execute(
        select(func.count(), func.min(InboxEvent.received_at)).where(InboxEvent.done_at.is_(None))
    ).one()
    due = and_(Job.done_at.is_(None), Job.due_at <= now, _free(Job, now))
    jobs = {
        str(kind): (int(count), max(now - first_due, timedelta(0)))
        for kind, count, first_due in session.execute(
            select(Job.kind, func.count(), func.min(Job.due_at)).where(due).group_by(Job.kind)
        ).all()
    }
    return Queues(
        inbox_pending=int(pending),
        inbox_oldest_age=max(now - oldest, timedelta(0)) if oldest is not None else None,
        held_pings_waiting=_held_pings(session, now)["waiting"],
        jobs=jobs,
    )


def _count_if(condition: Any) -> Any:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _free(model: type[Job] | type[InboxEvent], now: datetime) -> Any:
    return or_(model.lease_until.is_(None), model.lease_until <= now)


def _held_pings(session: Session, now: datetime) -> dict[str, int]:
    waiting = and_(HeldPing.status == HELD, HeldPing.delivery_id.is_(None))
    row = session.execute(
        select(
            _count_if(waiting),
            _count_if(and_(waiting, HeldPing.due_at <= now)),
            _count_if(HeldPing.delivery_id.is_not(None)),
        ).where(HeldPing.status == HELD)
    ).one()
    return {"waiting": int(row[0]), "due_not_taken": int(row[1]), "in_delivery": int(row[2])}


def _inbox(session: Session, now: datetime) -> dict[str, int]:
    row = session.execute(
        select(
            func.count(),
            _count_if(and_(InboxEvent.due_at <= now, _free(InboxEvent, now))),
            _count_if(InboxEvent.last_error.is_not(None)),
        ).where(InboxEvent.done_at.is_(None))
    ).one()
    return {"pending": int(row[0]), "due": int(row[1]), "retrying": int(row[2])}


def _jobs(session: Session, now: datetime) -> list[KindQueue]:
    leased = and_(Job.lease_until.is_not(None), Job.lease_until > now)
    open_rows = session.execute(
        select(
            Job.kind,
            _count_if(and_(Job.due_at <= now, _free(Job, now))),
            _count_if(leased),
            _count_if(and_(Job.due_at > now, _free(Job, now))),
            _count_if(Job.last_error.is_not(None)),
        )
        .where(Job.done_at.is_(None))
        .group_by(Job.kind)
    ).all()
    failed = dict(
        session.execute(
            select(Job.kind, func.count())
            .where(Job.failed_at >= now - FAILED_WINDOW, Job.done_at.is_not(None), Job.last_error.is_not(None))
            .group_by(Job.kind)
        ).all()
    )
    queues = {
        str(kind): KindQueue(
            kind=str(kind), due=int(due), leased=int(lease), scheduled=int(later), retrying=int(retrying)
        )
        for kind, due, lease, later, retrying in open_rows
    }
    for kind, count in failed.items():
        queue = queues.get(str(kind), KindQueue(kind=str(kind)))
        queues[str(kind)] = KindQueue(**{**queue.__dict__, "failed_last_day": int(count)})
    return [queues[kind] for kind in sorted(queues)]


def _oldest(session: Session, now: datetime) -> Oldest | None:
    candidates: list[Oldest] = []
    job = session.execute(
        select(Job.kind, Job.team_id, Job.due_at)
        .where(Job.done_at.is_(None), Job.due_at <= now, _free(Job, now))
        .order_by(Job.due_at)
        .limit(1)
    ).first()
    if job is not None:
        candidates.append(Oldest(f"job {job.kind}", job.team_id, job.due_at, now - job.due_at))
    event = session.execute(
        select(InboxEvent.event_type, InboxEvent.team_id, InboxEvent.due_at)
        .where(InboxEvent.done_at.is_(None), InboxEvent.due_at <= now, _free(InboxEvent, now))
        .order_by(InboxEvent.due_at)
        .limit(1)
    ).first()
    if event is not None:
        candidates.append(Oldest(f"event {event.event_type}", event.team_id, event.due_at, now - event.due_at))
    ping = session.execute(
        select(HeldPing.team_id, HeldPing.due_at)
        .where(HeldPing.status == HELD, HeldPing.delivery_id.is_(None), HeldPing.due_at <= now)
        .order_by(HeldPing.due_at)
        .limit(1)
    ).first()
    if ping is not None:
        candidates.append(Oldest("held ping (no delivery took it yet)", ping.team_id, ping.due_at, now - ping.due_at))
    return min(candidates, key=lambda item: item.due_at, default=None)


def _workers(session: Session, now: datetime) -> list[Worker]:
    beats = session.scalars(select(WorkerBeat).order_by(WorkerBeat.last_tick_at.desc()))
    workers = []
    for beat in beats:
        report = dict(beat.last_report or {})
        seconds = report.pop(TICK_SECONDS_KEY, None)
        overruns = report.pop(OVERRUNS_KEY, None) or {}
        workers.append(
            Worker(
                beat.worker_id,
                beat.last_tick_at,
                now - beat.last_tick_at,
                report,
                float(seconds) if seconds is not None else None,
                {str(name): float(value) for name, value in dict(overruns).items()},
            )
        )
    return workers


def _failures(session: Session, limit: int) -> list[Failure]:
    jobs = session.execute(
        select(Job.kind, Job.team_id, Job.last_error, Job.failed_at, Job.attempts, Job.done_at)
        .where(Job.failed_at.is_not(None), Job.last_error.is_not(None))
        .order_by(Job.failed_at.desc())
        .limit(limit)
    ).all()
    events = session.execute(
        select(
            InboxEvent.event_type,
            InboxEvent.team_id,
            InboxEvent.last_error,
            InboxEvent.failed_at,
            InboxEvent.attempts,
            InboxEvent.done_at,
        )
        .where(InboxEvent.failed_at.is_not(None), InboxEvent.last_error.is_not(None))
        .order_by(InboxEvent.failed_at.desc())
        .limit(limit)
    ).all()
    found = [
        Failure(f"job {kind}", team_id, str(error), at, int(attempts), done_at is not None)
        for kind, team_id, error, at, attempts, done_at in jobs
        if at is not None
    ] + [
        Failure(f"event {kind}", team_id, str(error), at, int(attempts), done_at is not None)
        for kind, team_id, error, at, attempts, done_at in events
        if at is not None
    ]
    return sorted(found, key=lambda failure: failure.at, reverse=True)[:limit]


def _paused(session: Session) -> list[PausedWorkspace]:
    paused = teams.paused(session=session)
    if not paused:
        return []
    waiting = dict(
        session.execute(
            select(Job.team_id, func.count())
            .where(Job.done_at.is_(None), Job.team_id.in_([team.team_id for team in paused]))
            .group_by(Job.team_id)
        ).all()
    )
    return [
        PausedWorkspace(team.team_id, str(team.token_error), team.token_error_at, int(waiting.get(team.team_id, 0)))
        for team in paused
    ]
