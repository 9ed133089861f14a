"""Helpers shared by the tests: settings, signed Slack requests, event payloads, a live server."""

from __future__ import annotations

import json
import socket
import threading
import time
import urllib.parse
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
import uvicorn
from slack_sdk.signature import SignatureVerifier
from sqlalchemy.orm import Session

from bot.app import HandoffApp
from bot.clock import Clock
from bot.deps import Deps
from bot.runtime import build_deps
from bot.server import SlackASGI
from bot.settings import Settings
from ingest.drain import drain_inbox
from store import channels
from store.channels import ChannelInfo
from tests.fakes.openai_api import FakeOpenAI
from tests.fakes.slack_api import FakeSlack

SIGNING_SECRET = "test-signing-secret"
BOT_TOKEN = "xoxb-test"
TEAM_ID = "T0001"
BOT_USER_ID = "UBOT"


def make_settings(*, database_url: str, slack_api_url: str, **overrides: Any) -> Settings:
    """Settings as the environment would give them, without reading the real environment or .env."""
    values: dict[str, Any] = {
        "DATABASE_URL": database_url,
        "SLACK_API_URL": slack_api_url,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)


def deps_with_model(*, worker_id: str, model: str = "gpt-4o-mini") -> Any:
    """A `deps` fixture for a module whose processes summarize with a model: the fake OpenAI-compatible
    endpoint, which records every prompt. In the module: `deps = deps_with_model(worker_id=...)`."""

    @pytest.fixture
    def deps(database_url: str, fake_slack: FakeSlack, fake_openai: FakeOpenAI, clock: Clock) -> Iterator[Deps]:
        settings = make_settings(
            database_url=database_url,
            slack_api_url=fake_slack.url,
            OPENAI_API_KEY="sk-test",
            OPENAI_BASE_URL=fake_openai.url,
            HANDOFF_LLM_MODEL=model,
        )
        built = build_deps(settings, clock=clock, worker_id=worker_id)
        yield built
        built.engine.dispose()

    return deps


def trigger_id() -> str:
    """A fresh trigger id: Slack gives each command and interaction its own, so no two requests are alike."""
    return f"{uuid.uuid4().int % 10**12}.{uuid.uuid4().int % 10**12}.{uuid.uuid4().hex[:16]}"


