"""Test databases: a migrated SQLite file or PostgreSQL database per backend, clean for each test."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, pool, text
from sqlalchemy.engine import make_url

from bot.migrate import upgrade
from store.models import Base

POSTGRES_ENV = "HANDOFF_TEST_POSTGRES_URL"


def postgres_admin_url() -> str | None:
    """The PostgreSQL URL given to the suite, normalized to psycopg 3, or None."""
    raw = os.environ.get(POSTGRES_ENV)
    if not raw:
        return None
    return raw.replace("postgresql://", "postgresql+psycopg://", 1) if raw.startswith("postgresql://") else raw


@dataclass
class MigratedTemplate:
    """A database migrated once per test session, handed out clean to each test."""

    backend: str
    url: str
    sqlite_file: Path | None = None
    admin_url: str | None = None
    database: str | None = None

    def fresh_url(self, tmp_path: Path) -> str:
        """A URL to a clean, migrated database for one test."""
        if self.sqlite_file is not None:
            target = tmp_path / "handoff.db"
            shutil.copyfile(self.sqlite_file, target)
            return f"sqlite:///{target}"
        self._truncate()
        return self.url

    def _truncate(self) -> None:
        engine = create_engine(self.url, poolclass=pool.NullPool)
        names = ", ".join(f'"{table.name}"' for table in Base.metadata.sorted_tables)
        with engine.begin() as connection:
            connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        engine.dispose()

    def drop(self) -> None:
        if self.admin_url is None or self.database is None:
            return
        engine = create_engine(self.admin_url, poolclass=pool.NullPool, isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)'))
        engine.dispose()


def sqlite_template(directory: Path) -> MigratedTemplate:
    """Migrate a SQLite file once; tests get copies."""
    path = directory / "template.db"
    url = f"sqlite:///{path}"
    upgrade(url)
    return MigratedTemplate(backend="sqlite", url=url, sqlite_file=path)


def postgres_template(admin_url: str) -> MigratedTemplate:
    """Create a private database for this test session and migrate it once."""
    database = f"handoff_test_{uuid.uuid4().hex[:12]}"
    engine = create_engine(admin_url, poolclass=pool.NullPool, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{database}"'))
    engine.dispose()
    url = make_url(admin_url).set(database=database).render_as_string(hide_password=False)
    upgrade(url)
    return MigratedTemplate(backend="postgres", url=url, admin_url=admin_url, database=database)


def empty_database(template: MigratedTemplate, tmp_path: Path) -> Iterator[str]:
    """A URL to a database with no tables at all (for migration tests)."""
    if template.sqlite_file is not None:
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    assert template.admin_url is not None
    database = f"handoff_empty_{uuid.uuid4().hex[:12]}"
    engine = create_engine(template.admin_url, poolclass=pool.NullPool, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{database}"'))
    try:
        yield make_url(template.admin_url).set(database=database).render_as_string(hide_password=False)
    finally:
        with engine.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        engine.dispose()
