"""Workspaces Handoff has seen."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from store.models import Team
from store.upsert import insert_ignore


def ensure_team(*, session: Session, team_id: str, now: datetime, enterprise_id: str | None = None) -> Team:
    """The workspace's row, created on first sight."""
    insert_ignore(
        session=session,
        model=Team,
        values={"team_id": team_id, "enterprise_id": enterprise_id, "first_seen_at": now},
        key=["team_id"],
    )
    row = session.get(Team, team_id, populate_existing=True)
    assert row is not None
    if enterprise_id and row.enterprise_id != enterprise_id:
        row.enterprise_id = enterprise_id
    return row
