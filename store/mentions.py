"""Mentions of people outside their hours, the once-a-day notes to senders, and each channel's choice about them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.models import ChannelSettings, Mention, MentionNotice, WorkspaceSettings
from store.upsert import insert_ignore, upsert


@dataclass(frozen=True)
class OffHoursMention:
    """One person @mentioned in a channel message while they were off."""

    team_id: str
    channel_id: str
    ts: str
    sender_id: str
    recipient_id: str
    posted_at: datetime


def record(*, session: Session, mention: OffHoursMention) -> bool:
    """Keep the mention for the recipient's catch-up; False when it was already kept (a redelivered event)."""
    return insert_ignore(
        session=session,
        model=Mention,
        values={
            "team_id": mention.team_id,
            "channel_id": mention.channel_id,
            "ts": mention.ts,
            "sender_id": mention.sender_id,
            "recipient_id": mention.recipient_id,
            "posted_at": mention.posted_at,
        },
        key=["team_id", "channel_id", "ts", "recipient_id"],
    )


def claim_notice(*, session: Session, team_id: str, sender_id: str, recipient_id: str, day: date) -> bool:
    """True for the first claim of (sender, recipient, day): only that one tells the sender."""
    return insert_ignore(
        session=session,
        model=MentionNotice,
        values={"team_id": team_id, "sender_id": sender_id, "recipient_id": recipient_id, "day": day},
        key=["team_id", "sender_id", "recipient_id", "day"],
    )


def notices_on(*, session: Session, team_id: str, channel_id: str) -> bool:
    """Whether senders here are told someone they mention is off (on unless the workspace or channel said no)."""
    if not workspace_notices_on(session=session, team_id=team_id):
        return False
    chosen = session.scalar(
        select(ChannelSettings.mention_notices).where(
            ChannelSettings.team_id == team_id, ChannelSettings.channel_id == channel_id
        )
    )
    return chosen is None or bool(chosen)


def workspace_notices_on(*, session: Session, team_id: str) -> bool:
    """Whether off-hours notes are on in the workspace at all (an admin can turn them off everywhere)."""
    chosen = session.scalar(select(WorkspaceSettings.mention_notices).where(WorkspaceSettings.team_id == team_id))
    return chosen is not False


def set_notices(*, session: Session, team_id: str, channel_id: str, on: bool, actor_id: str, now: datetime) -> None:
    """Switch the off-hours notes on or off for one channel."""
    upsert(
        session=session,
        model=ChannelSettings,
        values={
            "team_id": team_id,
            "channel_id": channel_id,
            "mention_notices": on,
            "updated_by": actor_id,
            "updated_at": now,
        },
        key=["team_id", "channel_id"],
    )


def for_recipient(*, session: Session, team_id: str, recipient_id: str, since: datetime) -> list[Mention]:
    """The mentions kept for someone since an instant, oldest first."""
    return list(
        session.scalars(
            select(Mention)
            .where(Mention.team_id == team_id, Mention.recipient_id == recipient_id, Mention.posted_at >= since)
            .order_by(Mention.posted_at, Mention.id)
        )
    )
