"""The HTTP surface: health, routing, request verification and limits, over real HTTP."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.app import HandoffApp
from bot.db import build_engine
from bot.deps import Deps
from bot.request_gate import gate_for
from bot.server import MAX_BODY_BYTES, SlackASGI
from store.models import InboxEvent
from tests.support import LiveServer, event_body, signed_headers, start_live_server


def _inbox_size(factory: sessionmaker[Session]) -> int:
    with factory() as session:
        return int(session.scalar(select(func.count()).select_from(InboxEvent)) or 0)


def test_health_is_ok_when_the_database_answers(live: LiveServer) -> None:
    response = httpx.get(f"{live.base_url}/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.fixture
def live_without_database(handoff: HandoffApp, deps: Deps) -> Iterator[LiveServer]:
    unreachable = build_engine("postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2")
    server = start_live_server(handoff, deps, SlackASGI(app=handoff.bolt, engine=unreachable, gate=gate_for(deps)))
    yield server
    server.stop()
    unreachable.dispose()


def test_health_is_503_when_the_database_is_unreachable(live_without_database: LiveServer) -> None:
    response = httpx.get(f"{live_without_database.base_url}/healthz", timeout=10)
    assert response.status_code == 503
    assert response.json() == {"status": "database unreachable"}


def test_unknown_paths_and_methods_are_refused(live: LiveServer) -> None:
    assert httpx.get(f"{live.base_url}/nope").status_code == 404
    assert httpx.get(f"{live.base_url}/slack/events").status_code == 405


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ({}, "unsigned"),
        (
            {"X-Slack-Request-Timestamp": str(int(time.time())), "X-Slack-Signature": "v0=" + "0" * 64},
            "wrong signature",
        ),
        ("stale", "timestamp ten minutes old"),
        ("other-secret", "signed with another secret"),
    ],
)
def test_unverified_requests_are_401_and_change_nothing(
    live: LiveServer, session_factory: sessionmaker[Session], headers: object, reason: str
) -> None:
    raw = json.dumps(event_body({"type": "message", "channel": "C1", "user": "U1", "text": "hi", "ts": "1.0"}))
    if headers == "stale":
        sent = signed_headers(raw, timestamp=int(time.time()) - 600)
    elif headers == "other-secret":
        sent = signed_headers(raw, secret="not-the-secret")
    else:
        assert isinstance(headers, dict)
        sent = headers
    response = httpx.post(
        f"{live.base_url}/slack/events", content=raw, headers={"Content-Type": "application/json", **sent}
    )
    assert response.status_code == 401, reason
    assert _inbox_size(session_factory) == 0


def test_a_body_over_one_megabyte_is_refused(live: LiveServer, session_factory: sessionmaker[Session]) -> None:
    raw = json.dumps(
        event_body({"type": "message", "channel": "C1", "user": "U1", "text": "x" * MAX_BODY_BYTES, "ts": "1.0"})
    )
    response = httpx.post(
        f"{live.base_url}/slack/events",
        content=raw,
        headers={"Content-Type": "application/json", **signed_headers(raw)},
    )
    assert response.status_code == 413
    assert _inbox_size(session_factory) == 0


def test_the_url_verification_challenge_is_answered(live: LiveServer) -> None:
    response = live.post_event(
        {
            "token": "legacy",
            "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
            "type": "url_verification",
        }
    )
    assert response.status_code == 200
    assert response.json() == {"challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"}


def test_a_signed_event_without_an_event_id_is_a_400(live: LiveServer, session_factory: sessionmaker[Session]) -> None:
    body = event_body({"type": "message", "channel": "C1", "user": "U1", "text": "hi", "ts": "1.0"})
    del body["event_id"]
    assert live.post_event(body).status_code == 400
    assert _inbox_size(session_factory) == 0


def test_an_event_that_cannot_be_stored_is_refused_with_503_so_slack_retries(
    live: LiveServer, deps: Deps, session_factory: sessionmaker[Session]
) -> None:
    body = event_body({"type": "message", "channel": "C1", "user": "U1", "text": "hi", "ts": "1.0"})
    with deps.engine.begin() as connection:
        connection.exec_driver_sql("ALTER TABLE inbox_events RENAME TO inbox_events_away")
    try:
        assert live.post_event(body).status_code == 503
    finally:
        with deps.engine.begin() as connection:
            connection.exec_driver_sql("ALTER TABLE inbox_events_away RENAME TO inbox_events")
    # Slack's retry of the same event then lands.
    assert live.post_event(body, headers={"X-Slack-Retry-Num": "1"}).status_code == 200
    assert _inbox_size(session_factory) == 1
