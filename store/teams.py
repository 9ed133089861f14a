"""Workspaces Handoff has seen."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, SQLColumnExpression, exists, select, update
from sqlalchemy.orm import Session

from store.models import SLACK_INSTALLATIONS, Decision, Team
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


def is_known(*, session: Session, team_id: str) -> bool:
    """Whether Handoff has seen the workspace: its row, or (for logs filed before every way in made one) a decision."""
    seen = select(Team.team_id).where(Team.team_id == team_id).exists()
    filed = exists().where(Decision.team_id == team_id)
    return bool(session.scalar(select(seen | filed)))


def mark_installed(
    *, session: Session, team_id: str | None, enterprise_id: str | None, name: str | None, now: datetime
) -> None:
    """Handoff was (re)installed: the workspace (or every known workspace of the org) is no longer uninstalled.

    Clearing `uninstalled_at` cancels the purge of the decision log that an uninstall scheduled.
    """
    if team_id:
        team = ensure_team(session=session, team_id=team_id, now=now, enterprise_id=enterprise_id)
        team.uninstalled_at = None
        # A new install brings a new token: whatever waited for the old one can go.
        team.token_error = team.token_error_at = team.token_checked_at = None
        if name:
            team.name = name
    elif enterprise_id:
        session.execute(
            update(Team)
            .where(_served_by_org(enterprise_id))
            .values(uninstalled_at=None, token_error=None, token_error_at=None, token_checked_at=None)
        )


def mark_uninstalled(*, session: Session, team_id: str, now: datetime) -> datetime:
    """Handoff was uninstalled from the workspace: returns since when (the first of repeated notices)."""
    team = ensure_team(session=session, team_id=team_id, now=now)
    if team.uninstalled_at is None:
        team.uninstalled_at = now
    return team.uninstalled_at


def in_org(*, session: Session, enterprise_id: str) -> list[str]:
    """The workspaces an org-wide installation serves: of the organization, and without an installation of their own.

    A workspace that installed Handoff itself keeps it whatever its organization's admins do with
    the org-wide one; only the workspaces the org-wide installation acted for go with it.
    """
    return list(session.scalars(select(Team.team_id).where(_served_by_org(enterprise_id)).order_by(Team.team_id)))


def has_own_installation(*, session: Session, team_id: str) -> bool:
    """Whether the workspace installed Handoff itself (not only through its organization's org-wide install)."""
    return bool(session.scalar(select(exists().where(SLACK_INSTALLATIONS.c.team_id == team_id))))


def enterprise_of(*, session: Session, team_id: str) -> str | None:
    """The Enterprise Grid organization the workspace belongs to, as its installation says; None when standalone."""
    return session.scalar(select(Team.enterprise_id).where(Team.team_id == team_id))


def _own_installation(team_id: SQLColumnExpression[str]) -> ColumnElement[bool]:
    return exists().where(SLACK_INSTALLATIONS.c.team_id == team_id)


def _served_by_org(enterprise_id: str) -> ColumnElement[bool]:
    # The label comes from the installation (see ingest.envelope), and a workspace with an
    # installation of its own is never the org-wide one's to install or uninstall.
    return (Team.enterprise_id == enterprise_id) & ~_own_installation(Team.team_id)


def pause_sending(*, session: Session, team_id: str, error: str, now: datetime) -> bool:
    """Slack refuses Handoff's token for the workspace: its deliveries wait. True when it was not paused yet."""
    team = ensure_team(session=session, team_id=team_id, now=now)
    team.token_checked_at = now
    if team.token_error is not None:
        return False
    team.token_error, team.token_error_at = error[:64], now
    return True


def resume_sending(*, session: Session, team_id: str) -> bool:
    """The workspace's token works again (or Handoff was installed anew): True when it was paused."""
    result = session.execute(
        update(Team)
        .where(Team.team_id == team_id, Team.token_error.is_not(None))
        .values(token_error=None, token_error_at=None, token_checked_at=None)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def installed(*, session: Session, limit: int) -> list[str]:
    """Up to `limit` workspaces Handoff is installed in (not uninstalled), the longest-known first."""
    query = select(Team.team_id).where(Team.uninstalled_at.is_(None)).order_by(Team.first_seen_at).limit(limit)
    return list(session.scalars(query))


def paused(*, session: Session) -> list[Team]:
    """Workspaces whose deliveries wait because Slack refuses Handoff's token, longest paused first."""
    return list(session.scalars(select(Team).where(Team.token_error.is_not(None)).order_by(Team.token_error_at)))


def checked(*, session: Session, team_id: str, now: datetime) -> None:
    """The paused workspace's token was tried again at `now` and still does not work."""
    session.execute(update(Team).where(Team.team_id == team_id).values(token_checked_at=now))


def reachable(team_id: SQLColumnExpression[str]) -> ColumnElement[bool]:
    """A condition on a row's workspace: Slack has not refused Handoff's token for it."""
    return team_id.not_in(select(Team.team_id).where(Team.token_error.is_not(None)))


def bot_user_of(*, session: Session, team_id: str) -> str | None:
    """Handoff's own bot user in the workspace, once known."""
    return session.scalar(select(Team.bot_user_id).where(Team.team_id == team_id))
