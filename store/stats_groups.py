"""The groups team metrics are shown for: each conversation's kind and size, the workspace's size, who is where.

A group's size counts people: apps (Handoff's own bot user included) and deactivated accounts are
not counted. Someone Handoff knows only as a channel member (never seen their profile) counts.
Sizes are counted as all members less the few who are not people, so that the count reads the
membership index alone instead of looking up every member's profile.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import Session

from metrics.scopes import DIRECT, PRIVATE, PUBLIC, Conversation
from store.models import Channel, ChannelMember, Person, Team
from store.visibility import shown


def not_people(*, session: Session, team_id: str) -> set[str]:
    """The workspace's apps and deactivated accounts Handoff knows, and Handoff's own bot user."""
    ids = set(
        session.scalars(
            select(Person.user_id).where(
                Person.team_id == team_id, or_(Person.is_bot.is_(True), Person.deleted.is_(True))
            )
        )
    )
    bot_user = session.scalar(select(Team.bot_user_id).where(Team.team_id == team_id))
    return ids | ({bot_user} if bot_user else set())


def conversations(*, session: Session, team_id: str, channel_id: str | None = None) -> list[Conversation]:
    """Every conversation Handoff knows in the workspace (or just one), with its kind and how many people are in it."""
    members = [ChannelMember.team_id == team_id]
    if channel_id is not None:
        members.append(ChannelMember.channel_id == channel_id)
    sizes = {
        str(channel): int(count)
        for channel, count in session.execute(
            select(ChannelMember.channel_id, func.count()).where(*members).group_by(ChannelMember.channel_id)
        )
    }
    others = sorted(not_people(session=session, team_id=team_id))
    if others:
        for channel, count in session.execute(
            select(ChannelMember.channel_id, func.count())
            .where(*members, ChannelMember.user_id.in_(others))
            .group_by(ChannelMember.channel_id)
        ):
            sizes[str(channel)] -= int(count)
    rows = session.execute(
        select(
            Channel.channel_id,
            Channel.name,
            Channel.is_private,
            Channel.is_im,
            Channel.is_mpim,
            Channel.access_lost_at.is_not(None),
        ).where(Channel.team_id == team_id, *([] if channel_id is None else [Channel.channel_id == channel_id]))
    )
    return [
        Conversation(
            channel_id=channel,
            name=name or "",
            # A channel Slack no longer lets Handoff read counts as private: nobody is shown it by name.
            kind=DIRECT if is_im or is_mpim else PRIVATE if is_private or lost else PUBLIC,
            people=sizes.get(channel, 0),
        )
        for channel, name, is_private, is_im, is_mpim, lost in rows
    ]


def workspace_people(*, session: Session, team_id: str) -> int:
    """The people of the workspace Handoff knows: their profiles, and members of its channels it never read."""
    profiles = session.scalar(
        select(func.count()).where(
            Person.team_id == team_id,
            Person.is_bot.is_(False),
            Person.deleted.is_(False),
            # People of another organization in a shared channel are not the workspace's.
            Person.is_external.is_(False),
        )
    )
    bot_user = session.scalar(select(Team.bot_user_id).where(Team.team_id == team_id))
    never_read = (
        select(ChannelMember.user_id)
        .distinct()
        .where(
            ChannelMember.team_id == team_id,
            ChannelMember.user_id != (bot_user or ""),
            ~exists().where(Person.team_id == team_id, Person.user_id == ChannelMember.user_id),
        )
        .subquery()
    )
    return int(profiles or 0) + int(session.scalar(select(func.count()).select_from(never_read)) or 0)


def people_in(*, session: Session, team_id: str, channel_ids: Sequence[str]) -> int:
    """How many people these conversations hold between them (each counted once)."""
    if not channel_ids:
        return 0
    members = (
        select(ChannelMember.user_id)
        .distinct()
        .where(
            ChannelMember.team_id == team_id,
            ChannelMember.channel_id.in_(list(channel_ids)),
            ChannelMember.user_id.not_in(sorted(not_people(session=session, team_id=team_id)) or [""]),
        )
        .subquery()
    )
    return int(session.scalar(select(func.count()).select_from(members)) or 0)


def member_of(*, session: Session, team_id: str, user_id: str) -> set[str]:
    """The conversations a person is in and may see (`store.visibility`: not one Handoff can no longer vouch for)."""
    return set(
        session.scalars(
            select(ChannelMember.channel_id)
            .join(Channel, and_(Channel.team_id == team_id, Channel.channel_id == ChannelMember.channel_id))
            .where(ChannelMember.team_id == team_id, ChannelMember.user_id == user_id, shown())
        )
    )
