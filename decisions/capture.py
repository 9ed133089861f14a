"""Filing decisions from Slack traffic: a decision emoji added or removed, a source message changed.

The live functions run inside an event's processing (see `ingest.runner`): Slack reads happen in
`prepare`, before the unit of work; the writes happen in it, together with the scheduled job
that shows the change in Slack (`decisions.sync`). Their cores (`file_message`, `source_edited`,
`source_deleted`) take plain values instead of the event, so that an import of a Slack export
(`slack_export`) files decisions with the same code, from what the export says.
"""

from __future__ import annotations

import logging
from contextlib import nullcontext
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session

from bot.deps import Deps
from decisions import sync
from decisions.emoji import decision_emoji_for, is_one_of
from ingest.discovery import Discovered, learn
from ingest.message_text import message_text
from ingest.runner import EventContext
from store import catchups, channels, people, traffic
from store import decisions as store
from store.decisions import NewDecision
from store.models import Decision

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Prepared:
    """What filing from a message needs, read before the transaction."""

    channel_id: str
    ts: str
    text: str
    author_id: str | None
    thread_ts: str | None
    permalink: str | None


def is_decision_emoji(context: EventContext, name: str, *, session: Session | None = None) -> bool:
    """Whether this reaction files a decision in the event's workspace."""
    with nullcontext(session) if session is not None else context.deps.read_session_factory() as reading:
        names = decision_emoji_for(session=reading, settings=context.deps.settings, team_id=context.team_id)
    return is_one_of(names, name)


OUTSIDER_NOTE = (
    "This channel is shared with another organization, and decisions made here are filed by "
    "members of the workspace that uses Handoff. Ask one of them to add :{emoji}: to the message."
)


def reacted_from_outside(context: EventContext, found: Discovered, channel_id: str, user_id: str) -> bool:
    """Whether the reaction comes from someone of another organization (Slack Connect)."""
    with context.deps.read_session_factory() as session:
        channel = channels.get_channel(session=session, team_id=context.team_id, channel_id=channel_id)
        shared = context.envelope.is_ext_shared_channel or bool(channel and channel.is_ext_shared)
        if not shared:
            return False
        if ("person", user_id) not in found.stored:
            # Slack would not say who they are: not one of this workspace's members.
            return True
        fetched = next((p for p in found.profiles if p.user_id == user_id), None)
        if fetched is not None:
            return fetched.is_external
        person = people.get_person(session=session, team_id=context.team_id, user_id=user_id)
        return bool(person and person.is_external)


def tell_outsider(context: EventContext, channel_id: str, user_id: str) -> None:
    """Say, to them only, why their reaction filed nothing."""
    with context.deps.read_session_factory() as session:
        emoji = decision_emoji_for(session=session, settings=context.deps.settings, team_id=context.team_id)
    try:
        context.client.chat_postEphemeral(channel=channel_id, user=user_id, text=OUTSIDER_NOTE.format(emoji=emoji[0]))
    except SlackApiError as exc:
        logger.info("cannot tell %s in %s why nothing was filed: %s", user_id, channel_id, exc.response.get("error"))


def prepare(context: EventContext, channel_id: str, ts: str) -> Prepared | None:
    """Read the message to file, unless a decision exists for it already (then there is nothing to read)."""
    with context.deps.read_session_factory() as session:
        if store.for_message(session=session, team_id=context.team_id, channel_id=channel_id, ts=ts) is not None:
            return None
        stored = from_store(session=session, team_id=context.team_id, channel_id=channel_id, ts=ts, permalink=None)
    if stored is None:
        # The message predates Handoff (or overtook its own event): one read from Slack.
        message = _fetch_message(context.client, channel_id, ts)
        if message is None:
            logger.info("decision reaction on %s/%s: the message cannot be read", channel_id, ts)
            return None
        stored = Prepared(
            channel_id=channel_id,
            ts=ts,
            text=message_text(message),
            author_id=message.get("user"),
            thread_ts=message.get("thread_ts"),
            permalink=None,
        )
    return replace(stored, permalink=permalink(context.client, channel_id, ts))


def from_store(*, session: Session, team_id: str, channel_id: str, ts: str, permalink: str | None) -> Prepared | None:
    """What filing needs, from the message as stored; None when it is not stored or was deleted."""
    stored = traffic.get_message(session=session, team_id=team_id, channel_id=channel_id, ts=ts)
    if stored is None or stored.deleted_at is not None:
        return None
    return Prepared(
        channel_id=channel_id,
        ts=ts,
        text=stored.text,
        author_id=stored.user_id,
        thread_ts=stored.thread_ts,
        permalink=permalink,
    )


def file_from_reaction(
    *, session: Session, context: EventContext, prepared: Prepared | None, channel_id: str, ts: str, user_id: str
) -> bool:
    """File (or re-file, if retracted) the decision for a reacted message; True when it changed."""
    if prepared is None:
        decision = store.for_message(session=session, team_id=context.team_id, channel_id=channel_id, ts=ts)
        if decision is None or not store.reinstate(
            session=session, decision=decision, actor_id=user_id, now=context.now
        ):
            return False
        sync.schedule(session=session, decision=decision, now=context.now)
        return True
    decision = file_message(
        session=session, team_id=context.team_id, prepared=prepared, logged_by=user_id, now=context.now
    )
    if decision is None:
        return False
    # Filing a decision counts as using Handoff: the person's morning catch-up starts.
    catchups.engage(session=session, team_id=context.team_id, user_id=user_id, now=context.now)
    sync.schedule(session=session, decision=decision, now=context.now)
    return True


