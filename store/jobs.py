"""Due work kept as rows: scheduled once per (kind, team, key), claimed through `store.claims`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Row, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from store import claims, teams, upsert
from store.models import Job


@dataclass(frozen=True)
class NewJob:
    """One job to schedule with `schedule_many`."""

    team_id: str
    key: str
    due_at: datetime
    payload: dict[str, Any]


def schedule(
    *,
    session: Session,
    kind: str,
    team_id: str,
    key: str,
    due_at: datetime,
    now: datetime,
    payload: dict[str, Any] | None = None,
) -> bool:
    """Schedule a job unless one with the same (kind, team, key) exists; True when it is new."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = (
        insert(Job)
        .values(kind=kind, team_id=team_id, key=key, due_at=due_at, payload=payload or {}, created_at=now)
        .on_conflict_do_nothing(index_elements=["kind", "team_id", "key"])
        .returning(Job.id)
    )
    return session.execute(statement).scalar_one_or_none() is not None


def schedule_many(*, session: Session, kind: str, rows: Sequence[NewJob], now: datetime) -> int:
    """Schedule many jobs of one kind in one statement, leaving out those that exist; how many are new."""
    new = upsert.insert_ignore_many(
        session=session,
        model=Job,
        rows=[
            {
                "kind": kind,
                "team_id": row.team_id,
                "key": row.key,
                "due_at": row.due_at,
                "payload": row.payload,
                "created_at": now,
                "attempts": 0,
            }
            for row in rows
        ],
        key=["kind", "team_id", "key"],
        returning=["id"],
    )
    return len(new)


def claim(
    *,
    session: Session,
    kinds: list[str],
    now: datetime,
    owner: str,
    lease: timedelta,
    limit: int,
    columns: Sequence[ColumnElement[Any]] = (),
    reachable_only: bool = False,
) -> list[Row[Any]]:
    """Lease due jobs of the given kinds to `owner` (rows of every column of `jobs`, or id, due_at and `columns`).

    `reachable_only`: leave the jobs of workspaces whose token Slack refuses (they would only fail).
    """
    where: list[ColumnElement[bool]] = [Job.kind.in_(kinds)]
    if reachable_only:
        where.append(teams.reachable(Job.team_id))
    return claims.claim_due(
        session=session,
        model=Job,
        now=now,
        owner=owner,
        lease=lease,
        limit=limit,
        where=where,
        columns=columns,
    )


def pending_for(
    *, session: Session, kind: str, recipients: Sequence[tuple[str, str]], before: datetime
) -> set[tuple[str, str]]:
    """Which (team, recipient) pairs have a `kind` job not done yet and due before an instant."""
    if not recipients:
        return set()
    teams = sorted({team for team, _ in recipients})
    people = sorted({person for _, person in recipients})
    recipient = Job.payload["recipient"].as_string()
    rows = session.execute(
        select(Job.team_id, recipient).where(
            Job.kind == kind,
            Job.done_at.is_(None),
            Job.due_at <= before,
            Job.team_id.in_(teams),
            recipient.in_(people),
        )
    )
    wanted = set(recipients)
    return {(str(team), str(person)) for team, person in rows if (team, person) in wanted}


def note(*, session: Session, job_id: int, owner: str, values: dict[str, Any]) -> bool:
    """Add `values` to a claimed job's payload: progress that must outlive a crash; False when `owner` lost the job."""
    mine = (Job.id == job_id, Job.lease_owner == owner, Job.done_at.is_(None))
    payload = session.scalar(select(Job.payload).where(*mine))
    if payload is None:
        return False
    session.execute(update(Job).where(*mine).values(payload={**payload, **values}))
    return True


def postpone(*, session: Session, job_id: int, owner: str, due_at: datetime, values: dict[str, Any]) -> bool:
    """A claimed job that did part of its work: record its progress in the payload and give it back, due at
    `due_at`, its tries counted afresh (progress is no failure); False when `owner` lost the job."""
    mine = (Job.id == job_id, Job.lease_owner == owner, Job.done_at.is_(None))
    payload = session.scalar(select(Job.payload).where(*mine))
    if payload is None:
        return False
    session.execute(
        update(Job)
        .where(*mine)
        .values(payload={**payload, **values}, due_at=due_at, lease_owner=None, lease_until=None, attempts=0)
    )
    return True
