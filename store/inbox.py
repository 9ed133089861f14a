"""The event inbox: every acknowledged Events API delivery, so none is lost or handled twice."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any, cast

from sqlalchemy import Connection, Dialect, Row, Table, bindparam, delete, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from store import claims
from store.models import InboxEvent

# How long a worker owns the events it claimed before another may take them over.
PROCESSING_LEASE = timedelta(minutes=2)
# An event still unprocessed this long after it arrived, and never claimed, was left by the
# event worker (dead, or far behind): the tick may take it. Fresher ones are the worker's.
ABANDONED_AFTER = timedelta(minutes=3)


@dataclass(frozen=True)
class Delivery:
    """One Events API delivery to store."""

    event_id: str
    team_id: str | None
    event_type: str
    body: str


class FastInsert:
    """The inbox INSERT for one dialect, compiled once and run on a bare DB-API connection.

    Storing a delivery sits on the acknowledgement's path, where SQLAlchemy's per-execution
    work (pool checkout, execution context, result wrapping) costs several times the INSERT
    itself. SQLAlchemy still writes the SQL and converts the values (its own bind processors),
    so the row is exactly what the ORM would have written.
    """

    COLUMNS = ("event_id", "team_id", "event_type", "body", "received_at", "due_at", "attempts")

    def __init__(self, dialect: Dialect) -> None:
        table = cast(Table, InboxEvent.__table__)
        insert = pg_insert if dialect.name == "postgresql" else sqlite_insert
        statement = (
            insert(table)
            .values({name: bindparam(name) for name in self.COLUMNS})
            .on_conflict_do_nothing(index_elements=["event_id"])
            .returning(table.c.event_id)
        )
        compiled = statement.compile(dialect=dialect)
        self.sql = compiled.string
        self.positions = tuple(compiled.positiontup) if compiled.positional and compiled.positiontup else None
        self.processors = {name: table.c[name].type.bind_processor(dialect) for name in self.COLUMNS}

    def _params(self, values: dict[str, Any]) -> Any:
        converted = {
            name: processor(value) if (processor := self.processors[name]) is not None else value
            for name, value in values.items()
        }
        return tuple(converted[name] for name in self.positions) if self.positions else converted

    def run(self, dbapi_connection: Any, deliveries: Sequence[Delivery], now: datetime) -> list[bool]:
        """Insert inside the caller's transaction; for each delivery, True when new (see record_events)."""
        first_seen: dict[str, int] = {}
        for index, delivery in enumerate(deliveries):
            first_seen.setdefault(delivery.event_id, index)
        inserted: set[str] = set()
        cursor = dbapi_connection.cursor()
        try:
            for index, delivery in enumerate(deliveries):
                if first_seen[delivery.event_id] != index:
                    continue
                values = {
                    "event_id": delivery.event_id,
                    "team_id": delivery.team_id,
                    "event_type": delivery.event_type,
                    "body": delivery.body,
                    "received_at": now,
                    "due_at": now,
                    "attempts": 0,
                }
                cursor.execute(self.sql, self._params(values))
                if cursor.fetchone() is not None:
                    inserted.add(delivery.event_id)
        finally:
            cursor.close()
        return [
            first_seen[delivery.event_id] == index and delivery.event_id in inserted
            for index, delivery in enumerate(deliveries)
        ]


@cache
def fast_insert(dialect: Dialect) -> FastInsert:
    """The compiled inbox INSERT for a dialect."""
    return FastInsert(dialect)


def record_events(*, connection: Connection, deliveries: Sequence[Delivery], now: datetime) -> list[bool]:
    """Store deliveries, due for processing at once, in the connection's transaction.

    For each delivery, True when new, False for a redelivery: its event_id is stored already, or
    appears earlier in the same batch.
    """
    return fast_insert(connection.dialect).run(connection.connection.dbapi_connection, deliveries, now)


def finish(*, session: Session, row_id: int, owner: str, now: datetime) -> bool:
    """Mark the event processed; False when another worker owns or finished it (then roll back)."""
    return claims.complete(session=session, model=InboxEvent, row_id=row_id, owner=owner, now=now)


def claim_unprocessed(*, session: Session, now: datetime, owner: str, limit: int) -> list[Row[Any]]:
    """Lease due, unprocessed events to `owner`: new ones, retries whose time came, and abandoned ones."""
    return claims.claim_due(
        session=session, model=InboxEvent, now=now, owner=owner, lease=PROCESSING_LEASE, limit=limit
    )


def claim_abandoned(*, session: Session, now: datetime, owner: str, limit: int) -> list[Row[Any]]:
    """Lease due events the event worker left behind: received long ago, claimed by a worker whose lease ran
    out, or failed and due for their retry (any worker may retry them; they are few, and backed off)."""
    table = cast(Table, InboxEvent.__table__)
    abandoned = or_(
        table.c.received_at <= now - ABANDONED_AFTER,
        table.c.lease_until.is_not(None),
        table.c.last_error.is_not(None),
    )
    return claims.claim_due(
        session=session,
        model=InboxEvent,
        now=now,
        owner=owner,
        lease=PROCESSING_LEASE,
        limit=limit,
        where=(abandoned,),
    )


def release_unstarted(*, session: Session, row_ids: Sequence[int], owner: str) -> int:
    """Give back claimed events this worker will not start (it is stopping): free at once, no attempt counted."""
    if not row_ids:
        return 0
    table = cast(Table, InboxEvent.__table__)
    result = session.connection().execute(
        update(table)
        .where(table.c.id.in_(list(row_ids)), table.c.lease_owner == owner, table.c.done_at.is_(None))
        .values(lease_owner=None, lease_until=None, attempts=table.c.attempts - 1)
    )
    return int(result.rowcount)


def backlog(*, session: Session) -> tuple[int, datetime | None]:
    """How many events wait for processing, and when the oldest of them arrived."""
    row = session.execute(
        select(func.count(), func.min(InboxEvent.received_at)).where(InboxEvent.done_at.is_(None))
    ).one()
    return int(row[0]), row[1]


def prune_processed(*, session: Session, before: datetime) -> int:
    """Forget processed events received before `before` (their ids only dedupe Slack's retries)."""
    result = session.execute(delete(InboxEvent).where(InboxEvent.done_at.is_not(None), InboxEvent.received_at < before))
    return int(result.rowcount)  # type: ignore[attr-defined]
