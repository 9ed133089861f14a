"""Processors for who is where: channel membership and lifecycle, people and their profiles.

Privacy and membership follow Slack, never a cached flag: an event that may change who can see a
channel (shared, unshared, unarchived, Handoff added) re-reads the channel and its members at
once, and one that takes Handoff out of a channel marks it so (`store.visibility` then hides a
private channel's content from everyone until Handoff is back).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from decisions import hidden_channels
from ingest.event_fields import required_id, required_object
from ingest.runner import EventContext
from ingest.slack_objects import profile_from_user
from pings.my_hours import reschedule_held
from store import channels, people, working_hours


def on_member_joined_channel(context: EventContext) -> None:
    """`member_joined_channel`: someone (perhaps Handoff itself) joined a channel."""
    channel_id, user_id = required_id(context.event, "channel"), required_id(context.event, "user")
    # When Handoff itself is added, (re)read the whole member list: we missed what happened meanwhile.
    found = context.discover(
        channel_ids=[channel_id],
        user_ids=[user_id],
        refresh_channels=user_id == _bot_user_id(context),
    )
    with context.unit_of_work() as session:
        found.save(session=session, now=context.now)
        if channels.get_channel(session=session, team_id=context.team_id, channel_id=channel_id) is not None:
            channels.add_member(
                session=session,
                team_id=context.team_id,
                channel_id=channel_id,
                user_id=user_id,
                now=context.now,
            )


def on_member_left_channel(context: EventContext) -> None:
    """`member_left_channel`: from now on they may not see what the channel holds."""
    channel_id, user_id = required_id(context.event, "channel"), required_id(context.event, "user")
    with context.unit_of_work() as session:
        channels.remove_member(session=session, team_id=context.team_id, channel_id=channel_id, user_id=user_id)
        if user_id == _bot_user_id(context):
            _handoff_left(context, session, channel_id)


def on_channel_left(context: EventContext) -> None:
    """`channel_left`/`group_left`: Handoff was removed from a channel."""
    channel_id = required_id(context.event, "channel")
    with context.unit_of_work() as session:
        _handoff_left(context, session, channel_id)


def _handoff_left(context: EventContext, session: Session, channel_id: str) -> None:
    """Slack tells an app nothing more about a channel it left: a private one's members are told why it hides."""
    was = channels.bot_left(session=session, team_id=context.team_id, channel_id=channel_id, now=context.now)
    if was is not None and was.is_private and not (was.is_im or was.is_mpim):
        hidden_channels.tell_members(session=session, channel=was, now=context.now)


def on_channel_rename(context: EventContext) -> None:
    """`channel_rename`/`group_rename`."""
    channel = required_object(context.event, "channel")
    channel_id = required_id(channel, "id", within="channel.")
    with context.unit_of_work() as session:
        channels.update_channel(
            session=session,
            team_id=context.team_id,
            channel_id=channel_id,
            now=context.now,
            name=str(channel.get("name") or ""),
        )


def _set_flag(context: EventContext, **fields: object) -> None:
    channel_id = required_id(context.event, "channel")
    with context.unit_of_work() as session:
        channels.update_channel(
            session=session, team_id=context.team_id, channel_id=channel_id, now=context.now, **fields
        )


def on_channel_archive(context: EventContext) -> None:
    """`channel_archive`/`group_archive`."""
    _set_flag(context, is_archived=True)


def on_channel_unarchive(context: EventContext) -> None:
    """`channel_unarchive`/`group_unarchive`: back in use; who is in it may have changed meanwhile."""
    _reread(context)


def on_channel_deleted(context: EventContext) -> None:
    """`channel_deleted`/`group_deleted`."""
    _set_flag(context, is_archived=True, is_member=False)


def on_channel_shared(context: EventContext) -> None:
    """`channel_shared`: the channel now reaches another organization (Slack Connect), and its people."""
    _reread(context)


def on_channel_unshared(context: EventContext) -> None:
    """`channel_unshared`: re-read whether any external organization remains, and who is left.

    For the workspace disconnected from the channel Slack answers `channel_not_found`: the channel is
    then marked unreadable (nothing more is stored or copied, its content is hidden) until Slack
    lets this workspace read it again.
    """
    _reread(context)


def _reread(context: EventContext) -> None:
    """Read the event's channel and its members from Slack now, whatever Handoff has on record."""
    channel = context.event.get("channel")
    if isinstance(channel, dict):
        channel_id = required_id(channel, "id", within="channel.")
    else:
        channel_id = required_id(context.event, "channel")
    found = context.discover(channel_ids=[channel_id], refresh_channels=True)
    with context.unit_of_work() as session:
        found.save(session=session, now=context.now)


def on_user_change(context: EventContext) -> None:
    """`user_change`/`team_join`: the event carries the whole user object, time zone included."""
    user = required_object(context.event, "user")
    required_id(user, "id", within="user.")
    profile = profile_from_user(context.team_id, user, enterprise_id=context.envelope.enterprise_id)
    with context.unit_of_work() as session:
        before = people.get_person(session=session, team_id=context.team_id, user_id=profile.user_id)
        moved = before is not None and before.tz != profile.tz
        people.save_profile(session=session, profile=profile, now=context.now)
        if moved:
            # A new profile zone moves the pings held for them and their next catch-up (unless
            # they set a zone of their own, in which case nothing changes).
            session.flush()
            schedule = working_hours.schedule_for(
                session=session, team_id=context.team_id, user_id=profile.user_id, today=context.now.date()
            )
            reschedule_held(session=session, schedule=schedule, team_id=context.team_id, now=context.now)


def _bot_user_id(context: EventContext) -> str | None:
    return context.envelope.bot_user_id
