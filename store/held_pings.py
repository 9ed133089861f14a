"""Pings sent through Handoff, one row per recipient; delivered by `ping_delivery` jobs (see `pings.delivery`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    ColumnElement,
    CursorResult,
    Row,
    Table,
    bindparam,
    cast,
    func,
    literal,
    select,
    true,
    update,
)
from sqlalchemy.orm import Session

from store.claims import among
from store.models import HeldPing, Job
from store.upsert import table_of

HELD, DELIVERED, CANCELLED, FAILED, UNCONFIRMED = "held", "delivered", "cancelled", "failed", "unconfirmed"


@dataclass(frozen=True)
class NewPing:
    """What holding or sending one ping needs."""

    team_id: str
    sender_id: str
    recipient_id: str
    text: str
    due_at: datetime
    urgent: bool = False
    source_channel_id: str | None = None
    source_ts: str | None = None
    permalink: str | None = None
    status: str = HELD


def add(*, session: Session, new: NewPing, now: datetime) -> HeldPing:
    """Store a ping (held until `due_at`, which is `now` when it goes at once)."""
    ping = HeldPing(
        team_id=new.team_id,
        sender_id=new.sender_id,
        recipient_id=new.recipient_id,
        text=new.text,
        source_channel_id=new.source_channel_id,
        source_ts=new.source_ts,
        permalink=new.permalink,
        urgent=new.urgent,
        status=new.status,
        due_at=new.due_at,
        created_at=now,
    )
    session.add(ping)
    session.flush()
    return ping


def get(*, session: Session, team_id: str, ping_id: int) -> HeldPing | None:
    """One ping of a workspace."""
    return session.scalars(select(HeldPing).where(HeldPing.team_id == team_id, HeldPing.id == ping_id)).one_or_none()


def waiting_from(*, session: Session, team_id: str, sender_id: str, limit: int = 50) -> list[HeldPing]:
    """A sender's pings still held (not yet taken by a delivery), soonest first."""
    return list(
        session.scalars(
            select(HeldPing)
            .where(
                HeldPing.team_id == team_id,
                HeldPing.sender_id == sender_id,
                HeldPing.status == HELD,
                HeldPing.delivery_id.is_(None),
            )
            .order_by(HeldPing.due_at, HeldPing.id)
            .limit(limit)
        )
    )


def changeable(ping: HeldPing | None, sender_id: str) -> str | None:
    """Why the sender cannot edit or cancel this ping any more (None: they can)."""
    if ping is None or ping.sender_id != sender_id:
        return "That ping is not one of yours."
    if ping.status == CANCELLED:
        return "That ping was already cancelled."
    if ping.status != HELD or ping.delivery_id is not None:
        return "That ping has already gone out, so it can't be changed."
    return None


def urgent_sent_since(*, session: Session, team_id: str, sender_id: str, since: datetime) -> int:
    """How many urgent pings a sender sent since an instant (one per recipient)."""
    return int(
        session.scalar(
            select(func.count())
            .select_from(HeldPing)
            .where(
                HeldPing.team_id == team_id,
                HeldPing.sender_id == sender_id,
                # `= true` (1 on SQLite), the term of the partial index on urgent pings.
                HeldPing.urgent == true(),
                HeldPing.status.in_([HELD, DELIVERED]),
                HeldPing.created_at >= since,
            )
        )
        or 0
    )


def _recipient(jobs: Table) -> ColumnElement[str]:
    # A delivery job's payload names its recipient, and its ping when it carries a single one.
    recipient: ColumnElement[str] = jobs.c.payload["recipient"].as_string()
    return recipient


def _ping(jobs: Table) -> ColumnElement[int]:
    return cast(jobs.c.payload["ping"].as_string(), BigInteger)


def delivery_columns() -> list[ColumnElement[Any]]:
    """What claiming a delivery job reads of it (`jobs.claim(columns=…)`): team, attempts, recipient, ping."""
    jobs = table_of(Job)
    return [jobs.c.team_id, jobs.c.attempts, _recipient(jobs).label("recipient"), _ping(jobs).label("ping")]


def _in_message(table: Table) -> list[Column[Any]]:
    # What a delivery's message says of each ping, and which delivery took it.
    names = ("id", "delivery_id", "sender_id", "text", "source_channel_id", "permalink", "urgent", "created_at")
    return [table.c[name] for name in names]


@cache
def _attach_statement(dialect: str, single: bool) -> Any:
    table, jobs = table_of(HeldPing), table_of(Job)
    # A morning takes every due ping of its recipient; a single, its one ping.
    which = table.c.id == _ping(jobs) if single else table.c.due_at <= bindparam("now")
    return (
        update(table)
        .where(
            among(jobs.c.id, "job_ids", dialect),
            table.c.team_id == jobs.c.team_id,
            table.c.recipient_id == _recipient(jobs),
            which,
            table.c.status == HELD,
            table.c.delivery_id.is_(None),
        )
        .values(delivery_id=jobs.c.id)
        .returning(*_in_message(table))
    )


