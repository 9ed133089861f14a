"""Which workspace admins turned their weekly team report off (everyone else gets it)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from store.models import Person, StatsReportPrefs, Team
from store.upsert import upsert


def wants_report(*, session: Session, team_id: str, user_id: str) -> bool:
    """Whether this person gets the weekly report when they are an admin (on unless they turned it off)."""
    chosen = session.scalar(
        select(StatsReportPrefs.enabled).where(StatsReportPrefs.team_id == team_id, StatsReportPrefs.user_id == user_id)
    )
    return chosen is not False


def set_wanted(*, session: Session, team_id: str, user_id: str, on: bool, now: datetime) -> None:
    """Turn one person's weekly report on or off."""
    upsert(
        session=session,
        model=StatsReportPrefs,
        values={"team_id": team_id, "user_id": user_id, "enabled": on, "updated_at": now},
        key=["team_id", "user_id"],
    )


def turned_off(*, session: Session, team_id: str) -> set[str]:
    """The people of a workspace who turned their weekly report off."""
    return set(
        session.scalars(
            select(StatsReportPrefs.user_id).where(
                StatsReportPrefs.team_id == team_id, StatsReportPrefs.enabled.is_(False)
            )
        )
    )


def recipients(*, session: Session) -> dict[str, list[str]]:
    """Per workspace (still installed), its admins and owners Handoff knows, but those who turned the report off."""
    off = select(StatsReportPrefs.user_id).where(
        StatsReportPrefs.team_id == Person.team_id, StatsReportPrefs.enabled.is_(False)
    )
    rows = session.execute(
        select(Person.team_id, Person.user_id)
        .join(Team, Team.team_id == Person.team_id)
        .where(
            Team.uninstalled_at.is_(None),
            or_(Person.is_admin.is_(True), Person.is_owner.is_(True)),
            Person.is_bot.is_(False),
            Person.deleted.is_(False),
            Person.is_external.is_(False),
            Person.user_id.not_in(off),
        )
        .order_by(Person.team_id, Person.user_id)
    )
    found: dict[str, list[str]] = {}
    for team_id, user_id in rows:
        found.setdefault(str(team_id), []).append(str(user_id))
    return found
