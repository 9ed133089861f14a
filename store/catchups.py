"""Morning catch-ups: who gets one and how (preferences), what is planned, and what was sent."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, bindparam, exists, func, insert, or_, select, update
from sqlalchemy.orm import Session

from digest.in_lists import chunks
from store.models import CatchUpPrefs, CatchUpRecord, Person, WorkspaceSettings
from store.upsert import insert_ignore, insert_ignore_many, table_of, upsert

DAILY, WEEKLY = "daily", "weekly"


@dataclass(frozen=True)
class Plan:
    """A person whose next catch-up has to be planned, with what planning needs."""

    team_id: str
    user_id: str
    cadence: str
    weekday: int | None
    at_minute: int | None


def get_prefs(*, session: Session, team_id: str, user_id: str) -> CatchUpPrefs | None:
    """A person's catch-up preferences, if they have any row yet."""
    return session.get(CatchUpPrefs, (team_id, user_id))


def prefs_of(*, session: Session, team_id: str, user_ids: list[str]) -> dict[str, CatchUpPrefs]:
    """Several people's preferences at once, by user id (absent: no row yet)."""
    found: dict[str, CatchUpPrefs] = {}
    for chunk in chunks(user_ids):
        rows = session.scalars(
            select(CatchUpPrefs).where(CatchUpPrefs.team_id == team_id, CatchUpPrefs.user_id.in_(chunk))
        )
        found.update((row.user_id, row) for row in rows)
    return found


def is_on(prefs: CatchUpPrefs | None, *, everyone: bool) -> bool:
    """Whether this person gets catch-ups: their own choice, else the workspace's default."""
    if prefs is not None and prefs.enabled is not None:
        return bool(prefs.enabled)
    return everyone or (prefs is not None and prefs.engaged_at is not None)


def everyone_on(*, session: Session, team_id: str) -> bool:
    """Whether an admin turned catch-ups on for every member of the workspace."""
    return bool(session.scalar(select(WorkspaceSettings.catchup_everyone).where(WorkspaceSettings.team_id == team_id)))


