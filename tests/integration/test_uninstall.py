"""Uninstalling Handoff purges that workspace, and only it: at once, and its decision log after the grace period."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import JSON, Boolean, Date, DateTime, Integer, String, Table, Text, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from bot.app import HandoffApp
from bot.clock import FixedClock
from bot.deps import Deps
from bot.tick import run_tick
from installs import uninstall
from store.models import SLACK_BOTS, SLACK_INSTALLATIONS, Decision, InboxEvent, Team
from store.purge import GRACE_TABLES, workspace_tables
from store.types import UTCDateTime
from tests.fakes.slack_api import FakeSlack
from tests.oauth import ACME, GLOBEX, OAuthWorld, install, oauth_world
from tests.support import TEAM_ID, LiveServer, command_form, event_body

INSTALLATION_TABLES = {SLACK_INSTALLATIONS.name, SLACK_BOTS.name}


@pytest.fixture
def world(database_url: str, clock: FixedClock) -> Iterator[OAuthWorld]:
    with oauth_world(database_url, clock) as built:
        yield built


def _value(table: Table, column: Any, team_id: str, now: datetime) -> Any:
    kind = column.type
    if isinstance(kind, UTCDateTime):
        return now
    if isinstance(kind, DateTime):
        return now.replace(tzinfo=None)
    if isinstance(kind, Date):
        return now.date()
    if isinstance(kind, Boolean):
        return False
    if isinstance(kind, Integer):
        return 1
    if isinstance(kind, JSON):
        return {}
    if isinstance(kind, String | Text):
        return f"{table.name[:3]}-{team_id}"[: getattr(kind, "length", None) or 64]
    raise AssertionError(f"no test value for {table.name}.{column.name} ({kind})")


def fill_every_workspace_table(session: Session, team_id: str, now: datetime) -> None:
    """One row of `team_id` in every table that holds workspace rows, whatever a later issue adds."""
    for table in workspace_tables():
        if table.name in INSTALLATION_TABLES:
            continue  # rows of these come from installing
        values = {
            column.name: team_id if column.name == "team_id" else _value(table, column, team_id, now)
            for column in table.columns
            if not (column.primary_key and column.autoincrement is not False and isinstance(column.type, Integer))
            and (not column.nullable or column.primary_key or column.name == "team_id")
        }
        dialect_insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
        # Rows that real use already made (the workspace's own row, say) stay as they are.
        session.execute(dialect_insert(table).values(**values).on_conflict_do_nothing())


def rows_by_table(session: Session, team_id: str) -> dict[str, int]:
    return {
        table.name: int(session.scalar(select(func.count()).select_from(table).where(table.c.team_id == team_id)) or 0)
        for table in workspace_tables()
    }


def _uninstall(live: LiveServer, team_id: str, **envelope: Any) -> None:
    """What Slack sends when a workspace removes the app: app_uninstalled, then tokens_revoked for the bot."""
    assert live.post_event(event_body({"type": "app_uninstalled"}, team_id=team_id, **envelope)).status_code == 200
    revoked = {"type": "tokens_revoked", "tokens": {"oauth": [], "bot": ["UBOT"]}}
    assert live.post_event(event_body(revoked, team_id=team_id, **envelope)).status_code == 200
    live.settle()


def test_uninstall_purges_every_row_of_that_workspace_and_no_other(
    world: OAuthWorld, caplog: pytest.LogCaptureFixture
) -> None:
    install(world, "U1")
    install(world, "V1")
    for team, channel, user in ((ACME, "C1", "U1"), (GLOBEX, "C2", "V1")):
        message = {"type": "message", "channel": channel, "user": user, "text": "ship it", "ts": "1772438400.000100"}
        assert world.live.post_event(event_body(message, team_id=team)).status_code == 200
        form = command_form("/decision", "Ship on Fridays", user_id=user, channel_id=channel, team_id=team)
        assert world.live.post_form(form).status_code == 200
    world.live.settle()
    with world.deps.session_factory.begin() as session:
        for team in (ACME, GLOBEX):
            fill_every_workspace_table(session, team, world.clock.now())
    with world.deps.read_session_factory() as session:
        acme_before, globex_before = rows_by_table(session, ACME), rows_by_table(session, GLOBEX)
    assert all(acme_before.values()), f"every workspace table has a row of Acme: {acme_before}"

    world.fake.oauth.uninstall(ACME)
    with caplog.at_level(logging.INFO, logger="installs.uninstall"):
        _uninstall(world.live, ACME)

    with world.deps.read_session_factory() as session:
        acme, globex = rows_by_table(session, ACME), rows_by_table(session, GLOBEX)
        acme_row = session.get(Team, ACME)
    # Nothing of Acme is left but its decision log, waiting out the grace period, and the record of when it left.
    assert {name for name, count in acme.items() if count} == GRACE_TABLES | {"jobs"}
    assert acme["decisions"] == acme_before["decisions"] == 2
    assert acme["jobs"] == 1  # the purge of the decision log, 30 days on
    assert acme_row is not None and acme_row.uninstalled_at == world.clock.now()
    assert globex == globex_before
    [purged] = [r.getMessage() for r in caplog.records if "was uninstalled from T0001" in r.getMessage()]
    assert "(app_uninstalled): purged " in purged and "messages=2" in purged and "installations=2" in purged
    assert "the decision log (2 decisions) is kept until 2026-04-01" in purged

    # Slack keeps no token for Acme: an event from it now is acknowledged and not kept.
    late = {"type": "message", "channel": "C1", "user": "U1", "text": "anyone?", "ts": "1772438500.000100"}
    assert world.live.post_event(event_body(late, team_id=ACME)).status_code == 200
    with world.deps.read_session_factory() as session:
        assert session.scalar(select(func.count()).select_from(InboxEvent).where(InboxEvent.team_id == ACME)) == 0

    world.clock.advance(days=29, hours=23)
    assert uninstall.purge_due(world.deps, world.clock.now()) == 0
    world.clock.advance(hours=1)
    assert uninstall.purge_due(world.deps, world.clock.now()) == 1
    with world.deps.read_session_factory() as session:
        assert not any(rows_by_table(session, ACME).values())
        assert rows_by_table(session, GLOBEX) == globex_before
        assert session.scalar(select(func.count()).select_from(SLACK_BOTS).where(SLACK_BOTS.c.team_id == GLOBEX)) == 1


def test_the_decision_log_survives_an_uninstall_when_the_workspace_reinstalls_within_the_grace(
    world: OAuthWorld,
) -> None:
    install(world, "U1")
    form = command_form("/decision", "Ship on Fridays", user_id="U1", team_id=ACME)
    assert world.live.post_form(form).status_code == 200
    world.live.settle()
    world.fake.oauth.uninstall(ACME)
    _uninstall(world.live, ACME)

    world.clock.advance(days=10)
    assert install(world, "U1").status_code == 200
    world.clock.advance(days=21)
    report = run_tick(world.deps, world.handoff.processors)

    assert "workspaces_purged" not in report.counts
    with world.deps.read_session_factory() as session:
        assert session.scalars(select(Decision.text).where(Decision.team_id == ACME)).all() == ["Ship on Fridays"]
        team = session.get(Team, ACME)
    assert team is not None and team.uninstalled_at is None


def test_revoking_only_peoples_tokens_purges_nothing(world: OAuthWorld) -> None:
    install(world, "U1")
    revoked = {"type": "tokens_revoked", "tokens": {"oauth": ["U1"], "bot": []}}

    assert world.live.post_event(event_body(revoked, team_id=ACME)).status_code == 200
    world.live.settle()

    with world.deps.read_session_factory() as session:
        assert session.scalar(select(func.count()).select_from(SLACK_BOTS)) == 1
        acme = session.get(Team, ACME)
        assert acme is None or acme.uninstalled_at is None


def test_single_workspace_mode_purges_on_uninstall_and_keeps_the_log_if_its_token_works_again(
    live: LiveServer, fake_slack: FakeSlack, deps: Deps, handoff: HandoffApp, clock: FixedClock
) -> None:
    fake_slack.add_user(TEAM_ID, "U1", name="ann")
    fake_slack.add_channel(TEAM_ID, "C1", name="general", members=["UBOT", "U1"])
    assert live.post_form(command_form("/decision", "Keep Mondays quiet")).status_code == 200
    live.settle()
    _uninstall(live, TEAM_ID)
    with deps.read_session_factory() as session:
        kept = rows_by_table(session, TEAM_ID)
    assert {name for name, count in kept.items() if count} == {"decisions", "decision_revisions", "teams", "jobs"}

    # The operator installed Handoff again with the same token: after the grace period, the log stays.
    clock.advance(days=30)
    assert "workspaces_purged" not in run_tick(deps, handoff.processors).counts
    with deps.read_session_factory() as session:
        assert session.scalar(select(func.count()).select_from(Decision)) == 1


def test_single_workspace_mode_purges_the_log_once_the_token_is_gone(
    live: LiveServer, fake_slack: FakeSlack, deps: Deps, handoff: HandoffApp, clock: FixedClock
) -> None:
    fake_slack.add_user(TEAM_ID, "U1", name="ann")
    fake_slack.add_channel(TEAM_ID, "C1", name="general", members=["UBOT", "U1"])
    assert live.post_form(command_form("/decision", "Keep Mondays quiet")).status_code == 200
    live.settle()
    fake_slack.revoke_token("xoxb-test")
    _uninstall(live, TEAM_ID)

    clock.advance(days=30)
    assert run_tick(deps, handoff.processors).counts["workspaces_purged"] == 1
    with deps.read_session_factory() as session:
        assert not any(rows_by_table(session, TEAM_ID).values())


def test_the_grace_period_is_configurable(database_url: str, clock: FixedClock) -> None:
    with oauth_world(database_url, clock, HANDOFF_UNINSTALL_GRACE_DAYS=0) as world:
        install(world, "U1")
        form = command_form("/decision", "Ship on Fridays", user_id="U1", team_id=ACME)
        assert world.live.post_form(form).status_code == 200
        world.live.settle()
        world.fake.oauth.uninstall(ACME)
        _uninstall(world.live, ACME)

        assert run_tick(world.deps, world.handoff.processors).counts["workspaces_purged"] == 1
        with world.deps.read_session_factory() as session:
            assert not any(rows_by_table(session, ACME).values())


def test_the_tables_a_workspace_keeps_through_the_grace_period_are_its_decision_log() -> None:
    assert {"decisions", "decision_revisions", "decision_context", "teams"} == GRACE_TABLES
