"""`handoff serve --socket-mode` as a real process, against a real WebSocket: events and commands acked."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, pool, select

from store.models import InboxEvent, Message
from tests.fakes.slack_api import FakeSlack
from tests.fakes.socket_mode import FakeSocketMode
from tests.support import BOT_TOKEN, TEAM_ID, event_body, trigger_id

HANDOFF = str(Path(sys.executable).with_name("handoff"))
APP_TOKEN = "xapp-1-test"


def _count(database_url: str, model: type[object]) -> int:
    engine = create_engine(database_url, poolclass=pool.NullPool)
    with engine.connect() as connection:
        count = int(connection.scalar(select(func.count()).select_from(model)) or 0)
    engine.dispose()
    return count


@pytest.fixture
def socket_mode(fake_slack: FakeSlack, database_url: str, tmp_path: Path) -> Iterator[FakeSocketMode]:
    endpoint = FakeSocketMode()
    endpoint.start()
    fake_slack.app_tokens.add(APP_TOKEN)
    fake_slack.socket_mode_url = endpoint.url
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "HANDOFF_", "DATABASE_"))}
    env.update(
        DATABASE_URL=database_url, SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_APP_TOKEN=APP_TOKEN, SLACK_API_URL=fake_slack.url
    )
    process = subprocess.Popen(
        [HANDOFF, "serve", "--socket-mode"], env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        endpoint.wait_connected(timeout=30)
        yield endpoint
    finally:
        process.terminate()
        output = process.communicate(timeout=30)[0].decode()
        endpoint.stop()
        assert "Traceback" not in output, output


def test_events_over_socket_mode_are_stored_acked_and_processed(
    socket_mode: FakeSocketMode, fake_slack: FakeSlack, database_url: str
) -> None:
    fake_slack.add_user(TEAM_ID, "U1", name="ana")
    fake_slack.add_channel(TEAM_ID, "C1", name="general", members=["U1", "UBOT"])
    body = event_body(
        {"type": "message", "channel": "C1", "user": "U1", "text": "via socket", "ts": "1772434800.000100"}
    )
    socket_mode.send({"envelope_id": "env-1", "type": "events_api", "accepts_response_payload": False, "payload": body})
    assert socket_mode.ack() == {"envelope_id": "env-1"}
    # Acknowledged after it was stored.
    assert _count(database_url, InboxEvent) == 1
    deadline = time.monotonic() + 30
    while _count(database_url, Message) < 1:  # processed by the serve process's event worker
        assert time.monotonic() < deadline, "the event was not processed"
        time.sleep(0.05)


def test_a_slash_command_over_socket_mode_is_answered_in_the_ack(socket_mode: FakeSocketMode) -> None:
    command = {
        "token": "legacy",
        "team_id": TEAM_ID,
        "channel_id": "C1",
        "user_id": "U1",
        "command": "/handoff",
        "text": "help",
        "api_app_id": "A0001",
        "response_url": "http://127.0.0.1:9/response",
        "trigger_id": trigger_id(),
    }
    socket_mode.send(
        {"envelope_id": "env-2", "type": "slash_commands", "accepts_response_payload": True, "payload": command}
    )
    ack = socket_mode.ack()
    assert ack["envelope_id"] == "env-2"
    assert "/handoff help" in json.dumps(ack["payload"])
