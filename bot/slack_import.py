"""`handoff import`: the wiring around `slack_export` (database, settings, clock, progress bar)."""

from __future__ import annotations

import sys

from rich.console import Console

from bot.clock import Clock
from bot.db import build_engine, build_session_factory
from bot.migrate import pending_revision
from bot.settings import ConfigError, Settings
from slack_export.importer import ImportRequest, import_export
from slack_export.progress import ProgressBar, Silent
from slack_export.summary import Summary


def run_import(settings: Settings, request: ImportRequest, *, clock: Clock) -> Summary:
    """Import an export into the configured database; a bar on standard error when it is a terminal."""
    pending = pending_revision(settings.database_url)
    if pending is not None:
        raise ConfigError(
            f"DATABASE_URL has no up-to-date Handoff schema (missing {pending}): run `handoff migrate` first."
        )
    engine = build_engine(settings.database_url, pool_size=2)
    try:
        factory = build_session_factory(engine)
        console = Console(file=sys.stderr)
        if not console.is_terminal:
            return import_export(
                session_factory=factory, settings=settings, request=request, now=clock.now(), progress=Silent()
            )
        with ProgressBar(console) as bar:
            return import_export(
                session_factory=factory, settings=settings, request=request, now=clock.now(), progress=bar
            )
    finally:
        engine.dispose()
