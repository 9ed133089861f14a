"""Alembic owns the schema: `upgrade head` on an empty database, then no drift from the models."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, pool

from bot.migrate import check, pending_revision, upgrade
from store.models import Base
from tests.db import MigratedTemplate, empty_database


@pytest.fixture
def empty_url(db_template: MigratedTemplate, tmp_path: Path) -> Iterator[str]:
    yield from empty_database(db_template, tmp_path)


def test_upgrade_head_on_an_empty_database_creates_every_table_without_drift(empty_url: str) -> None:
    assert pending_revision(empty_url) is not None
    upgrade(empty_url)
    engine = create_engine(empty_url, poolclass=pool.NullPool)
    tables = set(inspect(engine).get_table_names())
    engine.dispose()
    assert set(Base.metadata.tables) <= tables
    assert pending_revision(empty_url) is None
    check(empty_url)  # raises when the models and the migrated schema differ


def test_upgrading_twice_is_harmless(empty_url: str) -> None:
    upgrade(empty_url)
    upgrade(empty_url)
    assert pending_revision(empty_url) is None
