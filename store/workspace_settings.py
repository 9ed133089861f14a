"""A workspace's own settings, chosen by its admins (one row per workspace, made on first change)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.models import ChannelSettings, WorkspaceSettings
from store.upsert import upsert


def get(*, session: Session, team_id: str) -> WorkspaceSettings | None:
    """The workspace's settings row, if an admin ever changed one."""
    return session.scalars(select(WorkspaceSettings).where(WorkspaceSettings.team_id == team_id)).one_or_none()


def decision_emoji(*, session: Session, team_id: str) -> str | None:
    """The workspace's decision emoji (comma-separated), or None for Handoff's configured default."""
    return session.scalar(select(WorkspaceSettings.decision_emoji).where(WorkspaceSettings.team_id == team_id))


def excluded_channels(*, session: Session, team_id: str) -> frozenset[str]:
    """Channels an admin left out of every summary (`/handoff exclude`)."""
    return frozenset(
        session.scalars(
            select(ChannelSettings.channel_id).where(
                ChannelSettings.team_id == team_id, ChannelSettings.excluded.is_(True)
            )
        )
    )


def retention_days(*, session: Session) -> dict[str, int]:
    """Workspaces that keep channel traffic for their own number of days instead of HANDOFF_TRAFFIC_RETENTION_DAYS."""
    rows = session.execute(
        select(WorkspaceSettings.team_id, WorkspaceSettings.traffic_retention_days).where(
            WorkspaceSettings.traffic_retention_days.is_not(None)
        )
    )
    return {str(team_id): int(days) for team_id, days in rows if days is not None}


def change(*, session: Session, team_id: str, actor_id: str, now: datetime, **values: Any) -> None:
    """Set some settings of a workspace (None goes back to the default)."""
    upsert(
        session=session,
        model=WorkspaceSettings,
        values={"team_id": team_id, **values, "updated_by": actor_id, "updated_at": now},
        key=["team_id"],
    )
