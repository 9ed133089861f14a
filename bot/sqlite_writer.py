"""A writer queue for SQLite shared by every thread and process on one database file.

SQLite allows one writer at a time. When a second one arrives, its busy handler sleeps and
retries (1, 2, 5, 10 … ms), so under load an acknowledgement can wait many milliseconds for a
lock that was free long before. Instead, every write transaction first takes an exclusive
`flock` on a file beside the database: waiters queue in the kernel and wake the moment the lock
is released, and SQLite's own lock is then always free.

Acknowledgements come first. The inbox writer marks its connection `urgent`: while it waits for
or holds the writer lock it also holds a shared lock on a second file, the gate. Every other
writer checks the gate before queueing and, while an acknowledgement is pending, steps back for
a moment (at most MAX_YIELD in all), so background work never sits between Slack and its ack.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

_held = threading.local()

YIELD_STEP_SECONDS = 0.0005
MAX_YIELD_SECONDS = 0.05


class NestedWriteError(RuntimeError):
    """A thread opened a second write transaction while holding one: it would wait on itself."""


class WriterQueueConnection(sqlite3.Connection):
    """A sqlite3 connection whose write transactions go through the database's writer queue."""

    lock_path: str | None = None
    gate_path: str | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._lock_fd: int | None = None
        self._gate_fd: int | None = None
        self._locked = False
        # Set on the inbox writer's connection: acknowledgements go first.
        self.urgent = False

    def begin_write(self) -> None:
        """Queue for the writer lock, then BEGIN IMMEDIATE (which now never waits)."""
        self._lock()
        try:
            self.execute("BEGIN IMMEDIATE")
        except BaseException:
            self._unlock()
            raise

    @contextmanager
    def writer_lock(self) -> Iterator[None]:
        """Hold the writer lock outside a transaction: a checkpoint that blocks writers queues like one."""
        self._lock()
        try:
            yield
        finally:
            self._unlock()

    def _lock(self) -> None:
        if self.lock_path is not None and self.gate_path is not None:
            held: set[str] = getattr(_held, "paths", set())
            if self.lock_path in held:
                raise NestedWriteError(f"nested write transaction on {self.lock_path}")
            if self._lock_fd is None:
                self._lock_fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o600)
                self._gate_fd = os.open(self.gate_path, os.O_RDWR | os.O_CREAT, 0o600)
            assert self._gate_fd is not None
            if self.urgent:
                fcntl.flock(self._gate_fd, fcntl.LOCK_SH)
            else:
                self._yield_to_acknowledgements(self._gate_fd)
            fcntl.flock(self._lock_fd, fcntl.LOCK_EX)
            self._locked = True
            held.add(self.lock_path)
            _held.paths = held

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self._unlock()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self._unlock()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._unlock()
            for fd in (self._lock_fd, self._gate_fd):
                if fd is not None:
                    os.close(fd)
            self._lock_fd = self._gate_fd = None

    @staticmethod
    def _yield_to_acknowledgements(gate_fd: int) -> None:
        deadline = time.monotonic() + MAX_YIELD_SECONDS
        while True:
            try:
                # Free exclusively only when no acknowledgement holds it shared.
                fcntl.flock(gate_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    return
                time.sleep(YIELD_STEP_SECONDS)
                continue
            fcntl.flock(gate_fd, fcntl.LOCK_UN)
            return

    def _unlock(self) -> None:
        if self._locked and self._lock_fd is not None:
            fcntl.flock(self._lock_fd, fcntl.LOCK_UN)
            if self.urgent and self._gate_fd is not None:
                fcntl.flock(self._gate_fd, fcntl.LOCK_UN)
            self._locked = False
            getattr(_held, "paths", set()).discard(self.lock_path)


def connection_class(database_path: str | None) -> type[WriterQueueConnection]:
    """A connection class bound to the lock file of `database_path` (None: in-memory, no queue)."""
    if not database_path:
        return WriterQueueConnection
    attributes = {"lock_path": f"{database_path}.writer-lock", "gate_path": f"{database_path}.ack-gate"}
    return type("WriterQueueConnectionFor", (WriterQueueConnection,), attributes)
