"""Claiming due rows so that several workers (threads, processes, replicas) do each item once.

A claimable row (see `ClaimColumns`) is *due* when `due_at <= now`, not done, and not under a
live lease. `claim_due` takes a batch of due rows for one owner by setting a lease in a single
UPDATE … RETURNING statement: on PostgreSQL the candidate rows are picked with
`FOR UPDATE SKIP LOCKED`, so concurrent claimers never wait on or take each other's rows; on
SQLite the statement runs in one writer transaction (`BEGIN IMMEDIATE`, see `bot.db`), which
serializes claimers. A worker that dies keeps its rows only until the lease expires; `complete`
and `release` check the owner, so a worker whose lease was taken over cannot record the outcome
of work it no longer owns. Work can outlive its lease (a slow model while composing), so just
before posting to Slack a worker calls `fence`: it posts only if it still holds a live lease,
which the same statement extends to cover the post and its recording.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from functools import cache
from typing import Any, TypeVar

from sqlalchemy import ARRAY, BigInteger, ColumnElement, Row, Table, any_, bindparam, or_, select, update
from sqlalchemy.orm import Session

from store.models import InboxEvent, Job
from store.upsert import table_of
from telemetry.instruments import instruments

Claimable = TypeVar("Claimable", InboxEvent, Job)

# What `fence` leaves a worker to post and record the outcome before another may take the row over.
POST_WINDOW = timedelta(minutes=5)


def claim_due(
    *,
    session: Session,
    model: type[Claimable],
    now: datetime,
    owner: str,
    lease: timedelta,
    limit: int,
    where: Sequence[ColumnElement[bool]] = (),
    columns: Sequence[ColumnElement[Any]] = (),
) -> list[Row[Any]]:
    """Lease up to `limit` due rows of `model` to `owner`, oldest due first, and return them.

    The rows come back as plain Core rows (every column by attribute, or `id`, `due_at` and
    `columns`), not ORM objects: this runs inside the writer's transaction, where building
    objects would only hold the lock longer.
    """
    table = table_of(model)
    candidates = (
        select(table.c.id)
        .where(
            table.c.done_at.is_(None),
            table.c.due_at <= now,
            or_(table.c.lease_until.is_(None), table.c.lease_until <= now),
            *where,
        )
        .order_by(table.c.due_at, table.c.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        candidates = candidates.with_for_update(skip_locked=True)
    statement = (
        update(table)
        .where(table.c.id.in_(candidates.scalar_subquery()))
        .values(lease_owner=owner, lease_until=now + lease, attempts=table.c.attempts + 1)
        .returning(*((table.c.id, table.c.due_at, *columns) if columns else table.c))
    )
    rows = list(session.connection().execute(statement))
    rows.sort(key=lambda row: (row.due_at, row.id))
    lateness = instruments().job_lateness_seconds
    for row in rows:
        kind = "event" if model is InboxEvent else str(getattr(row, "kind", "job"))
        lateness.labels(kind=kind).observe(max((now - row.due_at).total_seconds(), 0.0))
    return rows


def fence(
    *,
    session: Session,
    model: type[Claimable],
    row_id: int,
    owner: str,
    now: datetime,
    window: timedelta = POST_WINDOW,
) -> bool:
    """Before a post: True when `owner` still holds the row's unexpired lease, extended to `now + window`."""
    # One conditional statement, so no other worker can take the row over between the check and the renewal;
    # False (lapsed, or taken over) means the post must not happen.
    table = table_of(model)
    statement = (
        update(table)
        .where(
            table.c.id == row_id,
            table.c.lease_owner == owner,
            table.c.lease_until > now,
            table.c.done_at.is_(None),
        )
        .values(lease_until=now + window)
    )
    return bool(session.connection().execute(statement).rowcount)


def complete(*, session: Session, model: type[Claimable], row_id: int, owner: str, now: datetime) -> bool:
    """Mark a claimed row done; False when `owner` no longer holds it (its lease was taken over)."""
    return _owned_update(session, model, row_id, owner, done_at=now, lease_until=None, last_error=None)


def release(
    *,
    session: Session,
    model: type[Claimable],
    row_id: int,
    owner: str,
    retry_at: datetime,
    error: str,
    now: datetime,
    tried: bool = True,
) -> bool:
    """Give a claimed row back to be retried at `retry_at` (after a 429, say), recording why and when.

    `tried=False` gives back a row that was claimed but not tried (its workspace was told to wait,
    or cannot be reached): the claim does not count as an attempt.
    """
    values: dict[str, Any] = {
        "due_at": retry_at,
        "lease_owner": None,
        "lease_until": None,
        "last_error": error[:2000],
        "failed_at": now,
    }
    statement = _owned_update_statement(table_of(model), tuple(sorted(values)))
    if not tried:
        statement = statement.values(attempts=table_of(model).c.attempts - 1)
    params = {"row_id": row_id, "owner": owner, **{f"new_{name}": value for name, value in values.items()}}
    return bool(session.connection().execute(statement, params).rowcount)


def give_up(*, session: Session, model: type[Claimable], row_id: int, owner: str, now: datetime, error: str) -> bool:
    """Finish a row that cannot succeed (kept, with its error and when, for operators to see)."""
    return _owned_update(
        session, model, row_id, owner, done_at=now, lease_until=None, last_error=error[:2000], failed_at=now
    )


@cache
def _owned_update_statement(table: Table, columns: tuple[str, ...]) -> Any:
    # Built once per table and set of columns, on the Core table, and executed with parameters:
    # recording an outcome is on every event's path.
    return (
        update(table)
        .where(
            table.c.id == bindparam("row_id"),
            table.c.lease_owner == bindparam("owner"),
            table.c.done_at.is_(None),
        )
        .values({name: bindparam(f"new_{name}") for name in columns})
    )


def _owned_update(session: Session, model: type[Claimable], row_id: int, owner: str, **values: Any) -> bool:
    statement = _owned_update_statement(table_of(model), tuple(sorted(values)))
    params = {"row_id": row_id, "owner": owner, **{f"new_{name}": value for name, value in values.items()}}
    result = session.connection().execute(statement, params)
    return bool(result.rowcount)


def complete_many(
    *, session: Session, model: type[Claimable], row_ids: Sequence[int], owner: str, now: datetime
) -> list[int]:
    """Mark claimed rows done in one statement; returns the ids `owner` still held (the others were taken over)."""
    if not row_ids:
        return []
    statement = _complete_many_statement(table_of(model), session.get_bind().dialect.name)
    result = session.connection().execute(statement, {"row_ids": list(row_ids), "owner": owner, "now": now})
    return [int(row_id) for row_id in result.scalars()]


@cache
def _complete_many_statement(table: Table, dialect: str) -> Any:
    return (
        update(table)
        .where(
            among(table.c.id, "row_ids", dialect),
            table.c.lease_owner == bindparam("owner"),
            table.c.done_at.is_(None),
        )
        .values(done_at=bindparam("now"), lease_until=None, last_error=None)
        .returning(table.c.id)
    )


def among(column: ColumnElement[int], name: str, dialect: str) -> ColumnElement[bool]:
    """`column` is one of the ids in the list parameter `name` (a batch's rows, say).

    PostgreSQL gets the list as one array parameter: as an IN list, every id would be a parameter
    of its own, rendered and parsed again on each execution (the statement is too long for
    psycopg's cache), which costs more than the query for a batch of hundreds.
    """
    if dialect == "postgresql":
        return column == any_(bindparam(name, type_=ARRAY(BigInteger)))
    return column.in_(bindparam(name, expanding=True))
