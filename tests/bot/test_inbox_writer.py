"""Group commit of the inbox: concurrent deliveries are each stored once and answered correctly."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import FixedClock
from bot.deps import Deps
from bot.inbox_writer import InboxUnavailable, InboxWriter
from store.inbox import Delivery
from store.models import InboxEvent


def test_concurrent_deliveries_are_stored_once_and_each_told_whether_it_was_new(
    deps: Deps, session_factory: sessionmaker[Session], clock: FixedClock
) -> None:
    notified: list[int] = []
    writer = InboxWriter(engine=deps.engine, clock=clock, notify=lambda: notified.append(1))
    # 24 threads deliver 12 distinct events, each one twice (as Slack's retries would).
    event_ids = [f"Ev{index % 12:03d}" for index in range(24)]
    answers: dict[int, bool] = {}
    barrier = threading.Barrier(len(event_ids))

    def deliver(index: int) -> None:
        barrier.wait()
        answers[index] = writer.record(Delivery(event_ids[index], "T1", "message", "{}"))

    threads = [threading.Thread(target=deliver, args=(i,)) for i in range(len(event_ids))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    writer.close()
    new_per_event = {event_id: 0 for event_id in set(event_ids)}
    for index, new in answers.items():
        new_per_event[event_ids[index]] += int(new)
    assert set(new_per_event.values()) == {1}, new_per_event
    with session_factory() as session:
        assert session.scalar(select(func.count()).select_from(InboxEvent)) == 12
        assert session.scalars(select(InboxEvent.received_at)).all() == [clock.now()] * 12
    assert notified


def test_a_failed_insert_is_an_error_and_the_writer_recovers(
    deps: Deps, session_factory: sessionmaker[Session]
) -> None:
    writer = InboxWriter(engine=deps.engine, clock=deps.clock)
    assert writer.record(Delivery("EvOK", "T1", "message", "{}"))
    with deps.engine.begin() as connection:
        connection.exec_driver_sql("ALTER TABLE inbox_events RENAME TO inbox_events_away")
    try:
        # The middleware answers this with a 503, so Slack delivers the event again.
        with pytest.raises(InboxUnavailable):
            writer.record(Delivery("EvLATER", "T1", "message", "{}"))
    finally:
        with deps.engine.begin() as connection:
            connection.exec_driver_sql("ALTER TABLE inbox_events_away RENAME TO inbox_events")
    # The writer dropped its broken connection and stores the retry on a fresh one.
    assert writer.record(Delivery("EvLATER", "T1", "message", "{}"))
    writer.close()
    with session_factory() as session:
        assert sorted(session.scalars(select(InboxEvent.event_id))) == ["EvLATER", "EvOK"]
