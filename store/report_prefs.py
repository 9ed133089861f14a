"""Which workspace admins turned their weekly team report off (everyone else gets it)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.models import StatsReportPrefs
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
