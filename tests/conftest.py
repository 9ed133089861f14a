"""Fixtures: every DB test runs on SQLite, and on PostgreSQL when HANDOFF_TEST_POSTGRES_URL is set."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot.app import HandoffApp, create_app
from bot.clock import FixedClock
from bot.deps import Deps
from bot.metrics_route import exposition_for
from bot.request_gate import gate_for
from bot.runtime import build_deps
from bot.server import SlackASGI
from tests.db import MigratedTemplate, postgres_admin_url, postgres_template, sqlite_template
from tests.fakes.openai_api import FakeOpenAI
from tests.fakes.slack_api import FakeSlack
from tests.support import BOT_TOKEN, BOT_USER_ID, TEAM_ID, LiveServer, make_settings, start_live_server

# CI sets this: then a run where no PostgreSQL test passed is a failed run.
REQUIRE_POSTGRES_ENV = "HANDOFF_REQUIRE_POSTGRES"

# A Monday morning in Europe: most tests start here and move the clock explicitly.
START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


@pytest.fixture(scope="session", params=["sqlite", "postgres"])
def db_template(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[MigratedTemplate]:
    """One migrated database per backend for the whole session."""
    if request.param == "sqlite":
        yield sqlite_template(tmp_path_factory.mktemp("sqlite"))
        return
    admin_url = postgres_admin_url()
    if admin_url is None:
        if os.environ.get(REQUIRE_POSTGRES_ENV):
            pytest.fail(f"{REQUIRE_POSTGRES_ENV} is set but HANDOFF_TEST_POSTGRES_URL is not")
        pytest.skip("PostgreSQL tests need HANDOFF_TEST_POSTGRES_URL")
    template = postgres_template(admin_url)
    yield template
    template.drop()


@pytest.fixture
def backend(db_template: MigratedTemplate) -> str:
    """'sqlite' or 'postgres'."""
    return db_template.backend


@pytest.fixture
def database_url(db_template: MigratedTemplate, tmp_path: Path) -> str:
    """A clean, migrated database for this test."""
    return db_template.fresh_url(tmp_path)


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    """The fake Slack Web API with one workspace, its bot, and no other world yet."""
    fake = FakeSlack()
    fake.add_team(TEAM_ID, name="Acme", bot_token=BOT_TOKEN, bot_user_id=BOT_USER_ID)
    fake.start()
    yield fake
    fake.stop()


@pytest.fixture
def fake_openai() -> Iterator[FakeOpenAI]:
    """The fake OpenAI-compatible endpoint."""
    fake = FakeOpenAI()
    fake.start()
    yield fake
    fake.stop()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


@pytest.fixture
def deps(database_url: str, fake_slack: FakeSlack, clock: FixedClock) -> Iterator[Deps]:
    """The collaborators of one process, on this test's database and the fake Slack."""
    settings = make_settings(database_url=database_url, slack_api_url=fake_slack.url)
    deps = build_deps(settings, clock=clock, worker_id="worker-a")
    yield deps
    deps.engine.dispose()


@pytest.fixture
def session_factory(deps: Deps) -> sessionmaker[Session]:
    return deps.session_factory


@pytest.fixture
def handoff(deps: Deps) -> Iterator[HandoffApp]:
    app = create_app(deps)
    yield app
    app.close()


@pytest.fixture
def live(handoff: HandoffApp, deps: Deps) -> Iterator[LiveServer]:
    """The real app over real HTTP."""
    asgi = SlackASGI(
        app=handoff.bolt, engine=deps.engine, gate=gate_for(deps), metrics=exposition_for(deps.engine, deps.clock)
    )
    server = start_live_server(handoff, deps, asgi)
    yield server
    server.stop()


_postgres_passed: list[str] = []

POSTGRES_NOT_CONFIGURED = (
    "PostgreSQL: HANDOFF_TEST_POSTGRES_URL is not set, so every database test runs on SQLite only; the PostgreSQL "
    "runs are deselected (set it, e.g. postgresql://postgres@127.0.0.1:5432/test, to run them as CI does)"
)


def _postgres_unavailable() -> bool:
    # With HANDOFF_REQUIRE_POSTGRES set the runs stay, and the fixture fails them loudly.
    return postgres_admin_url() is None and not os.environ.get(REQUIRE_POSTGRES_ENV)


def pytest_report_header(config: pytest.Config) -> str | None:
    return POSTGRES_NOT_CONFIGURED if _postgres_unavailable() else None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Without PostgreSQL, its half of the DB tests is deselected: one header line, not a SKIPPED line each."""
    if not _postgres_unavailable():
        return
    on_postgres = [item for item in items if _param(item, "db_template") == "postgres"]
    if on_postgres:
        items[:] = [item for item in items if _param(item, "db_template") != "postgres"]
        config.hook.pytest_deselected(items=on_postgres)


def _param(item: pytest.Item, name: str) -> object:
    callspec = getattr(item, "callspec", None)
    return callspec.params.get(name) if callspec is not None else None


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    params = report.nodeid.partition("[")[2]
    if report.when == "call" and report.passed and "postgres" in params.rstrip("]").split("-"):
        _postgres_passed.append(report.nodeid)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if os.environ.get(REQUIRE_POSTGRES_ENV) and not _postgres_passed and exitstatus == 0:
        session.exitstatus = 1
        print(f"\n{REQUIRE_POSTGRES_ENV} is set but no PostgreSQL test passed")  # noqa: T201
