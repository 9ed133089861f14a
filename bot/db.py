"""The database engine and session factory, built once per process."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from bot.sqlite_writer import connection_class

SQLITE_BUSY_TIMEOUT_MS = 10_000
# After a checkpoint has folded the whole log back, the next writer starts it again from the top
# and SQLite cuts the file down to this size: a burst's log does not keep its disk space.
WAL_SIZE_LIMIT_BYTES = 16 * 1024 * 1024
READ_ONLY_OPTION = "handoff_read_only"


def build_engine(url: str, *, pool_size: int = 10, replayable: bool = False) -> Engine:
    """Create the engine for `url`: SQLite in WAL mode with a busy timeout, or PostgreSQL via psycopg 3.

    `replayable`: every write through this engine can be done again from what is durable already
    (the event worker's: it applies inbox rows that were committed before their acknowledgement).
    On PostgreSQL its commits then do not wait for the WAL flush (`synchronous_commit=off`):
    the database stays consistent, and a server crash loses at most the last fraction of a
    second of them, which the inbox replays. A flush per event was what held the worker to
    about 100 events/s on a busy disk.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        path = parsed.database if parsed.database not in (None, "", ":memory:") else None
        engine = create_engine(
            url,
            connect_args={
                "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000,
                "check_same_thread": False,
                "factory": connection_class(os.path.abspath(path) if path else None),
            },
            pool_size=pool_size,
            max_overflow=10,
        )
        _configure_sqlite(engine)
        return engine
    options = {"options": "-c synchronous_commit=off"} if replayable else {}
    return create_engine(url, pool_size=pool_size, max_overflow=10, pool_pre_ping=True, connect_args=options)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take over transaction control from the sqlite3 module so that BEGIN IMMEDIATE below
        # is what opens every transaction.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        # NORMAL is durable against process crashes in WAL mode (fsync at checkpoint only).
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        # An automatic checkpoint runs inside the COMMIT that crosses the threshold, so it would
        # hold the writer lock while it copies pages and fsyncs. `checkpoint` runs it outside.
        cursor.execute("PRAGMA wal_autocheckpoint=0")
        cursor.execute(f"PRAGMA journal_size_limit={WAL_SIZE_LIMIT_BYTES}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        if connection.get_execution_options().get(READ_ONLY_OPTION):
            # A snapshot for reading; WAL readers never wait for writers.
            connection.exec_driver_sql("BEGIN")
            return
        # A deferred transaction that reads and then writes fails with SQLITE_BUSY when another
        # writer got in between, and busy_timeout cannot help it. So every other transaction is a
        # writer from its first statement, queued through the writer lock (see bot.sqlite_writer).
        connection.connection.dbapi_connection.begin_write()


@contextmanager
def urgent_write(engine: Engine) -> Iterator[Session]:
    """A unit of work on an acknowledgement's path: on SQLite it queues ahead of background writers."""
    with engine.connect() as connection:
        dbapi_connection = connection.connection.dbapi_connection
        flagged = hasattr(dbapi_connection, "urgent")
        if flagged:
            dbapi_connection.urgent = True  # type: ignore[union-attr]
        try:
            with connection.begin(), Session(bind=connection) as session:
                yield session
        finally:
            if flagged:
                dbapi_connection.urgent = False  # type: ignore[union-attr]


def build_session_factory(engine: Engine) -> sessionmaker[Session]:
    """The session factory for units of work (`with factory.begin() as session:`)."""
    return sessionmaker(engine, expire_on_commit=False)


def read_only(engine: Engine) -> Engine:
    """The engine for reads only: on SQLite its transactions take a snapshot and never queue behind writers."""
    return engine.execution_options(**{READ_ONLY_OPTION: True})


def build_read_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions that only read: on SQLite they take a snapshot and never queue behind writers."""
    return sessionmaker(read_only(engine), expire_on_commit=False)


def checkpoint(engine: Engine) -> None:
    """Fold SQLite's write-ahead log back into the database without holding up writers.

    PASSIVE copies what it can without waiting for readers or writers; `bot.checkpointer` runs it
    every few seconds, the event worker after each few thousand events and the tick every minute.
    """
    if engine.dialect.name != "sqlite":
        return
    with engine.execution_options(**{READ_ONLY_OPTION: True}).connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")


def sqlite_path(engine: Engine) -> str | None:
    """The database file of a SQLite engine (None for PostgreSQL or an in-memory database)."""
    if engine.dialect.name != "sqlite" or engine.url.database in (None, "", ":memory:"):
        return None
    return os.path.abspath(str(engine.url.database))


def wal_size(engine: Engine) -> int | None:
    """Bytes in SQLite's write-ahead log beside the database (0 when there is none); None off SQLite."""
    path = sqlite_path(engine)
    if path is None:
        return None
    try:
        return os.path.getsize(f"{path}-wal")
    except FileNotFoundError:
        return 0


def ping(engine: Engine) -> bool:
    """True when the database answers a trivial query."""
    try:
        with engine.execution_options(**{READ_ONLY_OPTION: True}).connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError:
        return False
    return True
