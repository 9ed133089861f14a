"""The tick: finishes what crashed workers left, retries what failed, prunes, and is idempotent."""

from __future__ import annotations

import json
import threading
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.app import HandoffApp, create_app
from bot.clock import FixedClock
from bot.deps import Deps
from bot.runtime import build_deps
from bot.tick import REPLAY_LIMIT, run_tick
from ingest.runner import MAX_ATTEMPTS, EventContext, backoff
from pings.delivery import schedule_morning
from store import held_pings, inbox, traffic
from store.models import HeldPing, InboxEvent, Message, WorkerBeat
from store.slack_time import datetime_to_ts
from store.traffic import IncomingMessage
from tests.conftest import START
from tests.fakes.slack_api import FakeSlack
from tests.support import TEAM_ID, event_body


def _world(fake_slack: FakeSlack) -> None:
    fake_slack.add_user(TEAM_ID, "U1", name="ana")
    fake_slack.add_channel(TEAM_ID, "C1", name="general", members=["U1", "UBOT"])


def _abandoned_event(factory: sessionmaker[Session], text: str, *, minutes_ago: int = 10, second: int = 0) -> str:
    """An event that was acknowledged and claimed by a worker that then died before processing it."""
    ts = datetime_to_ts(START - timedelta(minutes=minutes_ago, seconds=second))
    body = event_body({"type": "message", "channel": "C1", "user": "U1", "text": text, "ts": ts})
    received = START - timedelta(minutes=minutes_ago)
    with factory.begin() as session:
        inbox.record_events(
            connection=session.connection(),
            deliveries=[inbox.Delivery(body["event_id"], TEAM_ID, "message", json.dumps(body))],
            now=received,
        )
    with factory.begin() as session:
        assert inbox.claim_unprocessed(session=session, now=received, owner="dead-worker", limit=1000)
    return ts


def _count(factory: sessionmaker[Session], model: type[Any]) -> int:
    with factory() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_the_tick_finishes_events_a_crashed_worker_acknowledged(
    deps: Deps, handoff: HandoffApp, fake_slack: FakeSlack, session_factory: sessionmaker[Session]
) -> None:
    _world(fake_slack)
    ts = _abandoned_event(session_factory, "we agreed on Friday")
    report = run_tick(deps, handoff.processors)
    assert report.counts["events_done"] == 1
    with session_factory() as session:
        message = traffic.get_message(session=session, team_id=TEAM_ID, channel_id="C1", ts=ts)
        assert message is not None and message.text == "we agreed on Friday"
        assert session.scalars(select(InboxEvent)).one().done_at == START


def test_an_event_a_live_worker_is_processing_is_left_to_it(
    deps: Deps, handoff: HandoffApp, fake_slack: FakeSlack, session_factory: sessionmaker[Session]
) -> None:
    _world(fake_slack)
    _abandoned_event(session_factory, "in flight", minutes_ago=1)
    assert "events_done" not in run_tick(deps, handoff.processors).counts
    assert _count(session_factory, Message) == 0


def test_ticking_twice_at_the_same_instant_does_nothing_new(
    deps: Deps, handoff: HandoffApp, fake_slack: FakeSlack, session_factory: sessionmaker[Session]
) -> None:
    _world(fake_slack)
    _abandoned_event(session_factory, "one")
    first = run_tick(deps, handoff.processors)
    calls_after_first = len(fake_slack.calls)
    second = run_tick(deps, handoff.processors)
    # The day's once-only work: retention, and the re-check of the one channel the event brought.
    assert first.counts == {
        "events_done": 1,
        "retention_runs": 1,
        "channel_rechecks_planned": 1,
        "channels_rechecked": 1,
    }
    assert second.counts == {}
    assert len(fake_slack.calls) == calls_after_first
    assert "nothing due" in second.summary()


def test_a_failing_event_is_retried_with_backoff_then_given_up(
    deps: Deps, handoff: HandoffApp, fake_slack: FakeSlack, session_factory: sessionmaker[Session], clock: FixedClock
) -> None:
    _world(fake_slack)
    _abandoned_event(session_factory, "slack is down")
    fake_slack.fail_next("conversations.info", status=500, times=MAX_ATTEMPTS + 5)
    for attempt in range(2, MAX_ATTEMPTS + 1):
        report = run_tick(deps, handoff.processors)
        expected = "events_gave_up" if attempt == MAX_ATTEMPTS else "events_retry"
        assert report.counts.get(expected) == 1, (attempt, report.counts)
        with session_factory() as session:
            row = session.scalars(select(InboxEvent)).one()
        if attempt < MAX_ATTEMPTS:
            assert row.due_at == clock.now() + backoff(attempt)
            # Nothing is retried before its time: no hot loop against a failing Slack.
            assert run_tick(deps, handoff.processors).counts.get("events_retry") is None
            clock.advance(seconds=backoff(attempt).total_seconds())
    assert row.done_at is not None and row.last_error is not None and "gave up" in row.last_error
    assert len(fake_slack.calls_to("conversations.info")) == MAX_ATTEMPTS - 1


