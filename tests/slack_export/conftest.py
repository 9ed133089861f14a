"""Fixtures for importing exports: a migrated database (SQLite and PostgreSQL) and a way to run an import."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot.db import build_engine, build_session_factory
from bot.settings import Settings
from slack_export.importer import ImportRequest, import_export
from slack_export.progress import Silent
from slack_export.summary import Summary
from tests.conftest import START
from tests.support import TEAM_ID, make_settings

Importer = Callable[..., Summary]


@pytest.fixture
def settings(database_url: str) -> Settings:
    # Importing needs no Slack: nothing answers at this address.
    return make_settings(database_url=database_url, slack_api_url="http://127.0.0.1:9/api/")


@pytest.fixture
def factory(settings: Settings) -> Iterator[sessionmaker[Session]]:
    engine = build_engine(settings.database_url)
    yield build_session_factory(engine)
    engine.dispose()


@pytest.fixture
def run_import(factory: sessionmaker[Session], settings: Settings) -> Importer:
    """Import an export (a path) into TEAM_ID at START, as `handoff import` does."""

    def run(
        path: Path,
        *,
        team_id: str = TEAM_ID,
        since: date | None = None,
        dry_run: bool = False,
        strict: bool = False,
        force: bool = False,
        **overrides: Any,
    ) -> Summary:
        request = ImportRequest(path=path, team_id=team_id, since=since, dry_run=dry_run, strict=strict, force=force)
        return import_export(
            session_factory=factory,
            settings=overrides.get("settings", settings),
            request=request,
            now=overrides.get("now", START),
            progress=Silent(),
        )

    return run
