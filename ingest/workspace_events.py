"""Processors for who is where: channel membership and lifecycle, people and their profiles."""

from __future__ import annotations

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
            channels.update_channel(
                session=session,
                team_id=context.team_id,
                channel_id=channel_id,
                now=context.now,
                is_member=False,
            )


def on_channel_left(context: EventContext) -> None:
    """`channel_left`/`group_left`: Handoff was removed from a channel."""
    channel_id = required_id(context.event, "channel")
    with context.unit_of_work() as session:
        channels.update_channel(
            session=session, team_id=context.team_id, channel_id=channel_id, now=context.now, is_member=False
        )


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
    """`channel_unarchive`/`group_unarchive`."""
    _set_flag(context, is_archived=False)


def on_channel_deleted(context: EventContext) -> None:
    """`channel_deleted`/`group_deleted`."""
    _set_flag(context, is_archived=True, is_member=False)


def on_channel_shared(context: EventContext) -> None:
    """`channel_shared`: the channel now reaches another organization (Slack Connect)."""
    _set_flag(context, is_ext_shared=True)


def on_channel_unshared(context: EventContext) -> None:
    """`channel_unshared`: re-read whether any external organization remains."""
    channel_id = required_id(context.event, "channel")
    found = context.discover(
        channel_ids=[channel_id],
        refresh_channels=True,
    )
    with context.unit_of_work() as session:
        found.save(session=session, now=context.now)


def on_user_change(context: EventContext) -> None:
    """`user_change`/`team_join`: the event carries the whole user object, time zone included."""
    user = required_object(context.event, "user")
    required_id(user, "id", within="user.")
    profile = profile_from_user(context.team_id, user)
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
