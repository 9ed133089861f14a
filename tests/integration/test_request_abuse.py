"""Requests Slack did not send, or did not send like this: refused with 401 or 400, nothing changes."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import urllib.parse
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.app import HandoffApp
from bot.deps import Deps
from bot.tick import run_tick
from store.models import Decision, InboxEvent, SignedRequest
from tests.fakes.slack_api import FakeSlack
from tests.support import SIGNING_SECRET, TEAM_ID, LiveServer, command_form, event_body, signed_headers

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"


def _count(factory: sessionmaker[Session], model: type[Any]) -> int:
    with factory() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def _post(
    live: LiveServer, raw: str | bytes, content_type: str, headers: dict[str, str] | None = None
) -> httpx.Response:
    sent = headers if headers is not None else signed_headers(raw.decode() if isinstance(raw, bytes) else raw)
    return httpx.post(
        f"{live.base_url}/slack/events", content=raw, headers={"Content-Type": content_type, **sent}, timeout=10
    )


def _world(fake: FakeSlack) -> None:
    fake.add_user(TEAM_ID, "U1", name="u1", tz="Europe/Berlin")
    fake.add_channel(TEAM_ID, "C1", name="general", members=["U1", "UBOT"])


def test_a_replayed_slash_command_is_refused_and_files_nothing_twice(
    live: LiveServer, fake_slack: FakeSlack, session_factory: sessionmaker[Session]
) -> None:
    _world(fake_slack)
    form = command_form("/decision", "We ship on Monday")
    headers = signed_headers(form)
    assert _post(live, form, FORM, headers).status_code == 200
    live.settle()
    replay = _post(live, form, FORM, headers)
    live.settle()
    assert replay.status_code == 401
    assert [d.text for d in _session_decisions(session_factory)] == ["We ship on Monday"]
    # The same command sent again by Slack (signed afresh, at another second) is a new request.
    again = signed_headers(form, timestamp=int(headers["X-Slack-Request-Timestamp"]) + 1)
    assert _post(live, form, FORM, again).status_code == 200
    live.settle()
    assert len(_session_decisions(session_factory)) == 2


def _session_decisions(factory: sessionmaker[Session]) -> list[Decision]:
    with factory() as session:
        return list(session.scalars(select(Decision).order_by(Decision.id)))


def test_a_replayed_interaction_is_refused(live: LiveServer, session_factory: sessionmaker[Session]) -> None:
    payload = {
        "type": "block_actions",
        "team": {"id": TEAM_ID, "domain": "acme"},
        "user": {"id": "U1", "team_id": TEAM_ID},
        "api_app_id": "A0001",
        "token": "legacy",
        "trigger_id": "1.2.3",
        "actions": [{"type": "button", "action_id": "unknown_button", "block_id": "b", "value": "1"}],
    }
    form = urllib.parse.urlencode({"payload": json.dumps(payload)})
    headers = signed_headers(form)
    assert _post(live, form, FORM, headers).status_code in {200, 404}
    assert _post(live, form, FORM, headers).status_code == 401


def test_a_replayed_event_is_acknowledged_and_stored_once(
    live: LiveServer, session_factory: sessionmaker[Session]
) -> None:
    raw = json.dumps(event_body({"type": "message", "channel": "C1", "user": "U1", "text": "hi", "ts": "1.0"}))
    headers = signed_headers(raw)
    # Events carry their own key (event_id): a replay is acknowledged, so Slack never retries it.
    assert [_post(live, raw, JSON, headers).status_code for _ in range(3)] == [200, 200, 200]
    assert _count(session_factory, InboxEvent) == 1


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ({"X-Slack-Request-Timestamp": "soon", "X-Slack-Signature": "v0=" + "0" * 64}, "a timestamp that is no number"),
        ("future", "a timestamp ten minutes ahead"),
        ({"X-Slack-Signature": "v0=" + "0" * 64}, "no timestamp"),
    ],
)
def test_requests_with_unusable_timestamps_are_401(
    live: LiveServer, session_factory: sessionmaker[Session], headers: object, reason: str
) -> None:
    form = command_form("/decision", "We ship on Monday")
    sent = signed_headers(form, timestamp=int(time.time()) + 600) if headers == "future" else headers
    assert isinstance(sent, dict)
    assert _post(live, form, FORM, sent).status_code == 401, reason
    assert _session_decisions(session_factory) == []


MALFORMED: list[tuple[str, str, str]] = [
    ('{"type": "event_callback", ', JSON, "JSON cut short"),
    ("[1, 2]", JSON, "a JSON array"),
    ('"text"', JSON, "a JSON string"),
    ('{"type": "event_callback", "team_id": "T1", "event_id": "Ev1", "event": "x"}', JSON, "an event that is a string"),
    ('{"type": "event_callback", "team_id": "T1", "event_id": "Ev2"}', JSON, "an event_callback without its event"),
    ('{"type": "url_verification"}', JSON, "a challenge without its challenge"),
    (urllib.parse.urlencode({"payload": "{not json"}), FORM, "a payload that is not JSON"),
    (urllib.parse.urlencode({"payload": "[1]"}), FORM, "a payload that is a list"),
    (urllib.parse.urlencode({"payload": json.dumps({"type": "block_actions"})}), FORM, "an interaction by nobody"),
    (
        urllib.parse.urlencode({"payload": json.dumps({"type": "view_submission", "user": {"id": "U1"}, "view": "v"})}),
        FORM,
        "a view that is a string",
    ),
    (urllib.parse.urlencode({"command": "/later", "text": "x", "team_id": TEAM_ID}), FORM, "a command by nobody"),
    ("", FORM, "an empty form"),
    ("%%%&&&==", FORM, "form noise"),
]


@pytest.mark.parametrize(("raw", "content_type", "reason"), MALFORMED, ids=[case[2] for case in MALFORMED])
def test_signed_bodies_slack_would_never_send_are_400_and_change_nothing(
    live: LiveServer,
    fake_slack: FakeSlack,
    session_factory: sessionmaker[Session],
    raw: str,
    content_type: str,
    reason: str,
) -> None:
    response = _post(live, raw, content_type)
    live.settle()
    assert response.status_code == 400, reason
    assert response.text  # says why, for whoever is sending it
    assert _count(session_factory, InboxEvent) == 0
    assert _count(session_factory, SignedRequest) == 0
    assert fake_slack.calls == []


def test_a_signed_body_that_is_not_utf8_is_400(live: LiveServer, session_factory: sessionmaker[Session]) -> None:
    raw = b'{"type": "event_callback", "text": "\xff\xfe"}'
    stamp = str(int(time.time()))
    # Signed over the raw bytes, as Slack's scheme says (slack-sdk's helper only signs text).
    digest = hmac.new(SIGNING_SECRET.encode(), f"v0:{stamp}:".encode() + raw, hashlib.sha256).hexdigest()
    signature = f"v0={digest}"
    headers = {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": signature}
    assert _post(live, raw, JSON, headers).status_code == 400
    assert _count(session_factory, InboxEvent) == 0


def test_the_tick_forgets_signatures_once_no_replay_could_pass(
    live: LiveServer, handoff: HandoffApp, deps: Deps, session_factory: sessionmaker[Session]
) -> None:
    form = command_form("/decisions", "help")
    assert _post(live, form, FORM).status_code == 200
    assert _count(session_factory, SignedRequest) == 1
    signed = datetime.fromtimestamp(int(time.time()), UTC)
    run_tick(deps, handoff.processors, now=signed + timedelta(minutes=9))
    assert _count(session_factory, SignedRequest) == 1
    run_tick(deps, handoff.processors, now=signed + timedelta(minutes=11))
    assert _count(session_factory, SignedRequest) == 0


# Bodies shaped like Slack's, with any field replaced by any JSON value: whatever passes the
# gate must be handled by Handoff without a server error.
_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)
_event = event_body({"type": "message", "channel": "C1", "user": "U1", "text": "hi", "ts": "1.0"})
_interaction = {
    "type": "block_actions",
    "team": {"id": TEAM_ID},
    "user": {"id": "U1", "team_id": TEAM_ID},
    "channel": {"id": "C1"},
    "actions": [{"type": "button", "action_id": "decision_undo", "value": "1"}],
    "response_url": "http://127.0.0.1:9/r",
}


def _mutate(base: dict[str, Any], path: list[str], value: Any) -> dict[str, Any]:
    copy: dict[str, Any] = json.loads(json.dumps(base))
    target: Any = copy
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return copy


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.sampled_from(["event", "interaction", "command"]),
    st.sampled_from(
        [["type"], ["event"], ["event", "type"], ["event", "user"], ["event", "channel"], ["team_id"], ["user"]]
    ),
    _json_values,
)
def test_no_signed_body_of_any_shape_gets_a_server_error(
    live: LiveServer, kind: str, path: list[str], value: Any
) -> None:
    if kind == "event":
        body = _mutate(_event, path, value) if path[0] in _event or path[0] == "event" else _event
        response = _post(live, json.dumps(body), JSON)
    elif kind == "interaction":
        key = path[-1] if path[-1] in _interaction else "user"
        form = urllib.parse.urlencode({"payload": json.dumps(_mutate(_interaction, [key], value))})
        response = _post(live, form, FORM)
    else:
        text = value if isinstance(value, str) else json.dumps(value)
        response = _post(live, command_form("/later", text), FORM)
    assert response.status_code < 500, response.text
    # What was acknowledged is then worked through, as the event worker would, without hanging.
    live.settle()
