"""The `--team` every CLI command takes, refused the same way when Handoff has never seen it."""

from __future__ import annotations

from sqlalchemy.orm import Session

from bot.settings import ConfigError
from store import teams


def require_workspace(*, session: Session, team_id: str) -> None:
    """ConfigError (exit 2) when the database holds nothing of workspace `team_id`."""
    if not teams.is_known(session=session, team_id=team_id):
        raise ConfigError(
            f"--team: Handoff has no workspace {team_id!r} in this database; check the team id (T…): a workspace "
            "appears once Handoff is installed in it or hears from it"
        )
