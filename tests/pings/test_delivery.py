"""Claiming ping deliveries: every due ping in exactly one message, however many deliveries and workers."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.db import build_engine, build_session_factory
from pings import delivery
from pings.delivery import DELIVERY_KIND, LEASE, claim_batch, record_sent
from store import claims, held_pings, jobs
from store.held_pings import NewPing
from store.models import HeldPing, Job
from tests.conftest import START

TEAM = "T1"


@pytest.fixture
def factory(database_url: str) -> Iterator[sessionmaker[Session]]:
    engine = build_engine(database_url)
    yield build_session_factory(engine)
    engine.dispose()


def _hold(factory: sessionmaker[Session], recipient: str, *, due_at: datetime, created_at: datetime = START) -> int:
    with factory.begin() as session:
        new = NewPing(team_id=TEAM, sender_id="U9", recipient_id=recipient, text=f"for {recipient}", due_at=due_at)
        return held_pings.add(session=session, new=new, now=created_at).id


def _morning(factory: sessionmaker[Session], recipient: str, due_at: datetime = START) -> None:
    with factory.begin() as session:
        delivery.schedule_morning(session=session, team_id=TEAM, recipient_id=recipient, due_at=due_at, now=START)


def _sweep(factory: sessionmaker[Session], recipient: str) -> None:
    """A second delivery for the same person, as the sweep schedules it."""
    with factory.begin() as session:
        jobs.schedule(
            session=session,
            kind=DELIVERY_KIND,
            team_id=TEAM,
            key=f"{recipient}:sweep",
            due_at=START,
            now=START,
            payload={"recipient": recipient},
        )


def _claim(factory: sessionmaker[Session], owner: str = "a", *, now: datetime = START) -> list[delivery.Delivery]:
    with factory.begin() as session:
        return claim_batch(session=session, now=now, owner=owner, limit=100)


def _record(factory: sessionmaker[Session], batch: list[delivery.Delivery], owner: str = "a") -> int:
    with factory.begin() as session:
        return record_sent(session=session, deliveries=batch, owner=owner, now=START)


def _statuses(factory: sessionmaker[Session]) -> dict[int, str]:
    with factory() as session:
        return {ping.id: ping.status for ping in session.scalars(select(HeldPing))}


def test_a_morning_carries_every_due_ping_of_its_recipient_oldest_first(factory: sessionmaker[Session]) -> None:
    newer = _hold(factory, "U2", due_at=START, created_at=START - timedelta(hours=1))
    older = _hold(factory, "U2", due_at=START - timedelta(minutes=5), created_at=START - timedelta(hours=2))
    tomorrow = _hold(factory, "U2", due_at=START + timedelta(days=1))
    someone_else = _hold(factory, "U3", due_at=START)
    _morning(factory, "U2")
    (morning,) = _claim(factory)
    assert morning.held and morning.recipient_id == "U2" and morning.attempts == 1
    assert [ping.id for ping in morning.pings] == [older, newer]
    assert _record(factory, [morning]) == 2
    assert _statuses(factory) == {newer: "delivered", older: "delivered", tomorrow: "held", someone_else: "held"}
    assert _claim(factory) == []


def test_a_ping_going_now_carries_only_itself(factory: sessionmaker[Session]) -> None:
    now, waiting = _hold(factory, "U2", due_at=START), _hold(factory, "U2", due_at=START)
    with factory.begin() as session:
        delivery.schedule_now(session=session, team_id=TEAM, recipient_id="U2", ping_id=now, now=START)
    (single,) = _claim(factory)
    assert not single.held and [ping.id for ping in single.pings] == [now]
    assert _record(factory, [single]) == 1
    assert _statuses(factory) == {now: "delivered", waiting: "held"}


def test_deliveries_for_one_person_in_one_batch_never_share_a_ping(factory: sessionmaker[Session]) -> None:
    pings = [_hold(factory, "U2", due_at=START) for _ in range(3)]
    with factory.begin() as session:
        delivery.schedule_now(session=session, team_id=TEAM, recipient_id="U2", ping_id=pings[0], now=START)
    _morning(factory, "U2")
    _sweep(factory, "U2")
    batch = _claim(factory)
    assert sorted(d.held for d in batch) == [False, True, True]
    carried = sorted(ping.id for d in batch for ping in d.pings)
    assert carried == pings
    assert _record(factory, batch) == 3


def test_a_delivery_claimed_again_brings_the_pings_it_took_and_the_newly_due_once(
    factory: sessionmaker[Session],
) -> None:
    first = _hold(factory, "U2", due_at=START)
    _morning(factory, "U2")
    (taken,) = _claim(factory, "a")
    retry_at = START + timedelta(minutes=1)
    with factory.begin() as session:  # Slack said 429: the delivery waits, keeping its ping.
        assert claims.release(
            session=session,
            model=Job,
            row_id=taken.job_id,
            owner="a",
            retry_at=retry_at,
            error="ratelimited",
            now=START,
        )
    second = _hold(factory, "U2", due_at=START + timedelta(seconds=30), created_at=START + timedelta(seconds=1))
    (again,) = _claim(factory, "b", now=retry_at)
    assert again.job_id == taken.job_id and again.attempts == 2
    assert [ping.id for ping in again.pings] == [first, second]
    assert _record(factory, [again], owner="b") == 2


def test_a_delivery_taken_over_is_recorded_by_its_new_owner_only(factory: sessionmaker[Session]) -> None:
    ping = _hold(factory, "U2", due_at=START)
    _morning(factory, "U2")
    (late,) = _claim(factory, "a")
    (taken_over,) = _claim(factory, "b", now=START + LEASE)
    assert [p.id for p in taken_over.pings] == [ping]
    assert _record(factory, [late], owner="a") == 0
    assert _statuses(factory) == {ping: "held"}
    assert _record(factory, [taken_over], owner="b") == 1
    assert _statuses(factory) == {ping: "delivered"}


def test_a_delivery_that_cannot_arrive_fails_its_pings(factory: sessionmaker[Session]) -> None:
    ping = _hold(factory, "U2", due_at=START)
    _morning(factory, "U2")
    (gone,) = _claim(factory)
    with factory.begin() as session:
        failed = held_pings.settle(
            session=session, job_ids=[gone.job_id], status=held_pings.FAILED, now=START, error="account_inactive"
        )
    assert failed == 1
    with factory() as session:
        row = session.get(HeldPing, ping)
        assert row is not None and (row.status, row.error, row.delivered_at) == ("failed", "account_inactive", None)


def test_workers_in_parallel_deliver_each_ping_once(database_url: str) -> None:
    """Four workers, each with its own engine (like separate replicas), release 120 pings at once."""
    factories = [build_session_factory(build_engine(database_url)) for _ in range(4)]
    recipients = [f"U{n:03d}" for n in range(60)]
    pings = [_hold(factories[0], recipient, due_at=START) for recipient in recipients for _ in range(2)]
    for recipient in recipients:
        _morning(factories[0], recipient)
    for recipient in recipients[::3]:
        _sweep(factories[0], recipient)
    carried: dict[str, list[int]] = {}
    barrier = threading.Barrier(len(factories))

    def work(index: int) -> None:
        owner, factory = f"w{index}", factories[index]
        barrier.wait()
        mine: list[int] = []
        while True:
            with factory.begin() as session:
                batch = claim_batch(session=session, now=START, owner=owner, limit=7)
            mine.extend(ping.id for d in batch for ping in d.pings)
            with factory.begin() as session:
                record_sent(session=session, deliveries=batch, owner=owner, now=START)
            if len(batch) < 7:
                break
        carried[owner] = mine

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(factories))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    sent = [ping_id for ids in carried.values() for ping_id in ids]
    assert sorted(sent) == sorted(pings)
    assert set(_statuses(factories[0]).values()) == {"delivered"}
    for each in factories:
        each.kw["bind"].dispose()


def test_the_sweep_finds_overdue_pings_no_delivery_took_once_per_person(factory: sessionmaker[Session]) -> None:
    grace = delivery.SWEEP_GRACE
    first = _hold(factory, "U2", due_at=START - timedelta(hours=2))
    _hold(factory, "U2", due_at=START - timedelta(hours=1))
    other = _hold(factory, "U3", due_at=START - grace)
    _hold(factory, "U4", due_at=START - grace + timedelta(seconds=1))  # not overdue long enough
    _hold(factory, "U5", due_at=START - timedelta(hours=3))
    _morning(factory, "U5", due_at=START - timedelta(hours=3))
    _claim(factory)  # U5's morning took its ping: not stranded
    with factory() as session:
        found = held_pings.stranded(session=session, now=START, grace=grace)
        assert sorted((row.recipient_id, row.first_id) for row in found) == [("U2", first), ("U3", other)]
        (oldest,) = held_pings.stranded(session=session, now=START, grace=grace, limit=1)
        assert (oldest.team_id, oldest.recipient_id, oldest.first_id) == (TEAM, "U2", first)
