"""Processors for channel traffic: messages, edits, deletions and reactions."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from decisions import capture, sync
from ingest.discovery import Discovered
from ingest.event_fields import InvalidEvent, optional_id, required_id, required_object, required_ts
from ingest.message_text import message_text
from ingest.runner import EventContext
from pings import mentions
from store import channels, traffic
from store.slack_time import ts_to_datetime
from store.traffic import IncomingMessage

# Subtypes that are people talking; every other subtype is Slack narrating (joins, topic, pins…).
CONVERSATIONAL_SUBTYPES = frozenset({None, "thread_broadcast", "file_share", "me_message", "bot_message"})
# Subtypes of something a person said, so a user (or an app's bot_id) said it.
SPOKEN_SUBTYPES = frozenset({None, "thread_broadcast", "file_share", "me_message"})
# Subtypes that carry no new message of their own.
IGNORED_SUBTYPES = frozenset({"message_replied", "ekm_access_denied"})
# Slack keeps the channel's id when it changes privacy and says so with these (as `channel_type` "group"
# or "channel"): the channel and its members are read again at once, so visibility follows.
PRIVACY_SUBTYPES = frozenset({"channel_convert_to_private", "channel_convert_to_public"})


def incoming_message(team_id: str, channel_id: str, message: dict[str, Any]) -> IncomingMessage:
    """An IncomingMessage from a Slack message object."""
    given = message.get("subtype")
    # A subtype that is not text (malformed payloads carry lists and objects) is Slack narrating
    # something unknown: kept as a system message without a subtype, never looked up in a set.
    subtype = given if isinstance(given, str) else None
    ts = str(message["ts"])
    thread_ts = message.get("thread_ts")
    # message events can have $.bot_id while they also carry a user_id (apps acting as users).
    is_bot = bool(message.get("bot_id")) or subtype == "bot_message"
    return IncomingMessage(
        team_id=team_id,
        channel_id=channel_id,
        ts=ts,
        text=message_text(message),
        user_id=message.get("user"),
        thread_ts=str(thread_ts) if thread_ts else None,
        bot_id=message.get("bot_id"),
        subtype=subtype,
        is_bot=is_bot,
        is_system=(given is not None and subtype is None) or subtype not in CONVERSATIONAL_SUBTYPES,
    )


def on_message(context: EventContext) -> None:
    """`message` in any conversation Handoff is in, every subtype."""
    event = context.event
    subtype = event.get("subtype")
    if isinstance(subtype, str) and subtype in IGNORED_SUBTYPES:
        return
    channel_id = required_id(event, "channel")
    if subtype == "message_changed":
        _on_changed(context, channel_id)
    elif subtype == "message_deleted":
        _on_deleted(context, channel_id)
    else:
        _on_new(context, channel_id)


def _on_new(context: EventContext, channel_id: str) -> None:
    _check_message(context.event, within="", author=True)
    message = incoming_message(context.team_id, channel_id, context.event)
    speaker = [message.user_id] if message.user_id and not message.is_bot else []
    # The people it mentions are learned too: their time zones say whether they are off.
    mentioned = mentions.mentioned_ids(message.text, speaker[0]) if speaker else []
    found = context.discover(
        channel_ids=[channel_id],
        user_ids=[*speaker, *mentioned],
        refresh_channels=message.subtype in PRIVACY_SUBTYPES,
    )
    with context.unit_of_work() as session:
        context.ensure_team(session)
        found.save(session=session, now=context.now)
        if not _receiving(session, context, found, channel_id):
            return
        traffic.record_message(session=session, message=message, now=context.now)
        notice = mentions.note_off_hours(session=session, message=message) if mentioned else None
    if notice is not None:
        mentions.tell_sender(context.client, notice, context.now)


def _on_changed(context: EventContext, channel_id: str) -> None:
    new = required_object(context.event, "message")
    _check_message(new, within="message.", author=False)
    message = incoming_message(context.team_id, channel_id, new)
    raw_edited = new.get("edited")
    edited: dict[str, Any] = raw_edited if isinstance(raw_edited, dict) else {}
    if edited.get("ts") is not None:
        edited_ts = required_ts(edited, "ts", within="message.edited.")
    else:
        edited_ts = required_ts(context.event, "event_ts" if context.event.get("event_ts") else "ts")
    found = context.discover(
        channel_ids=[channel_id],
    )
    changed_decision = False
    with context.unit_of_work() as session:
        found.save(session=session, now=context.now)
        if not _receiving(session, context, found, channel_id):
            return
        stored = traffic.get_message(session=session, team_id=context.team_id, channel_id=channel_id, ts=message.ts)
        # Slack also sends message_changed for unfurls and reply counts; only a new text is an edit.
        if stored is not None and stored.text == message.text and not edited:
            return
        traffic.record_edit(session=session, message=message, edited_at=ts_to_datetime(str(edited_ts)), now=context.now)
        changed_decision = capture.follow_edit(
            session=session, context=context, channel_id=channel_id, ts=message.ts, text=message.text
        )
    if changed_decision:
        sync.deliver_due(context.deps)


def _on_deleted(context: EventContext, channel_id: str) -> None:
    previous = context.event.get("previous_message")
    if context.event.get("deleted_ts") is None and isinstance(previous, dict):
        deleted_ts = required_ts(previous, "ts", within="previous_message.")
    else:
        deleted_ts = required_ts(context.event, "deleted_ts")
    with context.unit_of_work() as session:
        traffic.record_deletion(
            session=session,
            team_id=context.team_id,
            channel_id=channel_id,
            ts=str(deleted_ts),
            now=context.now,
        )
        changed_decision = capture.follow_deletion(
            session=session, context=context, channel_id=channel_id, ts=str(deleted_ts)
        )
    if changed_decision:
        sync.deliver_due(context.deps)


def _receiving(session: Session, context: EventContext, found: Discovered, channel_id: str) -> bool:
    """Whether this workspace keeps what happens in the channel: not once Slack stopped letting it read the
    channel, nor for a private channel Handoff is not in (an event from either is a stale delivery or copy)."""
    if channel_id in found.unreadable:
        return False
    return channels.receiving(session=session, team_id=context.team_id, channel_id=channel_id)


def _reaction_target(context: EventContext) -> tuple[str, str, str, str] | None:
    item = required_object(context.event, "item")
    # Reactions on files and file comments have no message to attach to.
    if item.get("type") != "message":
        return None
    channel_id = required_id(item, "channel", within="item.")
    ts = required_ts(item, "ts", within="item.")
    user_id = required_id(context.event, "user")
    name = context.event.get("reaction")
    if not isinstance(name, str) or not name.strip():
        raise InvalidEvent("reaction", "is missing" if name is None else "is empty" if name == "" else "is not a name")
    return channel_id, ts, name, user_id


def _check_message(message: dict[str, Any], *, within: str, author: bool) -> None:
    """A message Handoff can store: its ts, its thread's, and who said it (when `author`: someone did).

    People's messages name their user; an app's carry `bot_id` instead; Slack's own notices may name neither.
    """
    required_ts(message, "ts", within=within)
    if message.get("thread_ts"):
        required_ts(message, "thread_ts", within=within)
    user_id = optional_id(message, "user", within=within)
    bot_id = optional_id(message, "bot_id", within=within)
    if author and user_id is None and bot_id is None and message.get("subtype") in SPOKEN_SUBTYPES:
        raise InvalidEvent(within + "user", "is missing (and no bot_id says an app wrote it)")


def on_reaction_added(context: EventContext) -> None:
    """`reaction_added` on a message."""
    target = _reaction_target(context)
    if target is None:
        return
    channel_id, ts, name, user_id = target
    found = context.discover(
        channel_ids=[channel_id],
        user_ids=[user_id],
    )
    decision_emoji = capture.is_decision_emoji(context, name)
    outsider = decision_emoji and capture.reacted_from_outside(context, found, channel_id, user_id)
    decision_emoji = decision_emoji and not outsider
    prepared = capture.prepare(context, channel_id, ts) if decision_emoji else None
    changed_decision = False
    with context.unit_of_work() as session:
        found.save(session=session, now=context.now)
        if not _receiving(session, context, found, channel_id):
            return
        traffic.add_reaction(
            session=session,
            team_id=context.team_id,
            channel_id=channel_id,
            ts=ts,
            name=name,
            user_id=user_id,
            now=context.now,
        )
        if decision_emoji:
            changed_decision = capture.file_from_reaction(
                session=session, context=context, prepared=prepared, channel_id=channel_id, ts=ts, user_id=user_id
            )
    if changed_decision:
        sync.deliver_due(context.deps)
    if outsider and not context.shared_with:
        # Where another workspace's Handoff shares the channel, the reaction is that workspace's to file.
        capture.tell_outsider(context, channel_id, user_id)


def on_reaction_removed(context: EventContext) -> None:
    """`reaction_removed` from a message."""
    target = _reaction_target(context)
    if target is None:
        return
    channel_id, ts, name, user_id = target
    changed_decision = False
    with context.unit_of_work() as session:
        traffic.remove_reaction(
            session=session, team_id=context.team_id, channel_id=channel_id, ts=ts, name=name, user_id=user_id
        )
        if capture.is_decision_emoji(context, name, session=session):
            changed_decision = capture.retract_on_removal(
                session=session, context=context, channel_id=channel_id, ts=ts, user_id=user_id
            )
    if changed_decision:
        sync.deliver_due(context.deps)
