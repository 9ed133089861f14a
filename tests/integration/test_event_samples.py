"""Real Slack event payloads, malformed ones included, over signed HTTP: acknowledged, and dropped once when unusable.

The samples are slackapi/java-slack-sdk's (MIT, see tests/fixtures/slack/event-samples/README.md):
as Slack's own tooling ships them, most hold placeholders (`"ts": ""`, empty ids). Each must be
acknowledged 2xx, and none may stay in the inbox failing or waiting for a retry.
"""

from __future__ import annotations

import copy
import json
import logging
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import FixedClock
from bot.deps import Deps
from store.models import CatchUpPrefs, InboxEvent, Message
from store.slack_time import datetime_to_ts
from tests.conftest import START
from tests.fakes.slack_api import FakeSlack
from tests.oauth import oauth_world
from tests.support import BOT_USER_ID, TEAM_ID, LiveServer, event_body

SAMPLES = Path(__file__).parents[1] / "fixtures" / "slack" / "event-samples"
# The workspace removing Handoff: its data (inbox included) is purged, so these go last.
FAREWELLS = ("AppUninstalledPayload", "TokensRevokedPayload")
# Ids of the test's world, put where a sample has an empty one.
IDS = {"channel": "C1", "user": "U1", "item_user": "U2", "id": "C1"}


def _samples() -> list[tuple[str, dict[str, Any]]]:
    found = [(path.stem.removeprefix("java_"), json.loads(path.read_text())) for path in sorted(SAMPLES.glob("*.json"))]
    assert len(found) >= 90, "the event samples are missing from tests/fixtures/slack/event-samples"
    return found


def _addressed(body: dict[str, Any]) -> dict[str, Any]:
    """The sample as Slack would send it to the test's workspace: its team and Handoff's bot user."""
    sent = copy.deepcopy(body)
    sent["team_id"] = TEAM_ID
    for authorization in sent.get("authorizations") or []:
        authorization.update(team_id=TEAM_ID, user_id=BOT_USER_ID, enterprise_id=None, is_enterprise_install=False)
    return sent


def _with_ids(body: dict[str, Any]) -> dict[str, Any]:
    """The addressed sample with its empty channel and user ids filled in (its timestamps left as shipped)."""
    sent = _addressed(body)
    event = sent["event"]
    for name, value in IDS.items():
        if event.get(name) == "":
            event[name] = value
    for nested in ("item", "channel", "user"):
        inner = event.get(nested)
        if isinstance(inner, dict):
            for name, value in IDS.items():
                if inner.get(name) == "":
                    inner[name] = value
    sent["event_id"] = sent["event_id"] + "-ids"
    return sent


def _world(fake: FakeSlack) -> None:
    fake.add_user(TEAM_ID, "U1", name="ana", tz="Europe/Berlin")
    fake.add_user(TEAM_ID, "U2", name="bo", tz="America/Los_Angeles")
    fake.add_channel(TEAM_ID, "C1", name="general", members=["U1", "U2", BOT_USER_ID])


def _inbox(factory: sessionmaker[Session]) -> list[InboxEvent]:
    with factory() as session:
        return list(session.scalars(select(InboxEvent).order_by(InboxEvent.id)))


def _assert_settled(rows: list[InboxEvent]) -> None:
    """Every stored event is finished after one try: done, or dropped with the field that was wrong."""
    for row in rows:
        assert row.done_at is not None, f"{row.event_id} is still waiting: {row.last_error}"
        assert row.attempts == 1, f"{row.event_id} was tried {row.attempts} times"
        if row.last_error is not None:
            assert row.last_error.startswith("invalid event: `"), f"{row.event_id}: {row.last_error}"


def test_every_sample_as_shipped_is_acknowledged_and_nothing_is_left_failing(
    live: LiveServer, fake_slack: FakeSlack, session_factory: sessionmaker[Session]
) -> None:
    # As shipped they name no workspace: like events for a workspace without Handoff, acknowledged and dropped.
    for name, body in _samples():
        response = live.post_event(body)
        assert 200 <= response.status_code < 300, f"{name}: {response.status_code} {response.text}"
    live.settle()
    _assert_settled(_inbox(session_factory))


