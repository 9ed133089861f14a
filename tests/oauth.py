"""OAuth mode for the tests: two workspaces and an Enterprise Grid org on the fake Slack, and installs over HTTP."""

from __future__ import annotations

import base64
import html
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from bot.app import HandoffApp, create_app
from bot.clock import FixedClock
from bot.deps import Deps
from bot.request_gate import gate_for
from bot.runtime import build_deps
from bot.server import SlackASGI
from tests.fakes.slack_api import FakeSlack
from tests.support import LiveServer, make_settings, start_live_server

CLIENT_ID = "1111.2222"
CLIENT_SECRET = "test-client-secret"
# A fixed Fernet key (32 bytes, url-safe base64), so that a test can decrypt what was stored.
KEY = base64.urlsafe_b64encode(b"handoff-test-key-0123456789abcde").decode()
OLD_KEY = base64.urlsafe_b64encode(b"handoff-old-key-0123456789abcdef").decode()

ACME, GLOBEX, INITECH, ORG = "T0001", "T0002", "T0003", "E0001"
STATE_COOKIE = "slack-app-oauth-state"


def seed_world(fake: FakeSlack) -> None:
    """Acme (ann, an admin, and bo), Globex (vic, an admin) and Initech, a workspace of the org E0001."""
    fake.add_team(ACME, name="Acme", bot_token="xoxb-unused-acme", bot_user_id="UBOT", bot_id="BBOT")
    fake.add_team(GLOBEX, name="Globex", bot_token="xoxb-unused-globex", bot_user_id="UBOT2", bot_id="BBOT2")
    fake.add_team(
        INITECH, name="Initech", bot_token="xoxb-unused-initech", bot_user_id="UBOT3", bot_id="BBOT3", enterprise_id=ORG
    )
    fake.add_user(ACME, "U1", name="ann", is_admin=True)
    fake.add_user(ACME, "U2", name="bo")
    fake.add_user(GLOBEX, "V1", name="vic", is_admin=True)
    fake.add_user(INITECH, "W1", name="wes", is_owner=True)
    fake.add_channel(ACME, "C1", name="general", members=["UBOT", "U1", "U2"])
    fake.add_channel(GLOBEX, "C2", name="globex", members=["UBOT2", "V1"])
    fake.add_channel(INITECH, "C3", name="initech", members=["UBOT3", "W1"])


@dataclass
class OAuthWorld:
    """Handoff in OAuth mode on a fake Slack that knows the app."""

    fake: FakeSlack
    deps: Deps
    handoff: HandoffApp
    live: LiveServer
    clock: FixedClock

    @property
    def redirect_url(self) -> str:
        return f"{self.live.base_url}/slack/oauth_redirect"


# OAuth mode: no SLACK_BOT_TOKEN, the app's credentials, and the key that encrypts tokens.
OAUTH_SETTINGS: dict[str, Any] = {
    "SLACK_BOT_TOKEN": None,
    "SLACK_CLIENT_ID": CLIENT_ID,
    "SLACK_CLIENT_SECRET": CLIENT_SECRET,
    "HANDOFF_ENCRYPTION_KEY": KEY,
}


@contextmanager
def oauth_world(
    database_url: str, clock: FixedClock, *, worker_id: str = "worker-a", **overrides: Any
) -> Iterator[OAuthWorld]:
    """Start the fake Slack, Handoff in OAuth mode on `database_url`, and register the app's redirect URL."""
    fake = FakeSlack(clock=clock.now)
    seed_world(fake)
    fake.start()
    settings = make_settings(database_url=database_url, slack_api_url=fake.url, **{**OAUTH_SETTINGS, **overrides})
    deps = build_deps(settings, clock=clock, worker_id=worker_id)
    handoff = create_app(deps)
    live = start_live_server(handoff, deps, SlackASGI(app=handoff.bolt, engine=deps.engine, gate=gate_for(deps)))
    fake.oauth.register_app(
        client_id=CLIENT_ID, client_secret=CLIENT_SECRET, redirect_urls=[f"{live.base_url}/slack/oauth_redirect"]
    )
    try:
        yield OAuthWorld(fake=fake, deps=deps, handoff=handoff, live=live, clock=clock)
    finally:
        live.stop()
        handoff.close()
        deps.engine.dispose()
        fake.stop()


@dataclass
class InstallStart:
    """What the Add to Slack page gave the browser: the link to Slack and the state cookie."""

    authorize_url: str
    state: str
    cookie: str


def start_install(world: OAuthWorld) -> InstallStart:
    """Open /slack/install as a browser would: the page's Add to Slack link and the cookie it set."""
    page = httpx.get(f"{world.live.base_url}/slack/install", timeout=10)
    assert page.status_code == 200, page.text
    match = re.search(r'id="add-to-slack" href="([^"]+)"', page.text)
    assert match, page.text
    url = html.unescape(match.group(1))
    state = parse_qs(urlsplit(url).query)["state"][0]
    cookie = page.headers["set-cookie"].split(";")[0]
    assert cookie == f"{STATE_COOKIE}={state}"
    return InstallStart(authorize_url=url, state=state, cookie=cookie)


def install(world: OAuthWorld, user_id: str, *, org_wide: bool = False) -> httpx.Response:
    """`user_id` installs Handoff: Add to Slack, Allow on Slack's screen, back to the redirect URL."""
    start = start_install(world)
    world.fake.oauth.sign_in(user_id, org_wide=org_wide)
    allowed = httpx.post(start.authorize_url, timeout=10)
    assert allowed.status_code == 302, allowed.text
    return httpx.get(allowed.headers["location"], headers={"Cookie": start.cookie}, timeout=30)
