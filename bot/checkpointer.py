"""The SQLite checkpointer: a thread of `handoff serve` that keeps the write-ahead log small.

Every commit appends to the log; only a checkpoint copies the pages back into the database and
lets the log start again from the top. Left to the tick, checkpoints stop whenever the tick is
busy, and under sustained traffic the log grew by a gigabyte a minute. So checkpoints run on
their own clock, every second. A PASSIVE checkpoint never waits for readers or writers, but
under continuous writes it never catches up with the end of the log either, and the log only
starts again from the top once it has. So when the log has grown past a limit, a TRUNCATE
checkpoint follows, taken in the writer queue like any writer: the PASSIVE one has copied most
pages already, so acknowledgements wait for it briefly, and the log stays bounded.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from sqlalchemy import Engine

from bot.db import SQLITE_BUSY_TIMEOUT_MS, checkpoint, sqlite_path, wal_size

logger = logging.getLogger(__name__)

INTERVAL_SECONDS = 1.0
# Past this size, fold the log back and truncate it, even if writers have to wait a moment. At
# 400 events/s the log grows by about 15 MB/s, so it stays under about twice this.
TRUNCATE_ABOVE_BYTES = 16 * 1024 * 1024
# A TRUNCATE waits for readers on the log while writers queue behind it: it gives up after this
# long and tries again next round, so an acknowledgement never waits longer than that for it.
TRUNCATE_BUSY_MS = 200


class Checkpointer:
    """Runs checkpoints every INTERVAL_SECONDS on its own thread until stopped; does nothing off SQLite."""

    def __init__(self, engine: Engine, *, interval: float = INTERVAL_SECONDS) -> None:
        self._engine = engine
        self._interval = interval
        self._stopped = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start the thread (SQLite only)."""
        if sqlite_path(self._engine) is None:
            return
        self._thread = threading.Thread(target=self._run, name="handoff-checkpointer", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the thread after its current checkpoint."""
        self._stopped.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stopped.wait(self._interval):
            try:
                run_once(self._engine)
            except Exception:
                # A locked or busy database now is not a reason to stop checkpointing later.
                logger.exception("checkpoint failed")


def run_once(engine: Engine, *, truncate_above: int = TRUNCATE_ABOVE_BYTES) -> int | None:
    """One round: PASSIVE, then TRUNCATE if the log is still above `truncate_above`; returns the log's size after."""
    checkpoint(engine)
    size = wal_size(engine)
    if size is None or size <= truncate_above:
        return size
    truncate(engine)
    after = wal_size(engine)
    logger.info("write-ahead log was %.0f MB: truncated to %.0f MB", size / 1_048_576, (after or 0) / 1_048_576)
    return after


def truncate(engine: Engine) -> None:
    """Copy the whole log back and truncate it to nothing, holding the writer lock while it does."""
    raw = engine.raw_connection()
    try:
        connection: Any = raw.dbapi_connection
        connection.execute(f"PRAGMA busy_timeout={TRUNCATE_BUSY_MS}")
        try:
            with connection.writer_lock():
                connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
        finally:
            connection.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    finally:
        raw.close()
