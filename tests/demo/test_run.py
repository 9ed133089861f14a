"""The demo's database: made afresh each run, and never at the cost of a file that is not the demo's."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from demo.run import DemoError, demo_settings, fresh_database
from demo.world import TEAM_ID


def _handoff_database(path: Path, *team_ids: str) -> None:
    with closing(sqlite3.connect(path)) as connection:
        connection.execute("CREATE TABLE alembic_version (version_num TEXT)")
        connection.execute("CREATE TABLE teams (team_id TEXT PRIMARY KEY)")
        connection.executemany("INSERT INTO teams VALUES (?)", [(team_id,) for team_id in team_ids])
        connection.commit()


def test_an_earlier_demo_database_and_its_sidecars_are_removed(tmp_path: Path) -> None:
    database = tmp_path / "handoff-demo.db"
    _handoff_database(database, TEAM_ID)
    (tmp_path / "handoff-demo.db-wal").write_bytes(b"wal")
    assert fresh_database(database) == f"sqlite:///{database}"
    assert list(tmp_path.iterdir()) == []


def test_a_missing_directory_is_made(tmp_path: Path) -> None:
    database = tmp_path / "deeper" / "demo.db"
    fresh_database(database)
    assert database.parent.is_dir() and not database.exists()


@pytest.mark.parametrize("kind", ["real workspace", "other file", "directory"])
def test_anything_else_is_refused_and_kept(tmp_path: Path, kind: str) -> None:
    database = tmp_path / "handoff.db"
    if kind == "real workspace":
        _handoff_database(database, "T0REAL", TEAM_ID)
    elif kind == "other file":
        database.write_text("my notes", encoding="utf-8")
    else:
        database.mkdir()
    with pytest.raises(DemoError, match="is not a demo database"):
        fresh_database(database)
    assert database.exists()


def test_the_settings_ignore_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-real")
    monkeypatch.setenv("HANDOFF_LLM_MODEL", "gpt-4o-mini")
    monkeypatch.setenv("SLACK_API_URL", "https://slack.com/api/")
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("HANDOFF_TRAFFIC_RETENTION_DAYS=never\n", encoding="utf-8")
    settings = demo_settings("sqlite:///demo.db")
    assert not settings.llm_enabled
    assert settings.slack_api_url.endswith(".invalid/api/")
    assert settings.database_url == "sqlite:///demo.db"
