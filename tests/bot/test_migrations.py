"""Alembic owns the schema: `upgrade head` on an empty database, then no drift from the models."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import column, create_engine, inspect, pool, select, table

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


def test_0015_labels_each_workspace_with_the_organization_of_its_installation(empty_url: str) -> None:
    upgrade(empty_url, "0014")
    engine = create_engine(empty_url, poolclass=pool.NullPool)
    then = datetime(2026, 12, 1, tzinfo=UTC)
    installations = table(
        "slack_installations",
        *(column(name) for name in ("client_id", "app_id", "user_id", "is_enterprise_install", "installed_at")),
        column("team_id"),
        column("enterprise_id"),
    )
    teams = table("teams", column("team_id"), column("enterprise_id"), column("first_seen_at"))

    def installed(team_id: str | None, enterprise_id: str | None) -> dict[str, object]:
        return {
            "client_id": "1111.2222",
            "app_id": "AHANDOFF",
            "user_id": "U1",
            "is_enterprise_install": team_id is None,
            "installed_at": then.replace(tzinfo=None),
            "team_id": team_id,
            "enterprise_id": enterprise_id,
        }

    with engine.begin() as connection:
        connection.execute(
            installations.insert(),
            [installed("T0001", None), installed("T0004", "E0001"), installed(None, "E0001")],
        )
        connection.execute(
            teams.insert(),
            [
                # Acme, standalone, labelled from a shared channel's envelope with its partner's org.
                {"team_id": "T0001", "enterprise_id": "E0001", "first_seen_at": then},
                # A Grid workspace with an installation of its own, and one the org-wide install serves.
                {"team_id": "T0004", "enterprise_id": None, "first_seen_at": then},
                {"team_id": "T0003", "enterprise_id": "E0001", "first_seen_at": then},
                # A workspace no installation serves any more (uninstalled, its log in the grace period).
                {"team_id": "T0009", "enterprise_id": "E0002", "first_seen_at": then},
            ],
        )
    upgrade(empty_url)
    with engine.connect() as connection:
        labels = {
            str(row.team_id): row.enterprise_id
            for row in connection.execute(select(teams.c.team_id, teams.c.enterprise_id))
        }
    engine.dispose()
    assert labels == {"T0001": None, "T0004": "E0001", "T0003": "E0001", "T0009": None}