def signed_headers(body: str, *, secret: str = SIGNING_SECRET, timestamp: int | None = None) -> dict[str, str]:
    """Slack's v0 signature headers for `body`; the timestamp is now unless given (Bolt checks ±5 min)."""
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    signature = SignatureVerifier(secret).generate_signature(timestamp=stamp, body=body) or ""
    return {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": signature}


def event_body(
    event: dict[str, Any],
    *,
    team_id: str = TEAM_ID,
    event_id: str | None = None,
    enterprise_id: str | None = None,
    is_enterprise_install: bool = False,
    bot_user_id: str = BOT_USER_ID,
) -> dict[str, Any]:
    """An Events API event_callback envelope around `event`."""
    return {
        "token": "legacy",
        "team_id": team_id,
        "enterprise_id": enterprise_id,
        "api_app_id": "A0001",
        "event": event,
        "type": "event_callback",
        "event_id": event_id or f"Ev{uuid.uuid4().hex[:10].upper()}",
        "event_time": int(float(event.get("event_ts") or event.get("ts") or 1_700_000_000)),
        "authorizations": [
            {
                "enterprise_id": enterprise_id,
                "team_id": team_id,
                "user_id": bot_user_id,
                "is_bot": True,
                "is_enterprise_install": is_enterprise_install,
            }
        ],
        "is_ext_shared_channel": False,
    }


def command_form(
    command: str,
    text: str = "",
    *,
    user_id: str = "U1",
    channel_id: str = "C1",
    response_url: str = "http://127.0.0.1:9/commands/response",
    team_id: str = TEAM_ID,
    enterprise_id: str | None = None,
) -> str:
    """A slash command request body, form-encoded as Slack sends it."""
    return urllib.parse.urlencode(
        {
            **({"enterprise_id": enterprise_id} if enterprise_id else {}),
            "token": "legacy",
            "team_id": team_id,
            "team_domain": "acme",
            "channel_id": channel_id,
            "channel_name": "general",
            "user_id": user_id,
            "user_name": "someone",
            "command": command,
            "text": text,
            "api_app_id": "A0001",
            "response_url": response_url,
            "trigger_id": trigger_id(),
        }
    )


@dataclass
class LiveServer:
    """The real ASGI app under uvicorn on a free loopback port, in a background thread."""

    handoff: HandoffApp
    deps: Deps
    server: uvicorn.Server
    thread: threading.Thread
    base_url: str

    def post_event(self, body: dict[str, Any], *, headers: dict[str, str] | None = None) -> httpx.Response:
        """POST a signed event and return Slack's view of the answer (the ack)."""
        raw = json.dumps(body)
        merged = {"Content-Type": "application/json", **signed_headers(raw), **(headers or {})}
        return httpx.post(f"{self.base_url}/slack/events", content=raw, headers=merged, timeout=10)

    def post_form(self, form: str, *, headers: dict[str, str] | None = None) -> httpx.Response:
        """POST a signed form body (slash commands, interactivity)."""
        merged = {"Content-Type": "application/x-www-form-urlencoded", **signed_headers(form), **(headers or {})}
        return httpx.post(f"{self.base_url}/slack/events", content=form, headers=merged, timeout=10)

    def click(self, fake: FakeSlack, user: str, action_id: str, value: str, *, response_key: str | None = None) -> None:
        """`user` clicks a button in #general; Handoff's respond() goes to fake.response_url(response_key or user)."""
        button = {"type": "button", "action_id": action_id, "block_id": "b", "value": value, "action_ts": "1"}
        self.act(fake, user, button, response_key=response_key)

    def act(self, fake: FakeSlack, user: str, action: dict[str, Any], *, response_key: str | None = None) -> None:
        """`user` uses an interactive element (a button, a menu…) on a message in #general."""
        payload = {
            "type": "block_actions",
            "team": {"id": TEAM_ID, "domain": "acme"},
            "user": {"id": user, "team_id": TEAM_ID},
            "api_app_id": "A0001",
            "token": "legacy",
            "trigger_id": trigger_id(),
            "channel": {"id": "C1"},
            "container": {"type": "message", "channel_id": "C1"},
            "response_url": fake.response_url(response_key or user),
            "actions": [action],
        }
        assert self.post_form(urllib.parse.urlencode({"payload": json.dumps(payload)})).status_code == 200
        self.settle()

    def settle(self) -> None:
        """Finish the work that follows the acknowledgements, as the event worker would.

        Listeners (commands, interactivity) run on Bolt's executor and are waited for; stored
        events are processed here, in the test's thread, so nothing depends on timing.
        """
        assert self.handoff.executor.drain(timeout=30), "listeners did not finish"
        drain_inbox(self.deps, self.handoff.processors)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)


def start_live_server(handoff: HandoffApp, deps: Deps, asgi: SlackASGI) -> LiveServer:
    """Serve `asgi` on a socket bound before the thread starts, so requests queue instead of racing startup."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(asgi, lifespan="on", log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    return LiveServer(handoff=handoff, deps=deps, server=server, thread=thread, base_url=f"http://127.0.0.1:{port}")


def seed_channel(
    session: Session, channel_id: str, name: str, members: list[str], *, private: bool = False, team_id: str = TEAM_ID
) -> None:
    """A channel Handoff is in, with its members, as ingest would have stored it."""
    now = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    info = ChannelInfo(team_id, channel_id, name, is_private=private, is_member=True)
    channels.save_channel(session=session, info=info, now=now)
    channels.replace_members(session=session, team_id=team_id, channel_id=channel_id, user_ids=members, now=now)


def seed_general_and_leads(session: Session) -> None:
    """#general (U1, U2) and the private #leads (U1 only): the usual visibility fixture."""
    seed_channel(session, "C1", "general", ["U1", "U2"])
    seed_channel(session, "G1", "leads", ["U1"], private=True)
