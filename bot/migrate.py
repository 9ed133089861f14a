"""Running Alembic programmatically on DATABASE_URL (`handoff migrate`, and the tests)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, inspect, make_url, pool

import migrations


def alembic_config(database_url: str) -> Config:
    """An Alembic config pointing at the packaged migrations and `database_url`."""
    config = Config()
    config.set_main_option("script_location", str(Path(migrations.__file__).parent))
    # ConfigParser treats % as interpolation; URLs may carry %-escaped passwords.
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


@dataclass(frozen=True)
class Upgrade:
    """What `handoff migrate` did: the revision before and after, and the tables it created."""

    database: str
    before: str | None
    after: str | None
    tables_created: int

    def summary(self) -> str:
        """One line for the operator, the database named with its password hidden."""
        if self.before == self.after:
            return f"the schema of {self.database} is already up to date (revision {self.after}); nothing to do."
        if self.before is None:
            return (
                f"created the Handoff schema in {self.database}: {self.tables_created} tables, "
                f"at revision {self.after}."
            )
        created = f", {self.tables_created} new tables" if self.tables_created else ""
        return f"upgraded the schema of {self.database} from revision {self.before} to {self.after}{created}."


def upgrade(database_url: str, revision: str = "head") -> Upgrade:
    """Bring the schema up to `revision` and say what changed."""
    before, tables_before = _revision_and_tables(database_url)
    command.upgrade(alembic_config(database_url), revision)
    after, tables_after = _revision_and_tables(database_url)
    return Upgrade(
        database=make_url(database_url).render_as_string(hide_password=True),
        before=before,
        after=after,
        tables_created=len(tables_after - tables_before),
    )


def _revision_and_tables(database_url: str) -> tuple[str | None, set[str]]:
    from alembic.runtime.migration import MigrationContext

    engine = create_engine(database_url, poolclass=pool.NullPool)
    try:
        with engine.connect() as connection:
            heads = MigrationContext.configure(connection).get_current_heads()
            # Alembic's own bookkeeping table is not one of Handoff's.
            return ", ".join(sorted(heads)) or None, set(inspect(connection).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()


def check(database_url: str) -> None:
    """Raise when the models and the migrated schema differ (alembic check)."""
    command.check(alembic_config(database_url))


def pending_revision(database_url: str) -> str | None:
    """The head revision when the database is not at it yet, else None."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config(database_url))
    heads = set(script.get_heads())
    engine = create_engine(database_url, poolclass=pool.NullPool)
    try:
        with engine.connect() as connection:
            current = set(MigrationContext.configure(connection).get_current_heads())
    finally:
        engine.dispose()
    return None if current == heads else ", ".join(sorted(heads - current)) or "head"
