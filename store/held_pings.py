"""Pings sent through Handoff, one row per recipient; delivered by `ping_delivery` jobs (see `pings.delivery`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import CursorResult, Row, bindparam, func, select, update
from sqlalchemy.orm import Session

from store.models import HeldPing
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
                HeldPing.urgent.is_(True),
                HeldPing.status.in_([HELD, DELIVERED]),
                HeldPing.created_at >= since,
            )
        )
        or 0
    )


def attach(*, session: Session, claims: Sequence[tuple[int, str, str, int | None]], now: datetime) -> None:
    """Give each claimed delivery its pings: (job id, team, recipient, one ping id or None for all due).

    One statement per kind, executed for the whole batch; a ping another delivery took is skipped,
    so no ping is in two messages.
    """
    table = table_of(HeldPing)
    free = [table.c.status == HELD, table.c.delivery_id.is_(None)]
    everyone_due = [
        {"job": job_id, "team": team_id, "recipient": recipient_id, "now": now}
        for job_id, team_id, recipient_id, ping_id in claims
        if ping_id is None
    ]
    single = [
        {"job": job_id, "team": team_id, "recipient": recipient_id, "ping": ping_id}
        for job_id, team_id, recipient_id, ping_id in claims
        if ping_id is not None
    ]
    connection = session.connection()
    if everyone_due:
        connection.execute(
            update(table)
            .where(
                table.c.team_id == bindparam("team"),
                table.c.recipient_id == bindparam("recipient"),
                table.c.due_at <= bindparam("now"),
                *free,
            )
            .values(delivery_id=bindparam("job")),
            everyone_due,
        )
    if single:
        connection.execute(
            update(table)
            .where(table.c.id == bindparam("ping"), table.c.recipient_id == bindparam("recipient"), *free)
            .values(delivery_id=bindparam("job")),
            single,
        )


def attached(*, session: Session, job_ids: Sequence[int]) -> list[Row[Any]]:
    """The undelivered pings of these deliveries, oldest first (plain rows)."""
    table = table_of(HeldPing)
    return list(
        session.connection().execute(
            select(table)
            .where(table.c.delivery_id.in_(list(job_ids)), table.c.status == HELD)
            .order_by(table.c.created_at, table.c.id)
        )
    )


def settle(*, session: Session, job_ids: Sequence[int], status: str, now: datetime, error: str | None = None) -> int:
    """Mark every ping of these deliveries delivered (or failed), in one statement; returns how many."""
    if not job_ids:
        return 0
    table = table_of(HeldPing)
    values: dict[str, Any] = {"status": status, "error": error}
    if status == DELIVERED:
        values["delivered_at"] = now
    result: CursorResult[Any] = session.connection().execute(
        update(table).where(table.c.delivery_id.in_(list(job_ids)), table.c.status == HELD).values(**values)
    )
    return int(result.rowcount or 0)


def stranded(*, session: Session, now: datetime, grace: timedelta, limit: int = 500) -> list[Row[Any]]:
    """(team, recipient, first id) of held pings overdue by `grace` that no delivery took."""
    table = table_of(HeldPing)
    return list(
        session.connection().execute(
            select(table.c.team_id, table.c.recipient_id, func.min(table.c.id).label("first_id"))
            .where(table.c.status == HELD, table.c.delivery_id.is_(None), table.c.due_at <= now - grace)
            .group_by(table.c.team_id, table.c.recipient_id)
            .limit(limit)
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
