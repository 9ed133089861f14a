"""`handoff status` under sustained traffic: a worker that falls behind, a tick task that overran, the WAL."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from bot.app import HandoffApp
from bot.clock import FixedClock
from bot.deps import Deps
from bot.service import status_once
from bot.status_view import show
from bot.tick import run_tick
from store import inbox
from store.inbox import Delivery
from store.status import read_status
from tests.conftest import START


def _shown(session_factory: sessionmaker[Session]) -> str:
    with session_factory() as session:
        status = read_status(session=session, now=START)
    out = io.StringIO()
    show(status, out)
    return out.getvalue()


def test_status_says_the_event_worker_is_behind_with_the_backlogs_age(session_factory: sessionmaker[Session]) -> None:
    with session_factory.begin() as session:
        inbox.record_events(
            connection=session.connection(),
            deliveries=[Delivery(f"Ev{n}", "T1", "message", "{}") for n in range(3)],
            now=START - timedelta(minutes=4),
        )
    shown = " ".join(_shown(session_factory).split())
    assert "The event worker is behind: 3 event(s) waiting, the oldest acknowledged 4m ago." in shown


def test_status_shows_a_backlog_of_moments_as_keeping_up(session_factory: sessionmaker[Session]) -> None:
    with session_factory.begin() as session:
        inbox.record_events(
            connection=session.connection(),
            deliveries=[Delivery("Ev1", "T1", "message", "{}")],
            now=START - timedelta(seconds=2),
        )
    shown = " ".join(_shown(session_factory).split())
    assert "Event backlog: 1 event(s), the oldest acknowledged 2s ago." in shown
    assert "behind" not in shown


def test_a_tick_task_over_its_budget_is_shown_by_status_with_its_name(
    deps: Deps, handoff: HandoffApp, session_factory: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Every task "takes longer" than its budget: a budget of nothing, not a slow task.
    monkeypatch.setattr("bot.tick.TASK_BUDGET_SECONDS", -1.0)
    report = run_tick(deps, handoff.processors)
    assert "deliver_pings" in report.overruns and "replay_inbox" in report.overruns
    shown = " ".join(_shown(session_factory).split())
    assert "deliver_pings overran" in shown
    assert "replay_inbox overran" in shown


def test_status_shows_the_sqlite_write_ahead_log(deps: Deps, database_url: str, clock: FixedClock) -> None:
    with deps.engine.begin() as connection:
        connection.execute(text("CREATE TABLE scratch (x TEXT)"))
        connection.execute(text("INSERT INTO scratch VALUES (:x)"), [{"x": "y" * 1000}] * 200)
    status = status_once(deps.settings, now=clock.now(), failures=0)
    if database_url.startswith("sqlite"):
        wal = Path(database_url.removeprefix("sqlite:///") + "-wal")
        assert status.wal_bytes == wal.stat().st_size > 0
        out = io.StringIO()
        show(status, out)
        assert "SQLite write-ahead log:" in out.getvalue()
    else:
        assert status.wal_bytes is None
