"""`handoff import`: the wiring around `slack_export` (database, settings, clock, progress bar)."""

from __future__ import annotations

import sys
from typing import Any

from rich.console import Console
from sqlalchemy import Engine, event

from bot.clock import Clock
from bot.db import build_engine, build_session_factory, checkpoint
from bot.migrate import pending_revision
from bot.settings import ConfigError, Settings
from slack_export.importer import ImportRequest, import_export
from slack_export.progress import ProgressBar, ProgressReport, Silent
from slack_export.summary import Summary

# SQLite's default page cache is 2 MB; an import touches the indexes of millions of rows.
SQLITE_IMPORT_CACHE_KIB = 65_536


def run_import(
    settings: Settings, request: ImportRequest, *, clock: Clock, progress: ProgressReport | None = None
) -> Summary:
    """Import an export into the configured database; a bar on standard error when it is a terminal."""
    pending = pending_revision(settings.database_url)
    if pending is not None:
        raise ConfigError(
            f"DATABASE_URL has no up-to-date Handoff schema (missing {pending}): run `handoff migrate` first."
        )
    engine = build_engine(settings.database_url, pool_size=2)
    if engine.dialect.name == "sqlite":
        _larger_cache(engine)
    try:
        factory = build_session_factory(engine)

        def run(report: ProgressReport) -> Summary:
            return import_export(
                session_factory=factory,
                settings=settings,
                request=request,
                now=clock.now(),
                progress=report,
                # Handoff's SQLite never checkpoints inside a commit; without this the log would
                # grow by the whole export before the tick folds it back.
                after_channel=lambda: checkpoint(engine),
            )

        console = Console(file=sys.stderr)
        if progress is not None or not console.is_terminal:
            return run(progress or Silent())
        with ProgressBar(console) as bar:
            return run(bar)
    finally:
        engine.dispose()


def _larger_cache(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA cache_size=-{SQLITE_IMPORT_CACHE_KIB}")
        cursor.close()
