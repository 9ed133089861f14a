"""Workspaces Handoff has seen."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.models import Team


def ensure_team(*, session: Session, team_id: str, now: datetime, enterprise_id: str | None = None) -> Team:
    """The workspace's row, created on first sight."""
    row = session.get(Team, team_id)
    if row is None:
        row = Team(team_id=team_id, enterprise_id=enterprise_id, first_seen_at=now)
        session.add(row)
        session.flush()
    elif enterprise_id and row.enterprise_id != enterprise_id:
        row.enterprise_id = enterprise_id
    return row


def team_ids(*, session: Session) -> list[str]:
    """Every workspace Handoff has seen, sorted."""
    return list(session.scalars(select(Team.team_id).order_by(Team.team_id)))