def test_the_tick_prunes_old_traffic_once_a_day(
    deps: Deps, handoff: HandoffApp, session_factory: sessionmaker[Session], clock: FixedClock
) -> None:
    old, recent = datetime_to_ts(START - timedelta(days=20)), datetime_to_ts(START - timedelta(days=2))
    with session_factory.begin() as session:
        for ts in (old, recent):
            traffic.record_message(
                session=session,
                message=IncomingMessage(team_id=TEAM_ID, channel_id="C1", ts=ts, text="x", user_id="U1"),
                now=START,
            )
    assert run_tick(deps, handoff.processors).counts["pruned_messages"] == 1
    with session_factory() as session:
        assert [m.ts for m in session.scalars(select(Message))] == [recent]
    # Same day: retention does not run again; the next day it does.
    assert "retention_runs" not in run_tick(deps, handoff.processors).counts
    clock.advance(days=1)
    assert run_tick(deps, handoff.processors).counts["retention_runs"] == 1


def test_each_tick_records_the_workers_beat(
    deps: Deps, handoff: HandoffApp, session_factory: sessionmaker[Session]
) -> None:
    run_tick(deps, handoff.processors)
    with session_factory() as session:
        beat = session.get(WorkerBeat, deps.worker_id)
        assert beat is not None and beat.last_tick_at == START


def test_concurrent_ticks_on_separate_workers_process_each_event_once(
    deps: Deps, fake_slack: FakeSlack, session_factory: sessionmaker[Session]
) -> None:
    _world(fake_slack)
    for index in range(60):
        _abandoned_event(session_factory, f"message {index:02d}", second=index)
    workers: list[Deps] = []
    for name in ("w1", "w2", "w3"):
        # Separate engines and identities, like separate processes.
        workers.append(build_deps(deps.settings, clock=FixedClock(START), worker_id=name))
    apps = [create_app(worker) for worker in workers]
    barrier = threading.Barrier(len(workers))
    done: dict[str, int] = {}

    def tick(index: int) -> None:
        barrier.wait()
        done[workers[index].worker_id] = run_tick(workers[index], apps[index].processors).counts.get("events_done", 0)

    threads = [threading.Thread(target=tick, args=(i,)) for i in range(len(workers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(done.values()) == 60
    assert _count(session_factory, Message) == 60
    with session_factory() as session:
        assert session.scalar(select(func.count()).where(InboxEvent.done_at.is_(None))) == 0
    for worker, app in zip(workers, apps, strict=True):
        app.close()
        worker.engine.dispose()


def _store_events(factory: sessionmaker[Session], texts: list[str], *, received: datetime, second: int = 0) -> None:
    deliveries = []
    for index, text in enumerate(texts):
        ts = datetime_to_ts(received - timedelta(seconds=second + index))
        body = event_body({"type": "message", "channel": "C1", "user": "U1", "text": text, "ts": ts})
        deliveries.append(inbox.Delivery(body["event_id"], TEAM_ID, "message", json.dumps(body)))
    with factory.begin() as session:
        inbox.record_events(connection=session.connection(), deliveries=deliveries, now=received)


def test_a_tick_with_a_flooded_inbox_still_delivers_a_due_held_ping(
    deps: Deps, handoff: HandoffApp, fake_slack: FakeSlack, session_factory: sessionmaker[Session]
) -> None:
    _world(fake_slack)
    fake_slack.add_user(TEAM_ID, "U2", name="bo")
    with session_factory.begin() as session:
        held_pings.add(
            session=session,
            new=held_pings.NewPing(TEAM_ID, "U1", "U2", "Could you look at the rollout?", START),
            now=START - timedelta(hours=9),
        )
        schedule_morning(session=session, team_id=TEAM_ID, recipient_id="U2", due_at=START, now=START)
    # More than one tick replays: events the event worker left behind ten minutes ago...
    _store_events(
        session_factory, [f"left {n}" for n in range(REPLAY_LIMIT + 50)], received=START - timedelta(minutes=10)
    )
    # ...while the live stream keeps coming: each event processed brings a new one (as busy
    # channels do), which is the event worker's to process, not the tick's.
    arrivals = [0]

    def busy_channel(context: EventContext) -> None:
        handoff.processors["message"](context)
        if arrivals[0] < 2 * REPLAY_LIMIT:
            arrivals[0] += 1
            _store_events(session_factory, [f"live {arrivals[0]}"], received=START, second=arrivals[0])

    report = run_tick(deps, {**handoff.processors, "message": busy_channel})
    assert report.counts["pings_delivered"] == 1
    with session_factory() as session:
        assert session.scalars(select(HeldPing.status)).one() == held_pings.DELIVERED
        left = session.scalar(select(func.count()).where(InboxEvent.done_at.is_(None)))
    # A bounded batch of what was abandoned; the rest waits for the next tick, the live events for the worker.
    assert report.counts["events_done"] == REPLAY_LIMIT
    assert left == 50 + arrivals[0]


def test_a_tick_stops_at_the_next_event_when_the_process_shuts_down_and_gives_back_its_claims(
    deps: Deps, handoff: HandoffApp, fake_slack: FakeSlack, session_factory: sessionmaker[Session]
) -> None:
    _world(fake_slack)
    _store_events(session_factory, [f"left {n}" for n in range(40)], received=START - timedelta(minutes=10))
    processed = [0]

    def counting(context: EventContext) -> None:
        handoff.processors["message"](context)
        processed[0] += 1

    # SIGTERM arrives while the fifth event is processed.
    report = run_tick(deps, {**handoff.processors, "message": counting}, stop=lambda: processed[0] >= 5)
    assert report.counts["events_done"] == 5
    with session_factory() as session:
        waiting = session.scalars(select(InboxEvent).where(InboxEvent.done_at.is_(None))).all()
    # Nothing it claimed stays leased to a process that is gone: the next one takes them at once.
    assert len(waiting) == 35
    assert all(row.lease_owner is None and row.lease_until is None for row in waiting)
