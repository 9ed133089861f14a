"""OAuth installs over real HTTP: Add to Slack, Slack's consent, the redirect; tokens stored encrypted."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest
from cryptography.fernet import Fernet
from sqlalchemy import func, select

from bot.clock import FixedClock
from bot.tick import run_tick
from store.models import SLACK_BOTS, SLACK_INSTALLATIONS, SLACK_OAUTH_STATES, Team
from tests.oauth import ACME, CLIENT_ID, GLOBEX, INITECH, KEY, ORG, OAuthWorld, install, oauth_world, start_install
from tests.support import command_form, event_body


@pytest.fixture
def world(database_url: str, clock: FixedClock) -> Iterator[OAuthWorld]:
    with oauth_world(database_url, clock) as built:
        yield built


def _installations(world: OAuthWorld) -> list[dict[str, object]]:
    with world.deps.read_session_factory() as session:
        return [dict(row) for row in session.execute(select(SLACK_INSTALLATIONS)).mappings()]


def test_an_admin_installs_handoff_and_its_tokens_are_stored_encrypted(world: OAuthWorld) -> None:
    page = install(world, "U1")

    assert page.status_code == 200, page.text
    assert "Handoff is installed in Acme" in page.text
    grant = world.fake.oauth.current_grant(ACME)
    assert grant is not None and grant.refresh_token is not None
    [row] = _installations(world)
    assert row["team_id"] == ACME and row["user_id"] == "U1" and row["client_id"] == CLIENT_ID
    # Nothing readable at rest: the stored values are Fernet tokens of Slack's.
    for column in ("bot_token", "bot_refresh_token"):
        stored = str(row[column])
        assert "xox" not in stored
        assert Fernet(KEY).decrypt(stored.encode()).decode() in {grant.access_token, grant.refresh_token}
    assert Fernet(KEY).decrypt(str(row["bot_token"]).encode()).decode() == grant.access_token
    with world.deps.read_session_factory() as session:
        [bot_token] = session.scalars(select(SLACK_BOTS.c.bot_token)).all()
        team = session.get(Team, ACME)
    assert "xox" not in bot_token
    assert team is not None and team.name == "Acme"
    # The token expires twelve hours after the install, on Handoff's clock.
    assert row["bot_token_expires_at"] == (world.clock.now() + timedelta(hours=12)).replace(tzinfo=None)


def test_events_and_commands_of_two_workspaces_each_use_their_own_token(world: OAuthWorld) -> None:
    install(world, "U1")
    install(world, "V1")
    acme = world.fake.oauth.current_grant(ACME)
    globex = world.fake.oauth.current_grant(GLOBEX)
    assert acme is not None and globex is not None and acme.access_token != globex.access_token
    world.fake.clear_calls()

    for team, channel, user in ((ACME, "C1", "U1"), (GLOBEX, "C2", "V1")):
        event = {"type": "message", "channel": channel, "user": user, "text": "hi", "ts": "1772438400.000100"}
        assert world.live.post_event(event_body(event, team_id=team)).status_code == 200
    world.live.settle()
    # The event worker read each new channel from Slack with that workspace's token.
    tokens = {call.params["channel"]: call.token for call in world.fake.calls_to("conversations.info")}
    assert tokens == {"C1": acme.access_token, "C2": globex.access_token}

    world.fake.clear_calls()
    for team, user in ((ACME, "U1"), (GLOBEX, "V1")):
        form = command_form("/handoff", "emoji white_check_mark", user_id=user, team_id=team)
        response = world.live.post_form(form)
        assert response.status_code == 200, response.text
    world.live.settle()
    # Commands go through Bolt's authorize: the admin check runs with the token of the admin's workspace.
    tokens = {call.params["user"]: call.token for call in world.fake.calls_to("users.info")}
    assert tokens == {"U1": acme.access_token, "V1": globex.access_token}


def test_an_org_wide_install_acts_in_each_workspace_of_the_org(world: OAuthWorld) -> None:
    page = install(world, "W1", org_wide=True)

    assert page.status_code == 200, page.text
    [row] = _installations(world)
    assert row["team_id"] is None and row["enterprise_id"] == ORG and row["is_enterprise_install"] is True
    grant = world.fake.oauth.current_grant(INITECH)
    assert grant is not None and grant.org_wide
    world.fake.clear_calls()

    event = {"type": "message", "channel": "C3", "user": "W1", "text": "hi", "ts": "1772438400.000100"}
    assert (
        world.live.post_event(
            event_body(event, team_id=INITECH, enterprise_id=ORG, is_enterprise_install=True)
        ).status_code
        == 200
    )
    world.live.settle()
    [call] = world.fake.calls_to("conversations.info")
    assert call.token == grant.access_token


def test_a_forged_state_is_refused_and_nothing_is_installed(world: OAuthWorld) -> None:
    code = world.fake.oauth.approve(client_id=CLIENT_ID, user_id="U1")
    forged = "not-a-state-we-issued"

    page = httpx.get(
        f"{world.redirect_url}?code={code}&state={forged}",
        headers={"Cookie": f"slack-app-oauth-state={forged}"},
        timeout=10,
    )

    assert page.status_code == 401
    assert "This install link has expired or was already used" in page.text
    assert "Start again from the Add to Slack page" in page.text
    assert _installations(world) == []
    assert world.fake.calls_to("oauth.v2.access") == []


def test_a_state_from_another_browser_is_refused(world: OAuthWorld) -> None:
    start = start_install(world)
    code = world.fake.oauth.approve(client_id=CLIENT_ID, user_id="U1")

    page = httpx.get(f"{world.redirect_url}?code={code}&state={start.state}", timeout=10)

    assert page.status_code == 400
    assert "started in another browser" in page.text
    assert _installations(world) == []


def test_a_replayed_redirect_is_refused_and_installs_once(world: OAuthWorld) -> None:
    start = start_install(world)
    world.fake.oauth.sign_in("U1")
    allowed = httpx.post(start.authorize_url, timeout=10)
    redirect = allowed.headers["location"]

    first = httpx.get(redirect, headers={"Cookie": start.cookie}, timeout=30)
    replay = httpx.get(redirect, headers={"Cookie": start.cookie}, timeout=30)

    assert first.status_code == 200
    assert replay.status_code == 401
    assert "already used" in replay.text
    assert len(_installations(world)) == 1
    assert len(world.fake.calls_to("oauth.v2.access")) == 1


def test_an_expired_state_is_refused_and_the_tick_deletes_expired_states(world: OAuthWorld) -> None:
    start = start_install(world)
    start_install(world)  # an Add to Slack page nobody followed
    world.clock.advance(minutes=11)
    code = world.fake.oauth.approve(client_id=CLIENT_ID, user_id="U1")

    page = httpx.get(f"{world.redirect_url}?code={code}&state={start.state}", headers={"Cookie": start.cookie})

    assert page.status_code == 401
    assert _installations(world) == []
    report = run_tick(world.deps, world.handoff.processors)
    assert report.counts.get("oauth_states_pruned") == 2
    with world.deps.read_session_factory() as session:
        assert session.scalar(select(func.count()).select_from(SLACK_OAUTH_STATES)) == 0


def test_cancelling_on_slacks_screen_says_nothing_was_installed(world: OAuthWorld) -> None:
    start = start_install(world)

    page = httpx.get(f"{world.redirect_url}?error=access_denied&state={start.state}", headers={"Cookie": start.cookie})

    assert page.status_code == 200
    assert "You cancelled the install in Slack" in page.text
    assert _installations(world) == []
