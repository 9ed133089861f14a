"""Workspaces Handoff has seen."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
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


def mark_installed(
    *, session: Session, team_id: str | None, enterprise_id: str | None, name: str | None, now: datetime
) -> None:
    """Handoff was (re)installed: the workspace (or every known workspace of the org) is no longer uninstalled.

    Clearing `uninstalled_at` cancels the purge of the decision log that an uninstall scheduled.
    """
    if team_id:
        team = ensure_team(session=session, team_id=team_id, now=now, enterprise_id=enterprise_id)
        team.uninstalled_at = None
        if name:
            team.name = name
    elif enterprise_id:
        session.execute(update(Team).where(Team.enterprise_id == enterprise_id).values(uninstalled_at=None))


def mark_uninstalled(*, session: Session, team_id: str, now: datetime) -> datetime:
    """Handoff was uninstalled from the workspace: returns since when (the first of repeated notices)."""
    team = ensure_team(session=session, team_id=team_id, now=now)
    if team.uninstalled_at is None:
        team.uninstalled_at = now
    return team.uninstalled_at


def in_org(*, session: Session, enterprise_id: str) -> list[str]:
    """The workspaces Handoff knows in an Enterprise Grid organization."""
    return list(session.scalars(select(Team.team_id).where(Team.enterprise_id == enterprise_id)))
