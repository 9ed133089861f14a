"""The SQLite writer queue: one writer at a time across connections, and no silent self-deadlock."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.db import build_engine, build_read_session_factory, build_session_factory
from bot.sqlite_writer import NestedWriteError


def test_a_nested_write_transaction_in_one_thread_fails_fast_instead_of_hanging(tmp_path: Path) -> None:
    engine = build_engine(f"sqlite:///{tmp_path / 'w.db'}")
    factory = build_session_factory(engine)
    with factory.begin() as outer:
        outer.execute(text("CREATE TABLE t (x INTEGER)"))
        with pytest.raises(NestedWriteError), factory.begin() as inner:
            inner.execute(text("INSERT INTO t VALUES (1)"))
    engine.dispose()


def test_reads_do_not_wait_for_a_writer(tmp_path: Path) -> None:
    engine = build_engine(f"sqlite:///{tmp_path / 'w.db'}")
    writes, reads = build_session_factory(engine), build_read_session_factory(engine)
    with writes.begin() as session:
        session.execute(text("CREATE TABLE t (x INTEGER)"))
        session.execute(text("INSERT INTO t VALUES (1)"))
    seen: list[int] = []
    with writes.begin() as writer:
        writer.execute(text("INSERT INTO t VALUES (2)"))
        # Another thread reads the last committed state while this write is open.
        reader = threading.Thread(
            target=lambda: seen.append(reads().execute(text("SELECT count(*) FROM t")).scalar_one())
        )
        reader.start()
        reader.join(timeout=10)
    assert seen == [1]
    engine.dispose()


def test_concurrent_writers_from_many_threads_all_commit(tmp_path: Path) -> None:
    engine = build_engine(f"sqlite:///{tmp_path / 'w.db'}", pool_size=8)
    factory = build_session_factory(engine)
    with factory.begin() as session:
        session.execute(text("CREATE TABLE t (x INTEGER)"))

    def write(base: int) -> None:
        for offset in range(50):
            with factory.begin() as session:
                count = session.execute(text("SELECT count(*) FROM t")).scalar_one()
                # Read then write in one transaction: the pattern that fails with SQLITE_BUSY when
                # transactions start deferred.
                session.execute(text("INSERT INTO t VALUES (:x)"), {"x": base + offset + count})

    threads = [threading.Thread(target=write, args=(i * 100,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with factory() as session:
        assert session.execute(text("SELECT count(*) FROM t")).scalar_one() == 400
    engine.dispose()
