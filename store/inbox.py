"""The event inbox: every acknowledged Events API delivery, so none is lost or handled twice."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from store import claims
from store.models import InboxEvent

# How long the receiving worker owns a fresh event before the tick may take it over.
RECEIVE_LEASE = timedelta(minutes=2)


def record_event(
    *,
    session: Session,
    event_id: str,
    team_id: str | None,
    event_type: str,
    body: str,
    now: datetime,
    owner: str,
) -> int | None:
    """Store a delivery leased to `owner` and return its id; None when `event_id` is already stored."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = (
        insert(InboxEvent)
        .values(
            event_id=event_id,
            team_id=team_id,
            event_type=event_type,
            body=body,
            received_at=now,
            due_at=now,
            lease_owner=owner,
            lease_until=now + RECEIVE_LEASE,
            attempts=1,
        )
        .on_conflict_do_nothing(index_elements=["event_id"])
        .returning(InboxEvent.id)
    )
    return session.execute(statement).scalar_one_or_none()


def event_row_id(*, session: Session, event_id: str) -> int | None:
    """The inbox id of a stored delivery."""
    return session.execute(select(InboxEvent.id).where(InboxEvent.event_id == event_id)).scalar_one_or_none()


def finish(*, session: Session, row_id: int, owner: str, now: datetime) -> bool:
    """Mark the event processed; False when another worker owns or finished it (then roll back)."""
    return claims.complete(session=session, model=InboxEvent, row_id=row_id, owner=owner, now=now)


def claim_unprocessed(*, session: Session, now: datetime, owner: str, limit: int) -> list[InboxEvent]:
    """Take over events whose receiver died or failed before finishing them."""
    return claims.claim_due(session=session, model=InboxEvent, now=now, owner=owner, lease=RECEIVE_LEASE, limit=limit)


def pending_count(*, session: Session) -> int:
    """How many events are not processed yet."""
    return session.execute(
        select(func.count()).select_from(InboxEvent).where(InboxEvent.done_at.is_(None))
    ).scalar_one()


def prune_processed(*, session: Session, before: datetime) -> int:
    """Forget processed events received before `before` (their ids only dedupe Slack's retries)."""
    result = session.execute(delete(InboxEvent).where(InboxEvent.done_at.is_not(None), InboxEvent.received_at < before))
    return int(result.rowcount)  # type: ignore[attr-defined]
