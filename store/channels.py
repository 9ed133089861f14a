"""Channels and their members, as Slack describes them (who may see what they hold: `store.visibility`)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from store.models import Channel, ChannelMember, Team
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
    # Whether Handoff's own bot user is in it, as Slack says for this workspace's token. Never
    # assumed: an export, or a look-up that could not tell, says False.
    is_member: bool = False


def get_channel(*, session: Session, team_id: str, channel_id: str) -> Channel | None:
    """One channel, if Handoff knows it."""
    return session.get(Channel, (team_id, channel_id))


def save_channel(*, session: Session, info: ChannelInfo, now: datetime, from_slack: bool = True) -> None:
    """Create or refresh a channel from Slack's description of it (safe against a concurrent writer).

    Slack answering for the channel means this workspace can read it again (`access_lost_at` is
    cleared); `from_slack=False` (a description from an export) leaves that mark as it is.
    """
    values: dict[str, object] = {
        "team_id": info.team_id,
        "channel_id": info.channel_id,
        "name": info.name,
        # Direct messages are as private as a private channel: only their members may see them.
        "is_private": info.is_private or info.is_im or info.is_mpim,
        "is_im": info.is_im,
        "is_mpim": info.is_mpim,
        "is_archived": info.is_archived,
        "is_ext_shared": info.is_ext_shared,
        "is_member": info.is_member,
        "updated_at": now,
    }
    if from_slack:
        values["access_lost_at"] = None
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


def is_member(*, session: Session, team_id: str, channel_id: str, user_id: str) -> bool:
    """True when `user_id` is in the channel."""
    return session.get(ChannelMember, (team_id, channel_id, user_id)) is not None


def lose_access(*, session: Session, team_id: str, channel_id: str, now: datetime) -> bool:
    """Slack no longer lets this workspace read the channel: hide it until a re-read succeeds; True if news."""
    result = session.execute(
        update(Channel)
        .where(Channel.team_id == team_id, Channel.channel_id == channel_id, Channel.access_lost_at.is_(None))
        .values(access_lost_at=now, is_member=False, updated_at=now)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def bot_left(*, session: Session, team_id: str, channel_id: str, now: datetime) -> Channel | None:
    """Handoff's bot user left the channel (or was removed); the channel as it was, if Handoff was in it."""
    row = get_channel(session=session, team_id=team_id, channel_id=channel_id)
    if row is None or not row.is_member:
        return None
    row.is_member = False
    row.updated_at = now
    return row


def receiving(*, session: Session, team_id: str, channel_id: str) -> bool:
    """Whether the workspace keeps the channel's traffic: unknown yet, or readable and (if private) Handoff's."""
    row = get_channel(session=session, team_id=team_id, channel_id=channel_id)
    return row is None or (row.access_lost_at is None and (row.is_member or not row.is_private))


def batch_after(*, session: Session, team_id: str, after: str, limit: int) -> list[Channel]:
    """The workspace's channels (not DMs) with ids after `after`, in id order: a re-check's next batch."""
    return list(
        session.scalars(
            select(Channel)
            .where(Channel.team_id == team_id, Channel.channel_id > after, Channel.is_im.is_(False))
            .order_by(Channel.channel_id)
            .limit(limit)
        )
    )


def teams_with_channels(*, session: Session) -> list[str]:
    """Workspaces, still installed, with channels on record."""
    return list(
        session.scalars(
            select(Channel.team_id)
            .distinct()
            .join(Team, Team.team_id == Channel.team_id)
            .where(Team.uninstalled_at.is_(None))
            .order_by(Channel.team_id)
        )
    )