def file_message(
    *, session: Session, team_id: str, prepared: Prepared, logged_by: str, now: datetime
) -> Decision | None:
    """File the decision of a reacted message, with the thread around it; None when the message has one already.

    The part of filing that is the decision log's own record; showing it in Slack and starting the
    logger's catch-up are the live path's (`file_from_reaction`).
    """
    decision, created = store.file(
        session=session,
        new=NewDecision(
            team_id=team_id,
            channel_id=prepared.channel_id,
            message_ts=prepared.ts,
            thread_ts=prepared.thread_ts,
            text=prepared.text,
            author_id=prepared.author_id,
            logged_by=logged_by,
            permalink=prepared.permalink,
            source="reaction",
        ),
        now=now,
    )
    if not created:
        return None
    thread = traffic.thread_messages(
        session=session, team_id=team_id, channel_id=prepared.channel_id, thread_ts=prepared.thread_ts or prepared.ts
    )
    # A message alone is no thread: keep one only when there is a conversation around it.
    if len(thread) > 1:
        store.keep_thread(session=session, decision=decision, messages=thread)
    return decision


def retract_on_removal(*, session: Session, context: EventContext, channel_id: str, ts: str, user_id: str) -> bool:
    """The person who logged a decision took their emoji back, and nobody else's remains: retract it."""
    decision = store.for_message(session=session, team_id=context.team_id, channel_id=channel_id, ts=ts)
    if decision is None or decision.logged_by != user_id:
        return False
    remaining = traffic.reactions_on(session=session, team_id=context.team_id, channel_id=channel_id, ts=ts)
    if any(is_decision_emoji(context, reaction.name, session=session) for reaction in remaining):
        return False
    if not store.retract(session=session, decision=decision, actor_id=user_id, now=context.now):
        return False
    sync.schedule(session=session, decision=decision, now=context.now)
    return True


def follow_edit(*, session: Session, context: EventContext, channel_id: str, ts: str, text: str) -> bool:
    """A source message was edited: its decision follows."""
    return source_edited(
        session=session, team_id=context.team_id, channel_id=channel_id, ts=ts, text=text, now=context.now
    )


def follow_deletion(*, session: Session, context: EventContext, channel_id: str, ts: str) -> bool:
    """A source message was deleted: its decision stays, marked so."""
    return source_deleted(session=session, team_id=context.team_id, channel_id=channel_id, ts=ts, now=context.now)


def source_edited(
    *, session: Session, team_id: str, channel_id: str, ts: str, text: str, now: datetime, post_new: bool = True
) -> bool:
    """The decision of an edited message takes its new text; True when it changed.

    `post_new=False` keeps Handoff's message about the decision in step only where one was posted
    (an import never posts into old threads).
    """
    decision = store.for_message(session=session, team_id=team_id, channel_id=channel_id, ts=ts)
    if decision is None or not store.follow_source_edit(
        session=session, decision=decision, text=text, actor_id=decision.author_id, now=now
    ):
        return False
    _show(session=session, decision=decision, now=now, post_new=post_new)
    return True


def source_deleted(
    *, session: Session, team_id: str, channel_id: str, ts: str, now: datetime, post_new: bool = True
) -> bool:
    """The decision of a deleted message stays, marked so; True when it changed (`post_new` as in `source_edited`)."""
    decision = store.for_message(session=session, team_id=team_id, channel_id=channel_id, ts=ts)
    if decision is None or not store.mark_source_deleted(session=session, decision=decision, now=now):
        return False
    _show(session=session, decision=decision, now=now, post_new=post_new)
    return True


def _show(*, session: Session, decision: Decision, now: datetime, post_new: bool) -> None:
    if post_new or decision.confirmation_ts is not None:
        sync.schedule(session=session, decision=decision, now=now)


def learn_channel(deps: Deps, team_id: str, channel_id: str) -> Discovered:
    """Read a channel Handoff has not seen (privacy and members), so its decisions can be shown to the right people.

    For a decision typed with `/decision` or the modal, which may come from a channel no event has
    come from yet. Save the result in the same unit of work as the decision.
    """
    return learn(deps, team_id=team_id, channel_ids=[channel_id])


def _fetch_message(client: WebClient, channel_id: str, ts: str) -> dict[str, Any] | None:
    try:
        history = client.conversations_history(channel=channel_id, latest=ts, inclusive=True, limit=1)
        for message in history.get("messages") or []:
            if message.get("ts") == ts:
                return dict(message)
        # Not in the channel's history: a thread reply.
        replies = client.conversations_replies(channel=channel_id, ts=ts, latest=ts, inclusive=True, limit=1)
        for message in replies.get("messages") or []:
            if message.get("ts") == ts:
                return dict(message)
    except SlackApiError as exc:
        if exc.response.get("error") in {"channel_not_found", "not_in_channel", "thread_not_found"}:
            return None
        raise
    return None


def permalink(client: WebClient, channel_id: str, ts: str) -> str | None:
    """A message's permalink, or None when Slack cannot find it."""
    try:
        return str(client.chat_getPermalink(channel=channel_id, message_ts=ts)["permalink"])
    except SlackApiError as exc:
        if exc.response.get("error") in {"channel_not_found", "message_not_found"}:
            return None
        raise
