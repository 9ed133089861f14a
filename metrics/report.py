"""A workspace's team metrics for one reader: read the tallies and the groups, then apply the privacy rules."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from metrics.scopes import (
    Conversation,
    PeopleIn,
    Report,
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
        people_in=_people_in(session, team_id),
    )


def for_admins(*, session: Session, team_id: str, weeks: Sequence[Week]) -> Report:
    """The workspace for its admins' weekly report and the operator's CLI."""
    return admin_report(
        stats.tallies(session=session, team_id=team_id, weeks=weeks),
        stats_groups.conversations(session=session, team_id=team_id),
        workspace_people=stats_groups.workspace_people(session=session, team_id=team_id),
        workspace_name=workspace_name(session=session, team_id=team_id),
        min_group=min_group(session=session, team_id=team_id),
        people_in=_people_in(session, team_id),
    )


def _people_in(session: Session, team_id: str) -> PeopleIn:
    """How many people some conversations hold between them, asked of the store when a rule needs it.

    Only conversations Handoff knows have members on record (a direct message it never read has none).
    """

    counted: dict[frozenset[str], int] = {}

    def people_in(channel_ids: Collection[str]) -> int:
        # The rules ask week by week, often about the same conversations: each set is counted once.
        key = frozenset(channel_ids)
        if key not in counted:
            counted[key] = stats_groups.people_in(session=session, team_id=team_id, channel_ids=sorted(key))
        return counted[key]

    return people_in


def for_channel(*, session: Session, team_id: str, channel: Conversation, weeks: Sequence[Week]) -> Report:
    """One channel's figures (the caller checked that the reader may see the channel)."""
    return channel_report(
        stats.tallies(session=session, team_id=team_id, weeks=weeks, channel_id=channel.channel_id),
        channel,
        min_group=min_group(session=session, team_id=team_id),
    )