def test_every_sample_sent_to_the_workspace_is_acknowledged_and_an_unusable_one_is_dropped_once(
    live: LiveServer,
    fake_slack: FakeSlack,
    session_factory: sessionmaker[Session],
    clock: FixedClock,
    deps: Deps,
    caplog: pytest.LogCaptureFixture,
) -> None:
    _world(fake_slack)
    samples = _samples()
    bodies = [
        (name, sent) for name, body in samples if name not in FAREWELLS for sent in (_addressed(body), _with_ids(body))
    ]
    with caplog.at_level(logging.INFO):
        for name, body in bodies:
            response = live.post_event(body)
            assert 200 <= response.status_code < 300, f"{name}: {response.status_code} {response.text}"
        live.settle()
    rows = _inbox(session_factory)
    assert rows, "the samples Handoff handles are stored before they are acknowledged"
    _assert_settled(rows)
    dropped = {row.event_id: str(row.last_error) for row in rows if row.last_error is not None}
    # The placeholders are named: an empty channel, an empty ts once the ids are there.
    assert dropped["EvJMessagePayload"] == "invalid event: `channel` is empty"
    assert dropped["EvJMessagePayload-ids"] == "invalid event: `ts` is empty"
    assert dropped["EvJReactionAddedPayload-ids"] == "invalid event: `reaction` is empty"
    assert dropped["EvJMemberJoinedChannelPayload"] == "invalid event: `channel` is empty"
    assert not [call for call in fake_slack.calls_to("views.publish") if not call.params.get("user_id")]
    # One warning line per dropped event, naming it and the field; no traceback for anyone's bad payload.
    runner = [record for record in caplog.records if record.name == "ingest.runner"]
    assert not [record for record in runner if record.exc_info], "a malformed event logged a traceback"
    for event_id, error in dropped.items():
        said = [r.getMessage() for r in runner if r.levelno == logging.WARNING and event_id + " " in r.getMessage()]
        assert len(said) == 1, (event_id, said)
        assert error.removeprefix("invalid event: ") in said[0]
    # A day later nothing is tried again: no retry was planned.
    clock.instant = START + timedelta(days=1)
    live.settle()
    assert [(row.event_id, row.attempts) for row in _inbox(session_factory)] == [(row.event_id, 1) for row in rows]
    # Last, the workspace removes Handoff: acknowledged, and everything of it goes, nothing left pending.
    for name, body in samples:
        if name in FAREWELLS:
            response = live.post_event(_addressed(body))
            assert 200 <= response.status_code < 300, f"{name}: {response.status_code} {response.text}"
    live.settle()
    _assert_settled(_inbox(session_factory))


@pytest.mark.parametrize(
    ("fields", "named"),
    [
        ({"ts": "soon"}, "`ts` is 'soon', not a Slack timestamp"),
        ({"ts": ""}, "`ts` is empty"),
        ({"channel": None}, "`channel` is missing"),
        ({"user": ""}, "`user` is empty"),
        ({"user": None}, "`user` is missing (and no bot_id says an app wrote it)"),
        ({"thread_ts": "yesterday"}, "`thread_ts` is 'yesterday', not a Slack timestamp"),
    ],
)
def test_a_message_with_an_unusable_field_is_recorded_once_and_never_retried(
    live: LiveServer,
    fake_slack: FakeSlack,
    session_factory: sessionmaker[Session],
    clock: FixedClock,
    caplog: pytest.LogCaptureFixture,
    fields: dict[str, Any],
    named: str,
) -> None:
    _world(fake_slack)
    ts = datetime_to_ts(START - timedelta(minutes=5))
    event = {"type": "message", "channel": "C1", "user": "U1", "text": "ship it", "ts": ts, "event_ts": ts}
    event.update(fields)
    event = {name: value for name, value in event.items() if value is not None}
    with caplog.at_level(logging.WARNING, logger="ingest.runner"):
        assert live.post_event(event_body(event, event_id="EvBAD")).status_code == 200
        live.settle()
        # Hours later (when the old retries would have come), still nothing more.
        for hours in (1, 3, 9):
            clock.instant = START + timedelta(hours=hours)
            live.settle()
    (row,) = _inbox(session_factory)
    assert row.done_at is not None and row.attempts == 1
    assert row.last_error == f"invalid event: {named}"
    (line,) = [record.getMessage() for record in caplog.records if record.name == "ingest.runner"]
    assert "EvBAD" in line and named in line and "\n" not in line
    with session_factory() as session:
        assert session.scalars(select(Message)).all() == []