def engage(*, session: Session, team_id: str, user_id: str, now: datetime) -> bool:
    """Note that someone used Handoff (their catch-up starts, unless they said no); True the first time."""
    if insert_ignore(
        session=session,
        model=CatchUpPrefs,
        values={"team_id": team_id, "user_id": user_id, "engaged_at": now, "updated_at": now},
        key=["team_id", "user_id"],
    ):
        return True
    result = session.execute(
        update(CatchUpPrefs)
        .where(CatchUpPrefs.team_id == team_id, CatchUpPrefs.user_id == user_id, CatchUpPrefs.engaged_at.is_(None))
        .values(engaged_at=now)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def change_prefs(*, session: Session, team_id: str, user_id: str, now: datetime, **values: Any) -> None:
    """Change some preferences; the next catch-up is planned again from them."""
    upsert(
        session=session,
        model=CatchUpPrefs,
        values={"team_id": team_id, "user_id": user_id, **values, "next_due_at": None, "updated_at": now},
        key=["team_id", "user_id"],
    )


def replan(*, session: Session, team_id: str, user_ids: list[str] | None = None) -> None:
    """Plan again (hours, zone or workspace defaults changed): the pending job then finds itself stale."""
    statement = update(CatchUpPrefs).where(CatchUpPrefs.team_id == team_id).values(next_due_at=None)
    if user_ids is not None:
        statement = statement.where(CatchUpPrefs.user_id.in_(user_ids))
    session.execute(statement)


def enroll_everyone(*, session: Session, team_id: str, now: datetime) -> int:
    """Give every member without preferences a row (the workspace turned catch-ups on for all)."""
    people = select(Person.user_id).where(
        Person.team_id == team_id,
        Person.is_bot.is_(False),
        Person.deleted.is_(False),
        Person.is_external.is_(False),
        ~exists().where(CatchUpPrefs.team_id == Person.team_id, CatchUpPrefs.user_id == Person.user_id),
    )
    user_ids = list(session.scalars(people))
    if user_ids:
        session.execute(insert(CatchUpPrefs), [{"team_id": team_id, "user_id": u, "updated_at": now} for u in user_ids])
    return len(user_ids)


def unplanned(*, session: Session, limit: int) -> list[Plan]:
    """People who get catch-ups and have none planned."""
    everyone = (
        select(WorkspaceSettings.catchup_everyone)
        .where(WorkspaceSettings.team_id == CatchUpPrefs.team_id)
        .scalar_subquery()
    )
    statement = (
        select(
            CatchUpPrefs.team_id,
            CatchUpPrefs.user_id,
            CatchUpPrefs.cadence,
            CatchUpPrefs.weekday,
            CatchUpPrefs.at_minute,
        )
        .where(
            CatchUpPrefs.next_due_at.is_(None),
            or_(
                CatchUpPrefs.enabled.is_(True),
                and_(
                    CatchUpPrefs.enabled.is_(None),
                    or_(CatchUpPrefs.engaged_at.is_not(None), func.coalesce(everyone, False).is_(True)),
                ),
            ),
        )
        .order_by(CatchUpPrefs.team_id, CatchUpPrefs.user_id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        # Replicas ticking at once plan disjoint sets of people instead of queueing on the same rows.
        statement = statement.with_for_update(skip_locked=True, of=CatchUpPrefs)
    rows = session.execute(statement)
    return [Plan(r.team_id, r.user_id, r.cadence, r.weekday, r.at_minute) for r in rows]


def set_planned(*, session: Session, team_id: str, user_id: str, due_at: datetime | None) -> None:
    """Remember the planned catch-up's instant (a job with another instant is then stale); None plans afresh."""
    session.execute(
        update(CatchUpPrefs)
        .where(CatchUpPrefs.team_id == team_id, CatchUpPrefs.user_id == user_id)
        .values(next_due_at=due_at)
    )


def set_planned_many(*, session: Session, team_id: str, planned: dict[str, datetime]) -> None:
    """`set_planned` for many people of a workspace, in one round trip (an executemany)."""
    if not planned:
        return
    table = table_of(CatchUpPrefs)
    statement = (
        update(table)
        .where(table.c.team_id == bindparam("team"), table.c.user_id == bindparam("user"))
        .values(next_due_at=bindparam("due"))
    )
    session.connection().execute(
        statement, [{"team": team_id, "user": user_id, "due": due} for user_id, due in planned.items()]
    )


def planned_due(*, session: Session, team_id: str, user_id: str) -> datetime | None:
    """The instant of the catch-up planned for someone, if any."""
    return session.scalar(
        select(CatchUpPrefs.next_due_at).where(CatchUpPrefs.team_id == team_id, CatchUpPrefs.user_id == user_id)
    )


def last_sent(*, session: Session, team_id: str, user_id: str) -> CatchUpRecord | None:
    """The person's latest catch-up (its window end starts the next window; App Home shows it)."""
    return session.scalars(
        select(CatchUpRecord)
        .where(CatchUpRecord.team_id == team_id, CatchUpRecord.user_id == user_id)
        .order_by(CatchUpRecord.window_end.desc())
        .limit(1)
    ).first()


def last_window_ends(*, session: Session, team_id: str, user_ids: list[str]) -> dict[str, datetime]:
    """Each person's latest catch-up window end (absent: never had one)."""
    rows = session.execute(
        select(CatchUpRecord.user_id, func.max(CatchUpRecord.window_end))
        .where(CatchUpRecord.team_id == team_id, CatchUpRecord.user_id.in_(user_ids))
        .group_by(CatchUpRecord.user_id)
    )
    return {str(user_id): end for user_id, end in rows if end is not None}


@dataclass(frozen=True)
class Sent:
    """A catch-up Slack has, to keep: whose, for which local day, over which window, and what it said."""

    team_id: str
    user_id: str
    local_date: date
    window_start: datetime
    window_end: datetime
    late: bool
    content: dict[str, Any]
    # Its size as the DM announced it (team metrics count these, never the content).
    entries: int
    reading_minutes: int


def record_many(*, session: Session, sent: list[Sent], now: datetime) -> int:
    """Keep sent catch-ups in one statement; the count kept (a person's day already kept is left as it was)."""
    if not sent:
        return 0
    rows = [{**vars(item), "sent_at": now} for item in sent]
    kept = insert_ignore_many(
        session=session, model=CatchUpRecord, rows=rows, key=["team_id", "user_id", "local_date"], returning=["id"]
    )
    return len(kept)