def attach(*, session: Session, morning_ids: Sequence[int], single_ids: Sequence[int], now: datetime) -> list[Row[Any]]:
    """Give claimed deliveries their pings and return those (plain rows, with `delivery_id`).

    A delivery is a job whose payload names its recipient (and its ping, for a single one): a
    morning takes every due ping of its recipient, a single its one ping. One statement per kind
    joins the claimed jobs to their pings; a ping another delivery took is skipped, so no ping is
    in two messages.
    """
    dialect, connection = session.get_bind().dialect.name, session.connection()
    taken: list[Row[Any]] = []
    if morning_ids:
        statement = _attach_statement(dialect, single=False)
        taken.extend(connection.execute(statement, {"job_ids": list(morning_ids), "now": now}))
    if single_ids:
        taken.extend(connection.execute(_attach_statement(dialect, single=True), {"job_ids": list(single_ids)}))
    return taken


def _in_flight(table: Table, dialect: str) -> list[ColumnElement[bool]]:
    # Taken by one of these deliveries and not settled yet. 'held' is written into the statement,
    # not bound, so that the planner always sees the partial index on in-flight pings applies.
    return [among(table.c.delivery_id, "job_ids", dialect), table.c.status == literal(HELD, literal_execute=True)]


@cache
def _attached_statement(dialect: str) -> Any:
    table = table_of(HeldPing)
    return select(*_in_message(table)).where(*_in_flight(table, dialect))


def attached(*, session: Session, job_ids: Sequence[int]) -> list[Row[Any]]:
    """The pings these deliveries took and have not settled, an earlier attempt's too (rows as `attach` returns)."""
    statement = _attached_statement(session.get_bind().dialect.name)
    return list(session.connection().execute(statement, {"job_ids": list(job_ids)}))


@cache
def _settle_statement(dialect: str, delivered: bool) -> Any:
    table = table_of(HeldPing)
    values: dict[str, Any] = {"status": bindparam("status"), "error": bindparam("error")}
    if delivered:
        values["delivered_at"] = bindparam("now")
    return update(table).where(*_in_flight(table, dialect)).values(values)


def settle(*, session: Session, job_ids: Sequence[int], status: str, now: datetime, error: str | None = None) -> int:
    """Mark every ping of these deliveries delivered (or failed), in one statement; returns how many."""
    if not job_ids:
        return 0
    result: CursorResult[Any] = session.connection().execute(
        _settle_statement(session.get_bind().dialect.name, delivered=status == DELIVERED),
        {"job_ids": list(job_ids), "status": status, "error": error, "now": now},
    )
    return int(result.rowcount or 0)


def stranded(*, session: Session, now: datetime, grace: timedelta, limit: int = 500) -> list[Row[Any]]:
    """(team, recipient, first id) of the `limit` longest overdue held pings (by `grace`) no delivery took."""
    table = table_of(HeldPing)
    # Picked through the index on waiting pings' due time, then grouped: grouped in one query,
    # SQLite would walk every waiting ping in recipient order, though none is overdue most ticks.
    overdue = (
        select(table.c.team_id, table.c.recipient_id, table.c.id)
        .where(table.c.status == HELD, table.c.delivery_id.is_(None), table.c.due_at <= now - grace)
        .order_by(table.c.due_at)
        .limit(limit)
        .subquery()
    )
    return list(
        session.connection().execute(
            select(overdue.c.team_id, overdue.c.recipient_id, func.min(overdue.c.id).label("first_id")).group_by(
                overdue.c.team_id, overdue.c.recipient_id
            )
        )
    )


def held_for(*, session: Session, team_id: str, recipient_id: str) -> list[HeldPing]:
    """A recipient's pings still waiting for a delivery (to move when their hours change)."""
    return list(
        session.scalars(
            select(HeldPing).where(
                HeldPing.team_id == team_id,
                HeldPing.recipient_id == recipient_id,
                HeldPing.status == HELD,
                HeldPing.delivery_id.is_(None),
            )
        )
    )


def waiting_recipients(*, session: Session, team_id: str) -> list[str]:
    """Everyone in a workspace with pings still waiting for a delivery (to move when its defaults change)."""
    return list(
        session.scalars(
            select(HeldPing.recipient_id)
            .where(HeldPing.team_id == team_id, HeldPing.status == HELD, HeldPing.delivery_id.is_(None))
            .distinct()
            .order_by(HeldPing.recipient_id)
        )
    )


def detach(*, session: Session, job_ids: Sequence[int]) -> None:
    """Give these deliveries' undelivered pings back (to be taken by another delivery)."""
    if job_ids:
        session.execute(
            update(HeldPing)
            .where(HeldPing.delivery_id.in_(list(job_ids)), HeldPing.status == HELD)
            .values(delivery_id=None)
        )
