"""The decision modal: *Log as decision* on a message, `/decision` alone, and *Add the why*."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack
from slack_sdk import WebClient

from bot.deps import Deps
from bot.surfaces import CommandHelp, Surfaces
from decisions import review, sync
from decisions.blocks import SUPERSEDE_ACTION, WHY_ACTION
from decisions.capture import learn_channel, permalink
from decisions.modal import (
    FILE_CALLBACK,
    SUPERSEDE_CALLBACK,
    WHY_CALLBACK,
    Source,
    file_view,
    read_details,
    read_replaces,
    supersede_view,
    why_view,
)
from handlers import guards
from ingest.message_text import message_text
from store import decisions as store
from store import visibility
from store.decisions import ACCEPTED, CHOSEN, NewDecision, SupersedeError

logger = logging.getLogger(__name__)

LOG_MESSAGE_SHORTCUT = "decision_log_message"


def register(surfaces: Surfaces) -> None:
    """Register the shortcut, the *Add the why* button and both modals' submissions."""
    surfaces.message_shortcut(
        LOG_MESSAGE_SHORTCUT,
        on_log_message,
        guard=guards.files_in_shortcut_channel(),
        help=CommandHelp("⋯ on a message → Log as decision", "file it with the why, alternatives, owner and tags"),
    )
    surfaces.action(WHY_ACTION, on_add_why, guard=guards.changes_decision())
    surfaces.view(FILE_CALLBACK, on_file_submitted, guard=guards.files_in_modal_channel())
    surfaces.view(WHY_CALLBACK, on_why_submitted, guard=guards.changes_decision_in_modal())
    surfaces.action(SUPERSEDE_ACTION, on_supersede, guard=guards.changes_decision())
    surfaces.view(SUPERSEDE_CALLBACK, on_supersede_submitted, guard=guards.supersedes_in_modal())


def open_file_modal(
    deps: Deps, client: WebClient, *, team_id: str, trigger_id: str, source: Source, text: str, user_id: str
) -> None:
    """Open the modal to file a decision, offering the channel's open decisions it may replace.

    Those are offered only to someone who may see the channel's log (`store.visibility`).
    """
    with deps.read_session_factory() as session:
        shown = visibility.can_see(session=session, team_id=team_id, channel_id=source.channel_id, user_id=user_id)
        found = store.replaceable(session=session, team_id=team_id, channel_id=source.channel_id) if shown else []
        candidates = [(d.id, d.text) for d in found]
    client.views_open(
        trigger_id=trigger_id, view=file_view(source=source, text=text, owner_id=user_id, candidates=candidates)
    )


def on_log_message(ack: Ack, shortcut: dict[str, Any], context: dict[str, Any], client: WebClient) -> None:
    """Message shortcut *Log as decision*: the modal, pre-filled from the message."""
    ack()
    who = guards.actor(context)
    message = shortcut.get("message") or {}
    source = Source(
        channel_id=str((shortcut.get("channel") or {}).get("id")),
        message_ts=str(message.get("ts")),
        thread_ts=message.get("thread_ts"),
        author_id=message.get("user"),
    )
    open_file_modal(
        context["deps"],
        client,
        team_id=who.team_id,
        trigger_id=str(shortcut["trigger_id"]),
        source=source,
        text=message_text(message),
        user_id=who.user_id,
    )


def on_file_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: dict[str, Any]) -> None:
    """The filled-in modal: file the decision with its why, alternatives, tags, owner, review date."""
    deps: Deps = context["deps"]
    now = deps.clock.now()
    details, errors = read_details(view["state"]["values"], today=now.date())
    source = Source.decode(view.get("private_metadata", ""))
    who = guards.actor(context)
    team_id, user_id = who.team_id, who.user_id
    replaces_id = read_replaces(view["state"]["values"])
    if not errors:
        with deps.read_session_factory() as session:
            if source.message_ts is not None and store.for_message(
                session=session, team_id=team_id, channel_id=source.channel_id, ts=source.message_ts
            ):
                errors["title"] = "This message is in the log already: use *Add the why* on Handoff's reply to it."
            older = store.get(session=session, team_id=team_id, decision_id=replaces_id) if replaces_id else None
            if replaces_id and (older is None or older.channel_id != source.channel_id or older.status not in CHOSEN):
                errors["replaces"] = "That decision can no longer be replaced; pick another or leave this empty."
    if errors:
        ack(response_action="errors", errors=errors)
        return
    ack()
    link = permalink(deps.slack.for_team(team_id), source.channel_id, source.message_ts) if source.message_ts else None
    channel = learn_channel(deps, team_id, source.channel_id)
    assert details.text is not None
    with deps.session_factory.begin() as session:
        channel.save(session=session, now=now)
        decision, _ = store.file(
            session=session,
            new=NewDecision(
                team_id=team_id,
                channel_id=source.channel_id,
                text=details.text,
                logged_by=user_id,
                source="shortcut" if source.message_ts else "command",
                message_ts=source.message_ts,
                thread_ts=source.thread_ts,
                author_id=source.author_id or user_id,
                permalink=link,
                status=details.status or ACCEPTED,
            ),
            now=now,
        )
        store.set_details(session=session, decision=decision, details=details, actor_id=user_id, now=now)
        older = store.get(session=session, team_id=team_id, decision_id=replaces_id) if replaces_id else None
        if older is not None:
            try:
                store.supersede(session=session, newer=decision, older=older, actor_id=user_id, now=now)
                sync.schedule(session=session, decision=older, now=now)
            except SupersedeError as exc:
                # Someone changed it between the check above and now; the new decision still stands.
                logger.info("decision %s filed without replacing %s: %s", decision.id, older.id, exc)
        sync.schedule(session=session, decision=decision, now=now)
        review.schedule(session=session, decision=decision, now=now)
    sync.deliver_due(deps)


