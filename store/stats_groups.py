"""The groups team metrics are shown for: each conversation's kind and size, the workspace's size, who is where.

A group's size counts people: apps (Handoff's own bot user included) and deactivated accounts are
not counted. Someone Handoff knows only as a channel member (never seen their profile) counts.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, func, or_, select, union
from sqlalchemy.orm import Session

from metrics.scopes import DIRECT, PRIVATE, PUBLIC, Conversation
from store.models import Channel, ChannelMember, Person, Team


def _person_among_members() -> ColumnElement[bool]:
    """A channel member who is a person: not an app, not deactivated, not Handoff itself."""
    bot_user = select(Team.bot_user_id).where(Team.team_id == ChannelMember.team_id).scalar_subquery()
    return and_(
        or_(Person.user_id.is_(None), and_(Person.is_bot.is_(False), Person.deleted.is_(False))),
        ChannelMember.user_id != func.coalesce(bot_user, ""),
    )


def conversations(*, session: Session, team_id: str, channel_id: str | None = None) -> list[Conversation]:
    """Every conversation Handoff knows in the workspace (or just one), with its kind and how many people are in it."""
    one_member = [] if channel_id is None else [ChannelMember.channel_id == channel_id]
    one_channel = [] if channel_id is None else [Channel.channel_id == channel_id]
    members = select(ChannelMember.channel_id, func.count().label("people")).outerjoin(
        Person, and_(Person.team_id == ChannelMember.team_id, Person.user_id == ChannelMember.user_id)
    )
    sizes = {
        str(channel): int(count)
        for channel, count in session.execute(
            members.where(ChannelMember.team_id == team_id, _person_among_members(), *one_member).group_by(
                ChannelMember.channel_id
            )
        )
    }
    rows = session.execute(
        select(Channel.channel_id, Channel.name, Channel.is_private, Channel.is_im, Channel.is_mpim).where(
            Channel.team_id == team_id, *one_channel
        )
    )
    return [
        Conversation(
            channel_id=channel,
            name=name or "",
            kind=DIRECT if is_im or is_mpim else PRIVATE if is_private else PUBLIC,
            people=int(sizes.get(channel, 0)),
        )
        for channel, name, is_private, is_im, is_mpim in rows
    ]


def workspace_people(*, session: Session, team_id: str) -> int:
    """The people of the workspace Handoff knows: their profiles, and members of its channels and group DMs."""
    profiles = select(Person.user_id).where(
        Person.team_id == team_id,
        Person.is_bot.is_(False),
        Person.deleted.is_(False),
        Person.is_external.is_(False),
    )
    members = (
        select(ChannelMember.user_id)
        .outerjoin(Person, and_(Person.team_id == ChannelMember.team_id, Person.user_id == ChannelMember.user_id))
        .where(
            ChannelMember.team_id == team_id,
            _person_among_members(),
            # People of another organization in a shared channel are not the workspace's.
            or_(Person.user_id.is_(None), Person.is_external.is_(False)),
        )
    )
    everyone = union(profiles, members).subquery()
    return int(session.scalar(select(func.count()).select_from(everyone)) or 0)


def private_people(*, session: Session, team_id: str) -> int:
    """How many people are in the workspace's private conversations between them (each counted once)."""
    members = (
        select(ChannelMember.user_id)
        .distinct()
        .outerjoin(Person, and_(Person.team_id == ChannelMember.team_id, Person.user_id == ChannelMember.user_id))
        .join(Channel, and_(Channel.team_id == ChannelMember.team_id, Channel.channel_id == ChannelMember.channel_id))
        .where(ChannelMember.team_id == team_id, Channel.is_private.is_(True), _person_among_members())
    ).subquery()
    return int(session.scalar(select(func.count()).select_from(members)) or 0)


def member_of(*, session: Session, team_id: str, user_id: str) -> set[str]:
    """The conversations a person is in."""
    return set(
        session.scalars(
            select(ChannelMember.channel_id).where(ChannelMember.team_id == team_id, ChannelMember.user_id == user_id)
        )
    )