def test_a_home_tab_opened_by_nobody_is_dropped_once_and_starts_no_catch_up(
    live: LiveServer, fake_slack: FakeSlack, session_factory: sessionmaker[Session]
) -> None:
    event = {"type": "app_home_opened", "user": "", "channel": "D1", "tab": "home", "event_ts": "1.0"}
    assert live.post_event(event_body(event, event_id="EvHOME")).status_code == 200
    live.settle()
    (row,) = _inbox(session_factory)
    assert row.done_at is not None and row.last_error == "invalid event: `user` is empty"
    assert fake_slack.calls_to("views.publish") == []
    with session_factory() as session:
        assert session.scalars(select(CatchUpPrefs)).all() == []


def test_a_database_failure_is_retried_and_the_event_then_goes_in(
    live: LiveServer, fake_slack: FakeSlack, session_factory: sessionmaker[Session], clock: FixedClock, deps: Deps
) -> None:
    _world(fake_slack)
    ts = datetime_to_ts(START - timedelta(minutes=5))
    event = {"type": "message", "channel": "C1", "user": "U1", "text": "ship it", "ts": ts, "event_ts": ts}
    with deps.engine.begin() as connection:
        connection.exec_driver_sql("ALTER TABLE messages RENAME TO messages_away")
    try:
        assert live.post_event(event_body(event)).status_code == 200
        live.settle()
    finally:
        with deps.engine.begin() as connection:
            connection.exec_driver_sql("ALTER TABLE messages_away RENAME TO messages")
    (row,) = _inbox(session_factory)
    assert row.done_at is None and row.due_at > START and row.last_error is not None
    clock.instant = row.due_at
    live.settle()
    (row,) = _inbox(session_factory)
    assert row.done_at is not None and row.last_error is None and row.attempts == 2
    with session_factory() as session:
        assert [m.text for m in session.scalars(select(Message))] == ["ship it"]


def test_a_message_carrying_a_nul_character_goes_in_without_it(
    live: LiveServer, fake_slack: FakeSlack, session_factory: sessionmaker[Session]
) -> None:
    # JSON can carry \u0000; PostgreSQL's text cannot hold it, and the message is worth keeping.
    _world(fake_slack)
    ts = datetime_to_ts(START - timedelta(minutes=5))
    event = {"type": "message", "channel": "C1", "user": "U1", "text": "ship\u0000 it", "ts": ts, "event_ts": ts}
    assert live.post_event(event_body(event)).status_code == 200
    live.settle()
    (row,) = _inbox(session_factory)
    assert row.done_at is not None and row.last_error is None
    with session_factory() as session:
        assert [m.text for m in session.scalars(select(Message))] == ["ship it"]


def test_samples_as_shipped_are_acknowledged_in_oauth_mode_too(database_url: str, clock: FixedClock) -> None:
    with oauth_world(database_url, clock) as world:
        for name, body in _samples():
            response = world.live.post_event(body)
            assert 200 <= response.status_code < 300, f"{name}: {response.status_code} {response.text}"
        world.live.settle()
        _assert_settled(_inbox(world.deps.session_factory))
