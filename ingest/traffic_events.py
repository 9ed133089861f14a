"""Processors for channel traffic: messages, edits, deletions and reactions."""

from __future__ import annotations

from typing import Any

from decisions import capture, sync
from ingest.runner import EventContext
from pings import mentions
from store import traffic
from store.slack_time import ts_to_datetime
from store.traffic import IncomingMessage

# Subtypes that are people talking; every other subtype is Slack narrating (joins, topic, pins…).
CONVERSATIONAL_SUBTYPES = frozenset({None, "thread_broadcast", "file_share", "me_message", "bot_message"})
# Subtypes that carry no new message of their own.
IGNORED_SUBTYPES = frozenset({"message_replied", "ekm_access_denied"})


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
        text=str(message.get("text") or ""),
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
    channel_id = event.get("channel")
    if (isinstance(subtype, str) and subtype in IGNORED_SUBTYPES) or not isinstance(channel_id, str):
        return
    if subtype == "message_changed":
        _on_changed(context, channel_id)
    elif subtype == "message_deleted":
        _on_deleted(context, channel_id)
    else:
        _on_new(context, channel_id)


def _on_new(context: EventContext, channel_id: str) -> None:
    message = incoming_message(context.team_id, channel_id, context.event)
    speaker = [message.user_id] if message.user_id and not message.is_bot else []
    # The people it mentions are learned too: their time zones say whether they are off.
    mentioned = mentions.mentioned_ids(message.text, speaker[0]) if speaker else []
    found = context.discover(channel_ids=[channel_id], user_ids=[*speaker, *mentioned])
    with context.unit_of_work() as session:
        context.ensure_team(session)
        found.save(session=session, now=context.now)
        traffic.record_message(session=session, message=message, now=context.now)
        notice = mentions.note_off_hours(session=session, message=message) if mentioned else None
    if notice is not None:
        mentions.tell_sender(context.client, notice, context.now)


def _on_changed(context: EventContext, channel_id: str) -> None:
    new = context.event.get("message")
    if not isinstance(new, dict) or "ts" not in new:
        return
    message = incoming_message(context.team_id, channel_id, new)
    edited = new.get("edited") or {}
    edited_ts = edited.get("ts") or context.event.get("event_ts") or context.event.get("ts")
    found = context.discover(
        channel_ids=[channel_id],
    )
    changed_decision = False
    with context.unit_of_work() as session:
        found.save(session=session, now=context.now)
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
    deleted_ts = context.event.get("deleted_ts") or (context.event.get("previous_message") or {}).get("ts")
    if not deleted_ts:
        return
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


def _reaction_target(context: EventContext) -> tuple[str, str, str, str] | None:
    item = context.event.get("item") or {}
    name, user_id = context.event.get("reaction"), context.event.get("user")
    # Reactions on files and file comments have no message to attach to.
    if item.get("type") != "message" or not all((item.get("channel"), item.get("ts"), name, user_id)):
        return None
    return str(item["channel"]), str(item["ts"]), str(name), str(user_id)


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
