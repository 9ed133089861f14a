"""The claim mechanism: due rows go to exactly one worker, leases expire, outcomes need the lease."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.orm import Session, sessionmaker

from bot.db import build_engine, build_session_factory
from store import claims, jobs
from store.models import Job
from store.upsert import table_of
from tests.conftest import START

LEASE = timedelta(minutes=5)


def _schedule(factory: sessionmaker[Session], count: int, *, due_offset: timedelta = timedelta(0)) -> None:
    with factory.begin() as session:
        for index in range(count):
            jobs.schedule(
                session=session, kind="test", team_id="T1", key=f"k{index}", due_at=START + due_offset, now=START
            )


def _claim(factory: sessionmaker[Session], owner: str, *, now: datetime = START, limit: int = 100) -> list[Row[Any]]:
    with factory.begin() as session:
        return jobs.claim(session=session, kinds=["test"], now=now, owner=owner, lease=LEASE, limit=limit)


def test_only_due_rows_are_claimed(session_factory: sessionmaker[Session]) -> None:
    _schedule(session_factory, 2, due_offset=timedelta(minutes=1))
    assert _claim(session_factory, "a") == []
    assert len(_claim(session_factory, "a", now=START + timedelta(minutes=1))) == 2


def test_a_leased_row_is_not_claimed_again_until_the_lease_expires(session_factory: sessionmaker[Session]) -> None:
    _schedule(session_factory, 3)
    first = _claim(session_factory, "a")
    assert len(first) == 3
    assert _claim(session_factory, "b", now=START + LEASE - timedelta(seconds=1)) == []
    taken_over = _claim(session_factory, "b", now=START + LEASE)
    assert sorted(row.key for row in taken_over) == ["k0", "k1", "k2"]
    assert all(row.attempts == 2 for row in taken_over)


def test_completing_needs_the_lease(session_factory: sessionmaker[Session]) -> None:
    _schedule(session_factory, 1)
    (row,) = _claim(session_factory, "a")
    (stolen,) = _claim(session_factory, "b", now=START + LEASE)
    with session_factory.begin() as session:
        assert not claims.complete(session=session, model=Job, row_id=row.id, owner="a", now=START + LEASE)
        assert claims.complete(session=session, model=Job, row_id=stolen.id, owner="b", now=START + LEASE)
    # Done rows are never handed out again, even long after.
    assert _claim(session_factory, "c", now=START + timedelta(days=1)) == []


def test_posting_needs_a_live_lease_and_renews_it(session_factory: sessionmaker[Session]) -> None:
    _schedule(session_factory, 1)
    (row,) = _claim(session_factory, "a")

    def fence(owner: str, now: datetime) -> bool:
        with session_factory.begin() as session:
            return claims.fence(session=session, model=Job, row_id=row.id, owner=owner, now=now)

    # Still in its lease: the owner may post, and the lease now covers the post from this instant.
    assert fence("a", START + LEASE - timedelta(seconds=1))
    assert not fence("b", START + LEASE - timedelta(seconds=1))
    assert _claim(session_factory, "b", now=START + LEASE) == []
    # The renewed lease lapses too: no post then, even with nobody else holding the row yet.
    lapsed = START + LEASE - timedelta(seconds=1) + claims.POST_WINDOW
    assert not fence("a", lapsed)
    # Taken over: only the new owner may post.
    assert len(_claim(session_factory, "b", now=lapsed)) == 1
    assert not fence("a", lapsed + timedelta(seconds=1))
    assert fence("b", lapsed + timedelta(seconds=1))
    with session_factory.begin() as session:
        assert claims.complete(session=session, model=Job, row_id=row.id, owner="b", now=lapsed)
    assert not fence("b", lapsed + timedelta(seconds=2))


def test_release_makes_the_row_due_again_at_the_retry_time(session_factory: sessionmaker[Session]) -> None:
    _schedule(session_factory, 1)
    (row,) = _claim(session_factory, "a")
    retry_at = START + timedelta(seconds=30)
    with session_factory.begin() as session:
        assert claims.release(
            session=session, model=Job, row_id=row.id, owner="a", retry_at=retry_at, error="ratelimited", now=START
        )
    assert _claim(session_factory, "b", now=retry_at - timedelta(seconds=1)) == []
    (again,) = _claim(session_factory, "b", now=retry_at)
    assert again.last_error == "ratelimited"


def test_claims_come_in_due_order_and_respect_the_limit(session_factory: sessionmaker[Session]) -> None:
    with session_factory.begin() as session:
        for minutes in (3, 1, 2):
            jobs.schedule(
                session=session,
                kind="test",
                team_id="T1",
                key=f"m{minutes}",
                due_at=START + timedelta(minutes=minutes),
                now=START,
            )
    batch = _claim(session_factory, "a", now=START + timedelta(minutes=5), limit=2)
    assert [row.key for row in batch] == ["m1", "m2"]


def test_scheduling_the_same_job_twice_keeps_one(session_factory: sessionmaker[Session]) -> None:
    with session_factory.begin() as session:
        assert jobs.schedule(session=session, kind="test", team_id="T1", key="same", due_at=START, now=START)
        assert not jobs.schedule(session=session, kind="test", team_id="T1", key="same", due_at=START, now=START)
        # Another workspace's job with the same key is its own.
        assert jobs.schedule(session=session, kind="test", team_id="T2", key="same", due_at=START, now=START)
        assert len(session.scalars(select(Job)).all()) == 2


def test_concurrent_workers_split_the_rows_without_overlap(database_url: str) -> None:
    """Six workers, each with its own engine (like separate processes), claim 300 rows at once."""
    factories = [build_session_factory(build_engine(database_url)) for _ in range(6)]
    _schedule(factories[0], 300)
    claimed: dict[str, list[int]] = {}
    barrier = threading.Barrier(len(factories))

    def work(index: int) -> None:
        owner = f"w{index}"
        barrier.wait()
        mine: list[int] = []
        while batch := _claim(factories[index], owner, limit=7):
            mine.extend(row.id for row in batch)
        claimed[owner] = mine

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(factories))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    all_ids = [row_id for ids in claimed.values() for row_id in ids]
    assert len(all_ids) == 300
    assert len(set(all_ids)) == 300
    for factory in factories:
        factory.kw["bind"].dispose()


def test_a_claim_can_return_just_the_columns_asked_for(session_factory: sessionmaker[Session]) -> None:
    _schedule(session_factory, 2)
    with session_factory.begin() as session:
        rows = jobs.claim(
            session=session,
            kinds=["test"],
            now=START,
            owner="a",
            lease=LEASE,
            limit=10,
            columns=[table_of(Job).c.key, table_of(Job).c.attempts],
        )
    assert [(row.key, row.attempts) for row in rows] == [("k0", 1), ("k1", 1)]
    assert set(rows[0]._fields) == {"id", "due_at", "key", "attempts"}
