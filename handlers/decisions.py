"""`/decision` and the buttons on Handoff's decision messages."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, Respond
from slack_sdk import WebClient

from bot.deps import Deps
from bot.surfaces import CommandHelp, Surfaces
from decisions import sync
from decisions.blocks import THREAD_ACTION, UNDO_ACTION, thread_blocks
from decisions.capture import learn_channel
from decisions.emoji import decision_emoji_for
from decisions.modal import Source
from handlers import guards
from handlers.decision_modals import open_file_modal
from store import decisions as store
from store.decisions import NewDecision

DECISION_HELP = [
    CommandHelp("/decision <what was decided>", "file a decision in this channel's log"),
    CommandHelp("/decision", "open the form: what was decided, why, alternatives, tags, owner, review date"),
]
USAGE = (
    "Write the decision after the command, for example `/decision We ship the beta on Monday`. "
    "You can also react to any message with :{emoji}: to file it."
)


def register(surfaces: Surfaces) -> None:
    """Register `/decision` and the decision message's buttons."""
    surfaces.command("/decision", on_decision, help=DECISION_HELP)
    # The reaction is an event the worker processes (handlers.events), not a Bolt listener.
    surfaces.way_in(CommandHelp("React with {emoji} to a message", "file it as a decision; confirmed in the thread"))
    surfaces.action(UNDO_ACTION, on_undo, guard=guards.changes_decision())
    surfaces.action(THREAD_ACTION, on_show_thread, guard=guards.sees_decision())


def on_decision(
    ack: Ack, command: dict[str, Any], context: dict[str, Any], respond: Respond, client: WebClient
) -> None:
    """`/decision <text>`: file it, attributed to the sender, and show it in the channel."""
    deps: Deps = context["deps"]
    text = str(command.get("text") or "").strip()
    if text.lower() in {"help", "?", "-h", "--help"}:
        with deps.read_session_factory() as session:
            emoji = decision_emoji_for(session=session, settings=deps.settings, team_id=str(command["team_id"]))
        ack(text=USAGE.format(emoji=emoji[0]))
        return
    if not text:
        # `/decision` alone: the full modal, for the why, alternatives, tags, owner and review date.
        ack()
        open_file_modal(
            deps,
            client,
            team_id=str(command["team_id"]),
            trigger_id=str(command["trigger_id"]),
            source=Source(channel_id=str(command["channel_id"])),
            text="",
            user_id=str(command["user_id"]),
        )
        return
    now = deps.clock.now()
    with deps.session_factory.begin() as session:
        decision, _ = store.file(
            session=session,
            new=NewDecision(
                team_id=str(command["team_id"]),
                channel_id=str(command["channel_id"]),
                text=text,
                logged_by=str(command["user_id"]),
                author_id=str(command["user_id"]),
                source="command",
            ),
            now=now,
        )
        sync.schedule(session=session, decision=decision, now=now)
        decision_id = decision.id
    ack(text="Filed in the decision log.")
    # After the ack, which must not wait on Slack: learn the channel's privacy and members, so the
    # decision is shown to exactly the right people.
    channel = learn_channel(deps, str(command["team_id"]), str(command["channel_id"]))
    with deps.session_factory.begin() as session:
        channel.save(session=session, now=now)
    sync.deliver_due(deps)
    with deps.read_session_factory() as session:
        shown = store.get(session=session, team_id=str(command["team_id"]), decision_id=decision_id)
    if shown is not None and shown.confirmation_ts is None:
        respond(
            text="It's in the log, but I couldn't post it here: I'm not in this channel. "
            "Invite me with `/invite @Handoff` to show decisions here.",
            response_type="ephemeral",
        )


def on_undo(ack: Ack, body: dict[str, Any], context: dict[str, Any], respond: Respond) -> None:
    """*Undo* on a decision message: retract it (its guard let through only who may change it)."""
    ack()
    deps: Deps = context["deps"]
    who = guards.actor(context)
    now = deps.clock.now()
    with deps.session_factory.begin() as session:
        decision = store.get(session=session, team_id=who.team_id, decision_id=int(body["actions"][0]["value"]))
        if decision is None:
            respond(text="That decision is no longer in the log.", response_type="ephemeral", replace_original=False)
            return
        if store.retract(session=session, decision=decision, actor_id=who.user_id, now=now):
            sync.schedule(session=session, decision=decision, now=now)
    sync.deliver_due(deps)


def on_show_thread(ack: Ack, body: dict[str, Any], context: dict[str, Any], respond: Respond) -> None:
    """*Show the thread*: the kept thread, to the person who asked only (its guard checked they may see it)."""
    ack()
    deps: Deps = context["deps"]
    team_id = guards.actor(context).team_id
    with deps.read_session_factory() as session:
        decision = store.get(session=session, team_id=team_id, decision_id=int(body["actions"][0]["value"]))
        if decision is None:
            respond(text="That decision is no longer in the log.", response_type="ephemeral", replace_original=False)
            return
        messages = [
            (m.user_id, m.text, m.posted_at)
            for m in store.thread_of(session=session, team_id=team_id, decision_id=decision.id)
        ]
        blocks = thread_blocks(decision, messages)
    respond(text="The thread around this decision", blocks=blocks, response_type="ephemeral", replace_original=False)
