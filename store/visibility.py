"""Who may see what a channel holds: the one rule every read of channel content goes through.

A channel's content (its decisions, traffic, summaries and figures) is shown only while Handoff
can vouch for who is in it, and it fails closed:
- a public channel of the workspace: to anyone of the workspace;
- a private channel, group DM or DM: to its members, and only while Handoff itself is in it
  (Slack tells an app nothing about who joins or leaves a channel it is not in, so the member
  list Handoff holds would freeze);
- a channel Slack no longer lets the workspace read (`access_lost_at`: a Slack Connect channel
  disconnected from it, say): to nobody, until a re-read succeeds;
- a channel Handoff has no record of: to nobody.
Nothing is deleted when a channel is hidden: it shows again once Slack lets Handoff see it and
its members have been read again. Search, exports, App Home, catch-ups, pickers, stats and review
reminders all ask here, in SQL (`visible`) or for one channel (`can_see`), so the rule is written once.
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import ColumnElement, and_, exists, func, or_, select
from sqlalchemy.orm import Session

from store.models import Channel, ChannelMember


def shown() -> ColumnElement[bool]:
    """Channels whose content may be shown to anyone at all (needs `Channel` in the query)."""
    return and_(Channel.access_lost_at.is_(None), or_(Channel.is_private.is_(False), Channel.is_member.is_(True)))


def _is_in(viewer_id: str) -> ColumnElement[bool]:
    return exists().where(
        ChannelMember.team_id == Channel.team_id,
        ChannelMember.channel_id == Channel.channel_id,
        ChannelMember.user_id == viewer_id,
    )


def visible(*, team_id: str, viewer_id: str) -> ColumnElement[bool]:
    """Channels of `team_id` that `viewer_id` may see (needs `Channel` in the query)."""
    return and_(Channel.team_id == team_id, shown(), or_(Channel.is_private.is_(False), _is_in(viewer_id)))


def can_see(*, session: Session, team_id: str, channel_id: str, user_id: str) -> bool:
    """Whether `user_id` may see what `channel_id` holds."""
    found = session.scalar(
        select(Channel.channel_id).where(Channel.channel_id == channel_id, visible(team_id=team_id, viewer_id=user_id))
    )
    return found is not None


def visible_ids(*, session: Session, team_id: str, user_id: str, among: Collection[str]) -> set[str]:
    """Which of the channels `among` `user_id` may see."""
    if not among:
        return set()
    return set(
        session.scalars(
            select(Channel.channel_id).where(
                Channel.channel_id.in_(sorted(among)), visible(team_id=team_id, viewer_id=user_id)
            )
        )
    )


def find_visible_by_name(*, session: Session, team_id: str, user_id: str, name: str) -> str | None:
    """A channel's id from its name (as typed in `in:#name`), among the channels `user_id` may see only.

    A hidden channel and one that does not exist answer alike, so a name reveals nothing.
    """
    return session.scalars(
        select(Channel.channel_id)
        .where(func.lower(Channel.name) == name.lower(), visible(team_id=team_id, viewer_id=user_id))
        .order_by(Channel.channel_id)
    ).first()
