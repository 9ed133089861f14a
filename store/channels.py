"""Channels and their members: who may see what a channel holds."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from store.models import Channel, ChannelMember


@dataclass(frozen=True)
class ChannelInfo:
    """What Slack says about a conversation (`conversations.info`)."""

    team_id: str
    channel_id: str
    name: str = ""
    is_private: bool = False
    is_im: bool = False
    is_mpim: bool = False
    is_archived: bool = False
    is_ext_shared: bool = False


def get_channel(*, session: Session, team_id: str, channel_id: str) -> Channel | None:
    """One channel, if Handoff knows it."""
    return session.get(Channel, (team_id, channel_id))


def save_channel(*, session: Session, info: ChannelInfo, now: datetime) -> Channel:
    """Create or refresh a channel from Slack's description of it."""
    row = get_channel(session=session, team_id=info.team_id, channel_id=info.channel_id)
    if row is None:
        row = Channel(team_id=info.team_id, channel_id=info.channel_id)
        session.add(row)
    row.name = info.name
    # A channel never becomes less private through an event we might have missed, so a
    # conversion to private always wins.
    row.is_private = info.is_private or info.is_im or info.is_mpim
    row.is_im = info.is_im
    row.is_mpim = info.is_mpim
    row.is_archived = info.is_archived
    row.is_ext_shared = info.is_ext_shared
    row.is_member = True
    row.updated_at = now
    session.flush()
    return row


def update_channel(*, session: Session, team_id: str, channel_id: str, now: datetime, **fields: object) -> bool:
    """Change some fields of a known channel (rename, archive…); False when it is unknown."""
    row = get_channel(session=session, team_id=team_id, channel_id=channel_id)
    if row is None:
        return False
    for name, value in fields.items():
        setattr(row, name, value)
    row.updated_at = now
    return True


def replace_members(*, session: Session, team_id: str, channel_id: str, user_ids: Iterable[str], now: datetime) -> None:
    """Set a channel's member list to exactly `user_ids` (from `conversations.members`)."""
    wanted = set(user_ids)
    current = set(member_ids(session=session, team_id=team_id, channel_id=channel_id))
    gone = current - wanted
    if gone:
        session.execute(
            delete(ChannelMember).where(
                ChannelMember.team_id == team_id,
                ChannelMember.channel_id == channel_id,
                ChannelMember.user_id.in_(gone),
            )
        )
    session.add_all(
        ChannelMember(team_id=team_id, channel_id=channel_id, user_id=user_id, joined_at=now)
        for user_id in sorted(wanted - current)
    )
    row = get_channel(session=session, team_id=team_id, channel_id=channel_id)
    if row is not None:
        row.members_synced_at = now
    session.flush()


def add_member(*, session: Session, team_id: str, channel_id: str, user_id: str, now: datetime) -> bool:
    """Record that someone joined; False when they were already a member."""
    if session.get(ChannelMember, (team_id, channel_id, user_id)) is not None:
        return False
    session.add(ChannelMember(team_id=team_id, channel_id=channel_id, user_id=user_id, joined_at=now))
    return True


def remove_member(*, session: Session, team_id: str, channel_id: str, user_id: str) -> bool:
    """Record that someone left; False when they were not a member."""
    result = session.execute(
        delete(ChannelMember).where(
            ChannelMember.team_id == team_id,
            ChannelMember.channel_id == channel_id,
            ChannelMember.user_id == user_id,
        )
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def member_ids(*, session: Session, team_id: str, channel_id: str) -> list[str]:
    """The members of a channel, sorted."""
    return list(
        session.scalars(
            select(ChannelMember.user_id)
            .where(ChannelMember.team_id == team_id, ChannelMember.channel_id == channel_id)
            .order_by(ChannelMember.user_id)
        )
    )


def is_member(*, session: Session, team_id: str, channel_id: str, user_id: str) -> bool:
    """True when `user_id` is in the channel."""
    return session.get(ChannelMember, (team_id, channel_id, user_id)) is not None


def can_see(*, session: Session, team_id: str, channel_id: str, user_id: str) -> bool:
    """Whether `user_id` may see the channel's content: public channels are open to the workspace.

    An unknown channel is treated as private, so nothing leaks before Handoff learns about it.
    """
    row = get_channel(session=session, team_id=team_id, channel_id=channel_id)
    if row is None:
        return False
    if not row.is_private:
        return True
    return is_member(session=session, team_id=team_id, channel_id=channel_id, user_id=user_id)
