"""`handoff status`'s reading of the database: queues by kind, the oldest due item, workers, failures."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session, sessionmaker

from store import claims, held_pings, inbox, jobs, teams
from store.held_pings import NewPing
from store.inbox import Delivery
from store.models import Job, WorkerBeat
from store.status import read_status
from tests.conftest import START

LEASE = timedelta(minutes=2)


def _job(session: Session, kind: str, key: str, *, due: timedelta, team: str = "T1") -> None:
    jobs.schedule(session=session, kind=kind, team_id=team, key=key, due_at=START + due, now=START - timedelta(hours=1))


def test_status_counts_each_queue_and_finds_the_oldest_due_item_and_the_latest_failures(
    session_factory: sessionmaker[Session],
) -> None:
    with session_factory.begin() as session:
        for n, due in enumerate((-30, -5, 0, 10)):
            _job(session, "catchup", f"c{n}", due=timedelta(minutes=due))
        _job(session, "ping_delivery", "p0", due=timedelta(minutes=-1))
        _job(session, "ping_delivery", "p1", due=timedelta(minutes=-2))
        for n, due in enumerate((-20, 30)):
            new = NewPing(
                team_id="T1", sender_id="U1", recipient_id=f"U{n + 2}", text="x", due_at=START + timedelta(minutes=due)
            )
            held_pings.add(session=session, new=new, now=START - timedelta(hours=1))
        inbox.record_events(
            connection=session.connection(),
            deliveries=[Delivery("Ev1", "T1", "message", "{}")],
            now=START - timedelta(minutes=3),
        )
        session.add(
            WorkerBeat(
                worker_id="host:1:aa", last_tick_at=START - timedelta(minutes=1), last_report={"pings_delivered": 2}
            )
        )
        session.add(WorkerBeat(worker_id="host:2:bb", last_tick_at=START - timedelta(hours=2), last_report={}))
    with session_factory.begin() as session:
        # One catch-up in work, one ping delivery retrying after a 429, one given up for good.
        (_in_work,) = jobs.claim(session=session, kinds=["catchup"], now=START, owner="w", lease=LEASE, limit=1)
        (retried, gone) = jobs.claim(
            session=session, kinds=["ping_delivery"], now=START, owner="w", lease=LEASE, limit=2
        )
        claims.release(
            session=session,
            model=Job,
            row_id=retried.id,
            owner="w",
            retry_at=START + timedelta(seconds=30),
            error="slack: ratelimited",
            now=START,
        )
        claims.give_up(
            session=session,
            model=Job,
            row_id=gone.id,
            owner="w",
            now=START + timedelta(seconds=1),
            error="slack: user_not_found",
        )
        teams.pause_sending(session=session, team_id="T9", error="token_revoked", now=START - timedelta(minutes=7))
        _job(session, "decision_review", "r0", due=timedelta(minutes=-1), team="T9")
    with session_factory() as session:
        status = read_status(session=session, now=START + timedelta(seconds=5), failures=5)
    queues = {q.kind: (q.due, q.leased, q.scheduled, q.retrying, q.failed_last_day) for q in status.jobs}
    assert queues == {
        "catchup": (2, 1, 1, 0, 0),
        "decision_review": (1, 0, 0, 0, 0),
        "ping_delivery": (0, 0, 1, 1, 1),
    }
    assert status.held_pings == {"waiting": 2, "due_not_taken": 1, "in_delivery": 0}
    assert status.inbox == {"pending": 1, "due": 1, "retrying": 0}
    # The oldest catch-up is in work: the oldest left waiting is the held ping no delivery took.
    assert status.oldest is not None and status.oldest.what == "held ping (no delivery took it yet)"
    assert status.oldest.late == timedelta(minutes=20, seconds=5)
    assert [w.worker_id for w in status.workers] == ["host:1:aa", "host:2:bb"]
    assert status.workers[0].ago == timedelta(minutes=1, seconds=5)
    assert [(f.what, f.error, f.final) for f in status.failures] == [
        ("job ping_delivery", "slack: user_not_found", True),
        ("job ping_delivery", "slack: ratelimited", False),
    ]
    assert [(p.team_id, p.error, p.waiting) for p in status.paused] == [("T9", "token_revoked", 1)]


def test_status_of_an_empty_database_says_nothing_is_waiting(session_factory: sessionmaker[Session]) -> None:
    with session_factory() as session:
        status = read_status(session=session, now=START)
    assert status.jobs == [] and status.oldest is None and status.workers == [] and status.failures == []
    assert status.held_pings == {"waiting": 0, "due_not_taken": 0, "in_delivery": 0}
    assert status.inbox == {"pending": 0, "due": 0, "retrying": 0}