def on_add_why(ack: Ack, body: dict[str, Any], context: dict[str, Any], client: WebClient) -> None:
    """*Add the why* on a decision message: the modal with its current why."""
    ack()
    deps: Deps = context["deps"]
    decision_id = int(body["actions"][0]["value"])
    with deps.read_session_factory() as session:
        decision = store.get(session=session, team_id=guards.actor(context).team_id, decision_id=decision_id)
    if decision is None:
        return
    client.views_open(
        trigger_id=str(body["trigger_id"]),
        view=why_view(decision_id=decision.id, why=decision.why, alternatives=decision.alternatives),
    )


def on_why_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: dict[str, Any]) -> None:
    """Save the why (and the alternatives) with a revision, and show it on the decision message."""
    deps: Deps = context["deps"]
    now = deps.clock.now()
    details, errors = read_details(view["state"]["values"], today=now.date())
    if errors or not details.why:
        ack(response_action="errors", errors=errors or {"why": "Write the reason, even in one line."})
        return
    ack()
    who = guards.actor(context)
    with deps.session_factory.begin() as session:
        decision = store.get(session=session, team_id=who.team_id, decision_id=int(view["private_metadata"]))
        if decision is None:
            return
        if store.set_details(session=session, decision=decision, details=details, actor_id=who.user_id, now=now):
            sync.schedule(session=session, decision=decision, now=now)
    sync.deliver_due(deps)


def on_supersede(ack: Ack, body: dict[str, Any], context: dict[str, Any], client: WebClient) -> None:
    """*Supersede…* on a decision message: pick the earlier decision it replaces."""
    ack()
    deps: Deps = context["deps"]
    with deps.read_session_factory() as session:
        newer = store.get(
            session=session, team_id=guards.actor(context).team_id, decision_id=int(body["actions"][0]["value"])
        )
        candidates = (
            [
                (d.id, d.text)
                for d in store.replaceable(
                    session=session, team_id=newer.team_id, channel_id=newer.channel_id, exclude_id=newer.id
                )
            ]
            if newer
            else []
        )
    if newer is None:
        return
    client.views_open(trigger_id=str(body["trigger_id"]), view=supersede_view(newer_id=newer.id, candidates=candidates))


def on_supersede_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: dict[str, Any]) -> None:
    """Link the two decisions; both messages then show the link, and the older one its new status."""
    deps: Deps = context["deps"]
    now = deps.clock.now()
    who = guards.actor(context)
    team_id = who.team_id
    picked = ((view["state"]["values"].get("older") or {}).get("value") or {}).get("selected_option") or {}
    with deps.session_factory.begin() as session:
        newer = store.get(session=session, team_id=team_id, decision_id=int(view["private_metadata"]))
        older = store.get(session=session, team_id=team_id, decision_id=int(picked.get("value") or 0))
        if newer is None or older is None:
            ack(response_action="errors", errors={"older": "That decision is no longer in the log."})
            return
        try:
            store.supersede(session=session, newer=newer, older=older, actor_id=who.user_id, now=now)
        except SupersedeError as exc:
            # Nothing was changed: supersede checks everything before it writes.
            ack(response_action="errors", errors={"older": str(exc)})
            return
        sync.schedule(session=session, decision=newer, now=now)
        sync.schedule(session=session, decision=older, now=now)
    ack()
    sync.deliver_due(deps)
