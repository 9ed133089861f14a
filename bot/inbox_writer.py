"""Group commit for the inbox: concurrent acknowledgements share one transaction.

Each acknowledgement must wait until its event is committed. If every request thread committed
on its own, they would queue one by one for the database's single writer (SQLite) or pay one WAL
flush each (PostgreSQL). Instead a request adds its delivery to a queue and then competes to be
the *leader*: the leader takes everything queued so far, stores it with one statement and one
commit, and answers every request in the batch. A request whose delivery was stored while it
waited returns at once. Alone, a request is its own leader and pays nothing extra; sixteen at
once pay about one commit instead of sixteen.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, PoolProxiedConnection

from bot.clock import Clock
from store.inbox import Delivery, fast_insert

logger = logging.getLogger(__name__)


@dataclass
class _Pending:
    delivery: Delivery
    done: bool = False
    new: bool = False
    error: Exception | None = None


class InboxUnavailable(Exception):
    """The database did not take the deliveries: the requests must fail so that Slack retries."""


class InboxWriter:
    """Stores deliveries for request threads, batching whatever arrives together.

    The leader writes through one DB-API connection kept for the purpose (`FastInsert`), so a
    batch costs an INSERT per delivery and one commit, and nothing else.
    """

    def __init__(self, *, engine: Engine, clock: Clock, notify: Callable[[], None] = lambda: None) -> None:
        self._engine = engine
        self._clock = clock
        self._notify = notify
        self._queue_lock = threading.Lock()
        self._queue: list[_Pending] = []
        self._leader = threading.Lock()
        self._insert = fast_insert(engine.dialect)
        self._connection: PoolProxiedConnection | None = None

    def record(self, delivery: Delivery) -> bool:
        """Store one delivery and return True when it is new (False: a redelivery). Raises on failure."""
        pending = _Pending(delivery)
        with self._queue_lock:
            self._queue.append(pending)
        while not pending.done:
            with self._leader:
                if pending.done:
                    break
                with self._queue_lock:
                    batch, self._queue = self._queue, []
                self._store(batch)
        if pending.error is not None:
            raise pending.error
        return pending.new

    def close(self) -> None:
        """Give the writer's connection back to the pool."""
        with self._leader:
            if self._connection is not None:
                self._connection.close()
                self._connection = None

    def _insert_batch(self, deliveries: list[Delivery]) -> list[bool]:
        if self._connection is None:
            self._connection = self._engine.raw_connection()
            if self._engine.dialect.name == "sqlite":
                sqlite_connection: Any = self._connection.dbapi_connection
                # Acknowledgements first (see bot.sqlite_writer).
                sqlite_connection.urgent = True
        dbapi = self._connection.dbapi_connection
        try:
            # SQLite: queue for the writer lock and BEGIN IMMEDIATE (see bot.sqlite_writer);
            # psycopg opens its transaction with the first statement by itself.
            begin_write = getattr(dbapi, "begin_write", None)
            if begin_write is not None:
                begin_write()
            results = self._insert.run(dbapi, deliveries, self._clock.now())
            dbapi.commit()  # type: ignore[union-attr]
        except Exception as exc:
            # Whatever state the connection is in, it is not trusted again.
            self._connection.invalidate()
            self._connection = None
            raise InboxUnavailable(str(exc)) from exc
        return results

    def _store(self, batch: list[_Pending]) -> None:
        try:
            results = self._insert_batch([p.delivery for p in batch])
        except Exception as exc:
            # Every request of the batch answers 503 and Slack delivers again later: nothing is lost.
            logger.exception("could not store %d event(s)", len(batch))
            for pending in batch:
                pending.error, pending.done = exc, True
            return
        for pending, new in zip(batch, results, strict=True):
            pending.new, pending.done = new, True
        if any(results):
            self._notify()
