"""Slack misbehaving: 429 storms, 5xx, timeouts, a dead token, channel_not_found, users.info rate-limited.

Held pings go through the real tick against the fake Slack over HTTP, with the clock moved to
each retry's due time. What people would notice is asserted: every ping arrives once and none
before Slack said it may; a storm costs one call per run, not one per item; what cannot go is
failed visibly and its sender told; and the operator sees it in the logs and in `handoff status`.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.app import HandoffApp, create_app
from bot.clock import FixedClock
from bot.deps import Deps
from bot.retries import MAX_ATTEMPTS, SPREAD, backoff
from bot.runtime import build_deps
from bot.tick import run_tick
from ingest.runner import backoff as runner_backoff
from pings import delivery
from store import held_pings
from store.held_pings import NewPing
from store.models import HeldPing, InboxEvent, Job, Message, Team
from store.status import read_status
from tests.conftest import START
from tests.fakes.slack_api import FakeSlack, SlackCall
from tests.support import BOT_TOKEN, TEAM_ID, LiveServer, command_form, event_body, make_settings
from tests.workers import HANDOFF, handoff_env

# 09:00 in Los Angeles, where the recipients are.
MORNING = datetime(2026, 3, 2, 17, 0, tzinfo=UTC)


def _recipients(fake: FakeSlack, count: int) -> list[str]:
    fake.add_user(TEAM_ID, "U1", name="ana", tz="Europe/Berlin")
    people = [f"UR{n:02d}" for n in range(count)]
    for person in people:
        fake.add_user(TEAM_ID, person, tz="America/Los_Angeles")
    return people


def _hold(deps: Deps, recipients: list[str]) -> None:
    """One ping from U1 to each recipient, held for their morning."""
    with deps.session_factory.begin() as session:
        for person in recipients:
            new = NewPing(team_id=TEAM_ID, sender_id="U1", recipient_id=person, text=f"for {person}", due_at=MORNING)
            held_pings.add(session=session, new=new, now=MORNING - timedelta(hours=9))
            delivery.schedule_morning(
                session=session, team_id=TEAM_ID, recipient_id=person, due_at=MORNING, now=MORNING
            )


def _dms(fake: FakeSlack, user: str) -> list[dict[str, Any]]:
    return fake.posted_messages(f"D{user}")


def _ok_calls(fake: FakeSlack) -> list[SlackCall]:
    return [call for call in fake.calls if call.http_status == 200 and call.response.get("ok")]


def _pending(deps: Deps) -> list[datetime]:
    with deps.read_session_factory() as session:
        return sorted(session.scalars(select(Job.due_at).where(Job.done_at.is_(None), Job.kind != "retention")))


def _tick_at(deps: Deps, handoff: HandoffApp, clock: FixedClock, at: datetime) -> dict[str, int]:
    clock.instant = at
    return run_tick(deps, handoff.processors).counts


def test_a_429_storm_costs_one_call_per_run_and_every_ping_arrives_once_never_before_retry_after(
    deps: Deps, handoff: HandoffApp, fake_slack: FakeSlack, clock: FixedClock
) -> None:
    people = _recipients(fake_slack, 30)
    _hold(deps, people)
    fake_slack.fail_next("conversations.open", status=429, retry_after=30, times=2)
    fake_slack.fail_next("chat.postMessage", status=429, retry_after=20, times=2)
    assert _tick_at(deps, handoff, clock, MORNING).get("pings_delivered") is None
    # The first 429 made the other 29 deliveries wait without a call of their own.
    assert len(fake_slack.calls) == 1
    due = _pending(deps)
    assert len(due) == 30 and min(due) >= MORNING + timedelta(seconds=30)
    assert max(due) <= MORNING + timedelta(seconds=30 * (1 + SPREAD))
    assert len(set(due)) >= 10, "spread, so that they do not all come back in the same second"
    with deps.read_session_factory() as session:
        status = read_status(session=session, now=MORNING)
    (queue,) = [q for q in status.jobs if q.kind == "ping_delivery"]
    assert (queue.retrying, queue.scheduled) == (30, 30)
    assert status.failures and all("ratelimited" in f.error and not f.final for f in status.failures)
    # Nothing before Retry-After: a tick a second early calls Slack for nothing.
    _tick_at(deps, handoff, clock, MORNING + timedelta(seconds=29))
    assert len(fake_slack.calls) == 1
    ticks, at = 0, MORNING
    while due := _pending(deps):
        ticks += 1
        assert ticks < 10, "the storm must be ridden out in a bounded number of runs"
        # The tick runs every minute; no sooner than the next item is due.
        at = max(at + timedelta(minutes=1), min(due))
        before = len(fake_slack.calls)
        _tick_at(deps, handoff, clock, at)
        # At most one call per run meets the 429: the run's other items wait without calling.
        assert sum(call.http_status == 429 for call in fake_slack.calls[before:]) <= 1
    assert all(len(_dms(fake_slack, person)) == 1 for person in people)
    # Every delivery took two calls (open, post); each of the four 429s at most three more (the
    # refused call, the open before it, the DM history read on the retry): no hot loop.
    assert len([c for c in fake_slack.calls if c.method == "chat.postMessage" and c.http_status == 200]) == 30
    assert len(fake_slack.calls) <= 2 * 30 + 3 * 4
    with deps.read_session_factory() as session:
        assert set(session.scalars(select(HeldPing.status))) == {"delivered"}


def test_server_errors_back_off_one_then_two_minutes_and_the_ping_arrives_once(
    deps: Deps, handoff: HandoffApp, fake_slack: FakeSlack, clock: FixedClock
) -> None:
    (person,) = _recipients(fake_slack, 1)
    _hold(deps, [person])
    fake_slack.fail_next("chat.postMessage", status=503, times=1)
    fake_slack.fail_next("chat.postMessage", status=500, times=1)
    _tick_at(deps, handoff, clock, MORNING)
    for attempt in (1, 2):
        (due,) = _pending(deps)
        wait = due - clock.now()
        assert backoff(attempt) <= wait <= backoff(attempt) * (1 + SPREAD)
        _tick_at(deps, handoff, clock, due - timedelta(seconds=1))
        assert _pending(deps) == [due]
        _tick_at(deps, handoff, clock, due)
    assert _pending(deps) == [] and len(_dms(fake_slack, person)) == 1


def test_a_connection_dropped_after_slack_posted_is_not_retried_blindly_and_the_ping_arrives_once(
    deps: Deps, handoff: HandoffApp, fake_slack: FakeSlack, clock: FixedClock
) -> None:
    (person,) = _recipients(fake_slack, 1)
    _hold(deps, [person])
    fake_slack.hang_up("chat.postMessage", match=lambda params: params.get("channel") == f"D{person}")
    _tick_at(deps, handoff, clock, MORNING)
    # Slack has the message; the client, not knowing, must not post it again at once.
    assert len(_dms(fake_slack, person)) == 1
    (due,) = _pending(deps)
    _tick_at(deps, handoff, clock, due)
    assert _pending(deps) == [] and len(_dms(fake_slack, person)) == 1


@pytest.fixture
def impatient(database_url: str, fake_slack: FakeSlack, clock: FixedClock) -> Iterator[tuple[Deps, HandoffApp]]:
    """A process whose Slack calls time out after one second."""
    settings = make_settings(database_url=database_url, slack_api_url=fake_slack.url, HANDOFF_SLACK_TIMEOUT_SECONDS=1)
    deps = build_deps(settings, clock=clock, worker_id="worker-impatient")
    handoff = create_app(deps)
    yield deps, handoff
    handoff.close()
    deps.engine.dispose()


def test_a_timeout_neither_stops_the_tick_nor_sends_the_ping_twice(
    impatient: tuple[Deps, HandoffApp], fake_slack: FakeSlack, clock: FixedClock
) -> None:
    deps, handoff = impatient
    slow, quick = _recipients(fake_slack, 2)
    _hold(deps, [slow, quick])
    # Slack posts the message but answers after the client gave up: the outcome is unknown to Handoff.
    fake_slack.delay("chat.postMessage", 3, match=lambda params: params.get("channel") == f"D{slow}")
    counts = _tick_at(deps, handoff, clock, MORNING)
    assert counts.get("pings_delivered") == 1  # the other ping went in the same tick
    assert len(_dms(fake_slack, slow)) == 1 and len(_dms(fake_slack, quick)) == 1
    (due,) = _pending(deps)
    assert backoff(1) <= due - MORNING <= backoff(1) * (1 + SPREAD)
    with deps.read_session_factory() as session:
        (job,) = session.scalars(select(Job).where(Job.done_at.is_(None))).all()
        assert job.last_error is not None and "timeout" in job.last_error
    # The retry finds the message in the DM (its metadata names the delivery) and records it.
    assert _tick_at(deps, handoff, clock, due)["pings_delivered"] == 1
    assert len(_dms(fake_slack, slow)) == 1
    with deps.read_session_factory() as session:
        assert set(session.scalars(select(HeldPing.status))) == {"delivered"}


def test_a_revoked_token_pauses_the_workspace_keeps_everything_and_it_all_goes_once_the_token_works(
    deps: Deps,
    handoff: HandoffApp,
    fake_slack: FakeSlack,
    clock: FixedClock,
    database_url: str,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    people = _recipients(fake_slack, 3)
    _hold(deps, people)
    fake_slack.revoke_token(BOT_TOKEN)
    with caplog.at_level(logging.ERROR):
        _tick_at(deps, handoff, clock, MORNING)
    # One refused call tells Handoff the token is dead: the rest wait, none is failed.
    assert [call.response["error"] for call in fake_slack.calls] == ["token_revoked"]
    assert any("refuses Handoff's token for workspace T0001" in r.getMessage() for r in caplog.records)
    with deps.read_session_factory() as session:
        assert set(session.scalars(select(HeldPing.status))) == {"held"}
        assert session.scalars(select(Job.done_at).where(Job.kind == "ping_delivery")).all() == [None] * 3
        team = session.get(Team, TEAM_ID)
        assert team is not None and team.token_error == "token_revoked"
    env = handoff_env(database_url, fake_slack.url)
    shown = _status_json(env, tmp_path, MORNING + timedelta(minutes=1))
    assert [(p["team_id"], p["error"], p["waiting"]) for p in shown["paused"]] == [(TEAM_ID, "token_revoked", 3)]
    # No spinning on a dead token: the next ticks call nothing, until the five-minute recheck.
    _tick_at(deps, handoff, clock, MORNING + timedelta(minutes=1))
    assert len(fake_slack.calls) == 1
    _tick_at(deps, handoff, clock, MORNING + timedelta(minutes=5))
    assert [call.method for call in fake_slack.calls[1:]] == ["auth.test"]
    # The operator puts a working token in SLACK_BOT_TOKEN and restarts: at the next recheck all goes, once.
    fake_slack.add_token(TEAM_ID, "xoxb-new")
    settings = make_settings(database_url=database_url, slack_api_url=fake_slack.url, SLACK_BOT_TOKEN="xoxb-new")
    restarted = build_deps(settings, clock=clock, worker_id="worker-b")
    app = create_app(restarted)
    try:
        counts = _tick_at(restarted, app, clock, MORNING + timedelta(minutes=10))
    finally:
        app.close()
        restarted.engine.dispose()
    assert counts["workspaces_resumed"] == 1 and counts["pings_delivered"] == 3
    assert all(len(_dms(fake_slack, person)) == 1 for person in people)
    assert _status_json(env, tmp_path, MORNING + timedelta(minutes=11))["paused"] == []


def test_channel_not_found_is_retried_with_backoff_then_failed_visibly_and_the_sender_is_told(
    deps: Deps, handoff: HandoffApp, fake_slack: FakeSlack, clock: FixedClock, database_url: str, tmp_path: Path
) -> None:
    (person,) = _recipients(fake_slack, 1)
    _hold(deps, [person])
    fake_slack.fail_next(
        "chat.postMessage",
        error="channel_not_found",
        times=MAX_ATTEMPTS,
        match=lambda params: params.get("channel") == f"D{person}",
    )
    at, attempts = MORNING, 0
    while due := _pending(deps):
        (next_at,) = due
        if attempts:
            assert backoff(attempts) <= next_at - at <= backoff(attempts) * (1 + SPREAD)
            # A tick before it is due does not try again: no hot loop on a failing item.
            _tick_at(deps, handoff, clock, next_at - timedelta(seconds=1))
            assert len(fake_slack.calls_to("chat.postMessage")) == attempts
        at = next_at
        _tick_at(deps, handoff, clock, at)
        attempts += 1
        assert attempts <= MAX_ATTEMPTS + 1
    assert attempts == MAX_ATTEMPTS
    assert _dms(fake_slack, person) == []
    with deps.read_session_factory() as session:
        (ping,) = session.scalars(select(HeldPing)).all()
        assert ping.status == "failed" and ping.error is not None and "channel_not_found" in ping.error
    (told,) = _dms(fake_slack, "U1")
    assert f"couldn't deliver your ping to <@{person}>" in told["text"] and "channel_not_found" in told["text"]
    env = handoff_env(database_url, fake_slack.url)
    shown = _status_json(env, tmp_path, at)
    (failure,) = [f for f in shown["failures"] if f["what"] == "job ping_delivery"]
    assert failure["final"] and failure["attempts"] == MAX_ATTEMPTS and "channel_not_found" in failure["error"]
    (queue,) = [q for q in shown["jobs"] if q["kind"] == "ping_delivery"]
    assert queue["failed_last_day"] == 1
    table = _status_table(env, tmp_path, at)
    assert "given up" in table and "channel_not_found" in table and "job ping_delivery" in table


def _status_json(env: dict[str, str], cwd: Path, at: datetime) -> dict[str, Any]:
    return dict(json.loads(_status(env, cwd, at, "--json")))


def _status_table(env: dict[str, str], cwd: Path, at: datetime) -> str:
    return _status(env, cwd, at)


def _status(env: dict[str, str], cwd: Path, at: datetime, *extra: str) -> str:
    import subprocess

    done = subprocess.run(
        [HANDOFF, "status", "--now", at.isoformat(), *extra],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_a_ping_to_someone_slack_cannot_look_up_for_now_is_held_not_refused_and_goes_at_their_hours(
    live: LiveServer, deps: Deps, handoff: HandoffApp, fake_slack: FakeSlack, clock: FixedClock
) -> None:
    (person,) = _recipients(fake_slack, 1)  # in Los Angeles, asleep at START; Handoff has never seen them
    fake_slack.add_channel(TEAM_ID, "C1", name="general", members=["U1", person, "UBOT"])
    fake_slack.fail_next("users.info", status=429, retry_after=30, times=2)
    form = command_form(
        "/later",
        f"<@{person}|dee> the numbers, when you're in",
        user_id="U1",
        response_url=fake_slack.response_url("later"),
    )
    response = live.post_form(form)
    assert response.status_code == 200
    live.settle()
    receipt = json.dumps([response.text, *fake_slack.response_url_posts("later")])
    assert "Slack is busy" in receipt and "nothing was sent" not in receipt
    with deps.read_session_factory() as session:
        (ping,) = session.scalars(select(HeldPing)).all()
        assert ping.status == "held"
    # Still rate-limited at the first check: it waits again (Retry-After, at least the backoff).
    _tick_at(deps, handoff, clock, START + timedelta(seconds=30 * (1 + SPREAD)))
    assert _dms(fake_slack, person) == []
    # Slack answers: it is night in Los Angeles, so the ping waits for their 09:00, like any other.
    for due in iter(lambda: _pending(deps), []):
        if min(due) > START + timedelta(hours=1):
            break
        _tick_at(deps, handoff, clock, min(due))
    assert _dms(fake_slack, person) == []
    with deps.read_session_factory() as session:
        (ping,) = session.scalars(select(HeldPing)).all()
        assert (ping.status, ping.due_at) == ("held", MORNING)
    _tick_at(deps, handoff, clock, MORNING)
    (dm,) = _dms(fake_slack, person)
    assert "the numbers" in json.dumps(dm["blocks"])
    assert len(fake_slack.calls_to("users.info")) == 3


def test_an_event_outlives_a_users_info_storm_and_is_stored_once(
    live: LiveServer, deps: Deps, handoff: HandoffApp, fake_slack: FakeSlack, clock: FixedClock
) -> None:
    fake_slack.add_user(TEAM_ID, "U7", name="newcomer", tz="Europe/Berlin")
    fake_slack.add_channel(TEAM_ID, "C1", name="general", members=["U7", "UBOT"])
    # Slack rate-limits users.info four times running, each time with a one-second Retry-After.
    fake_slack.fail_next("users.info", status=429, retry_after=1, times=4)
    event = {"type": "message", "channel": "C1", "user": "U7", "text": "hello all", "ts": "1772438400.000100"}
    assert live.post_event(event_body({**event, "event_ts": event["ts"]})).status_code == 200
    live.settle()
    at, attempts = START, 1
    while True:
        with deps.read_session_factory() as session:
            row = session.scalars(select(InboxEvent)).one()
        if row.done_at is not None:
            break
        # Retry-After first, then no sooner than the backoff: a storm cannot use up the tries in seconds.
        assert row.due_at - at >= (timedelta(seconds=1) if attempts == 1 else runner_backoff(attempts - 1))
        at = row.due_at
        _tick_at(deps, handoff, clock, at)
        attempts += 1
    assert row.last_error is None and attempts == 5
    with deps.read_session_factory() as session:
        assert session.scalars(select(Message.text)).all() == ["hello all"]
