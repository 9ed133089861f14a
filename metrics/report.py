"""A workspace's team metrics for one reader: read the tallies and the groups, then apply the privacy rules."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from metrics.scopes import (
    Conversation,
    Report,
    active_private,
    admin_report,
    channel_report,
    effective_min_group,
    member_report,
)
from metrics.weeks import Week
from store import stats, stats_groups
from store.models import Team, WorkspaceSettings


def min_group(*, session: Session, team_id: str) -> int:
    """The smallest group whose figures this workspace shows."""
    chosen = session.scalar(select(WorkspaceSettings.stats_min_group).where(WorkspaceSettings.team_id == team_id))
    return effective_min_group(chosen)


def workspace_name(*, session: Session, team_id: str) -> str:
    """The workspace's name as Slack gave it, else its id."""
    return session.scalar(select(Team.name).where(Team.team_id == team_id)) or team_id


def for_member(*, session: Session, team_id: str, user_id: str, weeks: Sequence[Week]) -> Report:
    """The workspace as one member may see it (`/handoff stats`)."""
    return member_report(
        stats.tallies(session=session, team_id=team_id, weeks=weeks),
        stats_groups.conversations(session=session, team_id=team_id),
        member_of=stats_groups.member_of(session=session, team_id=team_id, user_id=user_id),
        workspace_people=stats_groups.workspace_people(session=session, team_id=team_id),
        workspace_name=workspace_name(session=session, team_id=team_id),
        min_group=min_group(session=session, team_id=team_id),
    )


def for_admins(*, session: Session, team_id: str, weeks: Sequence[Week]) -> Report:
    """The workspace for its admins' weekly report and the operator's CLI."""
    tallies = stats.tallies(session=session, team_id=team_id, weeks=weeks)
    conversations = stats_groups.conversations(session=session, team_id=team_id)
    known = {c.channel_id for c in conversations}
    # Only conversations Handoff knows have members on record (a direct message it never read has none).
    private = [channel for channel in active_private(tallies, conversations) if channel in known]
    return admin_report(
        tallies,
        conversations,
        workspace_people=stats_groups.workspace_people(session=session, team_id=team_id),
        private_people=stats_groups.people_in(session=session, team_id=team_id, channel_ids=private),
        workspace_name=workspace_name(session=session, team_id=team_id),
        min_group=min_group(session=session, team_id=team_id),
    )


def for_channel(*, session: Session, team_id: str, channel: Conversation, weeks: Sequence[Week]) -> Report:
    """One channel's figures (the caller checked that the reader may see the channel)."""
    return channel_report(
        stats.tallies(session=session, team_id=team_id, weeks=weeks, channel_id=channel.channel_id),
        channel,
        min_group=min_group(session=session, team_id=team_id),
    )
