"""Channels and their members: who may see what a channel holds."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from store.models import Channel, ChannelMember
from store.upsert import insert_ignore, insert_ignore_many, upsert


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


def save_channel(*, session: Session, info: ChannelInfo, now: datetime, is_member: bool = True) -> None:
    """Create or refresh a channel from Slack's description of it (safe against a concurrent writer).

    `is_member`: whether Handoff itself is in it (False for a channel known only from an export).
    """
    values = {
        "team_id": info.team_id,
        "channel_id": info.channel_id,
        "name": info.name,
        # Direct messages are as private as a private channel: only their members may see them.
        "is_private": info.is_private or info.is_im or info.is_mpim,
        "is_im": info.is_im,
        "is_mpim": info.is_mpim,
        "is_archived": info.is_archived,
        "is_ext_shared": info.is_ext_shared,
        "is_member": is_member,
        "updated_at": now,
    }
    upsert(session=session, model=Channel, values=values, key=["team_id", "channel_id"])


def update_channel(*, session: Session, team_id: str, channel_id: str, now: datetime, **fields: object) -> bool:
    """Change some fields of a known channel (rename, archive…); False when it is unknown."""
    row = get_channel(session=session, team_id=team_id, channel_id=channel_id)
    if row is None:
        return False
    for name, value in fields.items():
        setattr(row, name, value)
    row.updated_at = now
    return True


def replace_members(
    *, session: Session, team_id: str, channel_id: str, user_ids: Iterable[str], now: datetime, synced: bool = True
) -> None:
    """Set a channel's member list to exactly `user_ids` (from `conversations.members`).

    `synced=False` (a list from an export) leaves the channel marked as not read from Slack, so the
    first event from it reads the current members.
    """
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
    insert_ignore_many(
        session=session,
        model=ChannelMember,
        rows=[
            {"team_id": team_id, "channel_id": channel_id, "user_id": user_id, "joined_at": now}
            for user_id in sorted(wanted - current)
        ],
        key=["team_id", "channel_id", "user_id"],
        returning=["user_id"],
    )
    if not synced:
        return
    session.execute(
        update(Channel)
        .where(Channel.team_id == team_id, Channel.channel_id == channel_id)
        .values(members_synced_at=now)
    )


def add_member(*, session: Session, team_id: str, channel_id: str, user_id: str, now: datetime) -> bool:
    """Record that someone joined; False when they were already a member."""
    return insert_ignore(
        session=session,
        model=ChannelMember,
        values={"team_id": team_id, "channel_id": channel_id, "user_id": user_id, "joined_at": now},
        key=["team_id", "channel_id", "user_id"],
    )


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


def find_by_name(*, session: Session, team_id: str, name: str) -> str | None:
    """A channel's id from its name (as typed in `in:#name`), if Handoff knows it."""
    return session.scalars(
        select(Channel.channel_id).where(Channel.team_id == team_id, func.lower(Channel.name) == name.lower())
    ).first()


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
