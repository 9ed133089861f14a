"""`handoff demo`: build the simulated workspace in a fresh SQLite file, play the night, collect the catch-ups."""

from __future__ import annotations

import sqlite3
from collections import Counter
from contextlib import closing
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from pydantic_settings import BaseSettings, PydanticBaseSettingsSource
from sqlalchemy.exc import OperationalError

from bot.app import create_app
from bot.clock import FixedClock
from bot.migrate import upgrade
from bot.runtime import build_deps
from bot.settings import Settings
from demo.desk import OFFLINE_BASE_URL, Desk, DeskClients, Posted
from demo.night import LAST_MORNING_BY, NIGHT
from demo.player import NightLine, Player
from demo.world import CHANNELS, PEOPLE, TEAM_ID, Person
from digest.delivery import METADATA_TYPE
from store import decisions as decision_store
from store.decisions import SUPERSEDED

# SQLite's companions of a database file in WAL mode.
SIDECARS = ("-wal", "-shm", "-journal")
# Handoff's own lock files beside a SQLite database (bot.sqlite_writer): only held while a process runs.
LOCK_FILES = (".writer-lock", ".ack-gate")


class DemoError(Exception):
    """The demo cannot run; the message says what to do."""


class DemoSettings(Settings):
    """Settings from the arguments alone: no environment, no `.env`, so no real Slack or model is ever used."""

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings,)


@dataclass(frozen=True)
class CatchUpShown:
    """One person's catch-up as it reached them."""

    person: Person
    message: Posted


@dataclass(frozen=True)
class DemoResult:
    """What the demo did and what everyone received."""

    database: Path
    narration: tuple[NightLine, ...]
    catchups: tuple[CatchUpShown, ...]
    counts: Counter[str]
    decisions: int
    superseded: int
    # Senders told, privately, that someone they mentioned was off.
    mentions_noted: int
    slack_calls: int
    # Everything Handoff posted, oldest first (the pictures in docs/ are drawn from it).
    posted: tuple[Posted, ...] = ()


def demo_settings(database_url: str) -> Settings:
    """Handoff's settings for the demo: its database, a placeholder token, and a Slack URL never dialled."""
    values: dict[str, Any] = {
        "DATABASE_URL": database_url,
        "SLACK_BOT_TOKEN": "xoxb-demo",
        "SLACK_SIGNING_SECRET": "demo",
        "SLACK_API_URL": OFFLINE_BASE_URL,
    }
    return DemoSettings(**values)


def fresh_database(path: Path) -> str:
    """Remove the previous demo's database at `path` (refusing any other file) and return its URL."""
    if path.exists() and not _is_demo_database(path):
        raise DemoError(f"{path} exists and is not a demo database; pass another file with --database.")
    for candidate in (path, *(path.with_name(path.name + suffix) for suffix in SIDECARS)):
        candidate.unlink(missing_ok=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{path}"


def _is_demo_database(path: Path) -> bool:
    """Whether `path` is safe to replace: empty, or a Handoff database holding no workspace but the demo's."""
    if not path.is_file():
        return False
    if path.stat().st_size == 0:
        return True
    try:
        with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as connection:
            tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            if not tables:
                return True
            if "alembic_version" not in tables:
                return False
            if "teams" not in tables:
                return True
            teams = {row[0] for row in connection.execute("SELECT team_id FROM teams")}
    except sqlite3.DatabaseError:
        return False
    return teams <= {TEAM_ID}


def run_demo(database: Path) -> DemoResult:
    """Play the night into a fresh database at `database` and return the catch-ups it made."""
    try:
        url = fresh_database(database)
        upgrade(url)
    except (OSError, OperationalError) as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        raise DemoError(
            f"cannot create the demo database at {database} ({reason}); pass another file with --database."
        ) from None
    clock = FixedClock(NIGHT[0].at)
    desk = Desk(clock=clock, people=PEOPLE, channels=CHANNELS)
    # The real wiring, with Slack swapped for the local desk.
    deps = replace(build_deps(demo_settings(url), clock=clock, worker_id="demo"), slack=DeskClients(desk))
    handoff = create_app(deps)
    try:
        player = Player(deps=deps, processors=handoff.processors, writer=handoff.inbox_writer, desk=desk, clock=clock)
        for beat in NIGHT:
            player.play(beat)
        player.mornings(until=LAST_MORNING_BY)
        decisions, superseded = _decision_counts(player)
    finally:
        handoff.close()
        deps.engine.dispose()
        # The demo leaves its database behind, nothing else.
        for suffix in LOCK_FILES:
            database.with_name(database.name + suffix).unlink(missing_ok=True)
    shown = [
        CatchUpShown(person, message)
        for person in PEOPLE
        for message in desk.dms_to(person.user_id)
        if (message.metadata or {}).get("event_type") == METADATA_TYPE
    ]
    return DemoResult(
        database=database,
        narration=tuple(player.narration),
        catchups=tuple(sorted(shown, key=lambda c: c.message.ts)),
        counts=player.counts,
        decisions=decisions,
        superseded=superseded,
        mentions_noted=len(desk.ephemeral),
        slack_calls=len(desk.calls),
        posted=tuple(desk.posted),
    )


def _decision_counts(player: Player) -> tuple[int, int]:
    with player.deps.read_session_factory() as session:
        filed = [
            decision_store.for_message(session=session, team_id=TEAM_ID, channel_id=channel_id, ts=ts)
            for channel_id, ts in player.messages.values()
        ]
    decisions = [d for d in filed if d is not None]
    return len(decisions), sum(1 for d in decisions if d.status == SUPERSEDED)
