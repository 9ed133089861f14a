"""The SQLite write-ahead log stays bounded under writes that never pause."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from bot.checkpointer import run_once
from bot.db import build_engine, checkpoint, read_only, wal_size

LIMIT = 256 * 1024


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    # SQLite only: PostgreSQL recycles its own WAL, and the checkpointer is SQLite's.
    engine = build_engine(f"sqlite:///{tmp_path / 'wal.db'}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE scratch (id INTEGER PRIMARY KEY, x TEXT)"))
    yield engine
    engine.dispose()


def _write(engine: Engine, rows: int) -> None:
    for n in range(rows):
        with engine.begin() as connection:
            connection.execute(text("INSERT INTO scratch (x) VALUES (:x)"), {"x": f"{n}" * 400})


def test_passive_checkpoints_alone_let_the_log_grow_under_continuous_writes(engine: Engine) -> None:
    # A reader's snapshot open across the writes, as a long read would: PASSIVE copies what it
    # can, but the log can only start again from the top once nobody reads from it.
    with read_only(engine).connect() as reader:
        reader.exec_driver_sql("SELECT count(*) FROM scratch").all()
        for _ in range(5):
            _write(engine, 100)
            checkpoint(engine)
    assert (wal_size(engine) or 0) > LIMIT


def test_the_checkpointer_truncates_a_log_past_its_limit(engine: Engine) -> None:
    with read_only(engine).connect() as reader:
        reader.exec_driver_sql("SELECT count(*) FROM scratch").all()
        _write(engine, 500)
    assert (wal_size(engine) or 0) > LIMIT
    assert run_once(engine, truncate_above=LIMIT) == 0


def test_the_log_stays_under_its_bound_while_a_writer_never_stops(engine: Engine) -> None:
    stop = threading.Event()

    def writer() -> None:
        while not stop.is_set():
            _write(engine, 10)

    thread = threading.Thread(target=writer)
    thread.start()
    sizes = []
    try:
        for _ in range(30):
            _write(engine, 20)
            sizes.append(run_once(engine, truncate_above=LIMIT) or 0)
    finally:
        stop.set()
        thread.join()
    # After each round the log is at most the limit: the writer's frames since the check, no more.
    assert max(sizes) <= LIMIT
