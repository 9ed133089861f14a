"""Token rotation: the tick refreshes each workspace's bot token about three hours before it expires, once."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select

from bot.clock import FixedClock
from bot.retries import SPREAD
from bot.runtime import build_deps
from bot.tick import TickReport, run_tick
from installs.rotation import ROTATION_KIND
from store.models import SLACK_BOTS, SLACK_INSTALLATIONS, Job
from tests.fakes.slack_api import SlackCall
from tests.oauth import ACME, GLOBEX, KEY, OAuthWorld, install, oauth_world
from tests.support import event_body


@pytest.fixture
def world(database_url: str, clock: FixedClock) -> Iterator[OAuthWorld]:
    with oauth_world(database_url, clock) as built:
        yield built


def _refreshes(world: OAuthWorld) -> list[SlackCall]:
    return [call for call in world.fake.calls_to("oauth.v2.access") if call.params.get("grant_type") == "refresh_token"]


def _stored_tokens(world: OAuthWorld, team_id: str) -> set[str]:
    with world.deps.read_session_factory() as session:
        sealed = [
            *session.scalars(select(SLACK_INSTALLATIONS.c.bot_token).where(SLACK_INSTALLATIONS.c.team_id == team_id)),
            *session.scalars(select(SLACK_BOTS.c.bot_token).where(SLACK_BOTS.c.team_id == team_id)),
        ]
    return {Fernet(KEY).decrypt(value.encode()).decode() for value in sealed}


def test_the_tick_refreshes_a_token_three_hours_before_it_expires_and_events_use_the_new_one(
    world: OAuthWorld,
) -> None:
    install(world, "U1")
    first = world.fake.oauth.current_grant(ACME)
    assert first is not None and first.expires_at == world.clock.now() + timedelta(hours=12)
    first_token, first_refresh = first.access_token, first.refresh_token

    world.clock.advance(hours=8, minutes=59)
    assert "tokens_rotated" not in run_tick(world.deps, world.handoff.processors).counts
    world.clock.advance(minutes=1)
    report = run_tick(world.deps, world.handoff.processors)

    assert report.counts["tokens_rotated"] == 1
    [refresh] = _refreshes(world)
    assert refresh.params["refresh_token"] == first_refresh
    second = world.fake.oauth.current_grant(ACME)
    assert second is not None and second.access_token != first_token
    new_token = second.access_token
    assert _stored_tokens(world, ACME) == {new_token}
    with world.deps.read_session_factory() as session:
        expires = session.scalar(select(SLACK_BOTS.c.bot_token_expires_at))
    assert expires == (world.clock.now() + timedelta(hours=12)).replace(tzinfo=None)

    # Past the first token's expiry, Handoff acts with the new one.
    world.clock.advance(hours=4)
    world.fake.clear_calls()
    event = {"type": "message", "channel": "C1", "user": "U1", "text": "hi", "ts": "1772481600.000100"}
    assert world.live.post_event(event_body(event, team_id=ACME)).status_code == 200
    world.live.settle()
    assert {call.token for call in world.fake.calls_to("conversations.info")} == {new_token}
    assert not any(call.response.get("error") == "token_expired" for call in world.fake.calls)

    # The next refresh comes nine hours after this one, and only then.
    world.clock.advance(hours=4, minutes=59)
    assert "tokens_rotated" not in run_tick(world.deps, world.handoff.processors).counts
    world.clock.advance(minutes=1)
    assert run_tick(world.deps, world.handoff.processors).counts["tokens_rotated"] == 1


def test_two_concurrent_ticks_redeem_each_refresh_token_once(world: OAuthWorld) -> None:
    install(world, "U1")
    install(world, "V1")
    world.clock.advance(hours=9)
    other = build_deps(world.deps.settings, clock=world.clock, worker_id="worker-b")
    workers = [world.deps, other]
    start = threading.Barrier(len(workers))
    reports: list[TickReport] = []
    failures: list[BaseException] = []

    def tick(index: int) -> None:
        try:
            start.wait(timeout=10)
            reports.append(run_tick(workers[index], world.handoff.processors))
        except BaseException as exc:  # reported below, in the test's thread
            failures.append(exc)

    threads = [threading.Thread(target=tick, args=(index,)) for index in range(len(workers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    other.engine.dispose()

    assert failures == []
    assert sum(report.counts.get("tokens_rotated", 0) for report in reports) == 2
    refreshed = [call.params["refresh_token"] for call in _refreshes(world)]
    assert len(refreshed) == len(set(refreshed)) == 2
    assert not any(call.response.get("error") for call in world.fake.calls_to("oauth.v2.access"))
    for team in (ACME, GLOBEX):
        grant = world.fake.oauth.current_grant(team)
        assert grant is not None and _stored_tokens(world, team) == {grant.access_token}


def test_a_rate_limited_refresh_is_tried_again_after_retry_after(world: OAuthWorld) -> None:
    install(world, "U1")
    world.clock.advance(hours=9)
    world.fake.fail_next("oauth.v2.access", status=429, retry_after=120)

    assert "tokens_rotated" not in run_tick(world.deps, world.handoff.processors).counts
    world.clock.advance(seconds=119)
    assert "tokens_rotated" not in run_tick(world.deps, world.handoff.processors).counts
    world.clock.advance(seconds=1 + 120 * SPREAD)  # Retry-After, and at most a fifth more (the spread)
    assert run_tick(world.deps, world.handoff.processors).counts["tokens_rotated"] == 1


def test_a_refresh_token_slack_refuses_is_given_up_with_a_clear_log(
    world: OAuthWorld, caplog: pytest.LogCaptureFixture
) -> None:
    install(world, "U1")
    world.fake.oauth.uninstall(ACME)  # revoked, but no uninstall event reached Handoff
    world.clock.advance(hours=9)

    run_tick(world.deps, world.handoff.processors)
    world.clock.advance(hours=1)
    run_tick(world.deps, world.handoff.processors)

    assert len(_refreshes(world)) == 1
    with world.deps.read_session_factory() as session:
        job = session.scalars(select(Job).where(Job.kind == ROTATION_KIND)).one()
    assert job.done_at is not None and job.last_error == "slack: invalid_refresh_token"
    assert "cannot refresh the bot token of workspace T0001 (org None): Slack says invalid_refresh_token" in caplog.text
