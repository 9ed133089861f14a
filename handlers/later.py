"""`/later`, the *Deliver in their hours* shortcut, and the buttons on the sender's receipt."""

from __future__ import annotations

import json
from typing import Any

from slack_bolt import Ack, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.deps import Deps
from bot.surfaces import CommandHelp, Surfaces
from decisions.blocks import first_line
from decisions.capture import permalink
from digest.text import escape, inert, readable
from handlers import guards
from pings import changes
from pings.blocks import CANCEL_ACTION, CONFIRM_URGENT_ACTION, HOLD_INSTEAD_ACTION, receipt, when
from pings.later_command import USAGE, LaterInputError, parse_later
from pings.sending import CapReached, Outcome, Source, send
from store import held_pings, people

LATER_HELP = [
    CommandHelp("/later @person [@more] <message> [--urgent]", "deliver at the start of each one's working hours"),
    CommandHelp("/later list", "your pings still waiting, to edit or cancel"),
]
SHORTCUT = "later_message"
SHORTCUT_CALLBACK = "later_message_submit"
EDIT_CALLBACK = "ping_edit_submit"


def register(surfaces: Surfaces) -> None:
    """Register `/later`, its shortcut and the receipt's controls."""
    surfaces.command("/later", on_later, help=LATER_HELP)
    # Each changes only the acting person's own pings (`pings.changes` checks they sent them).
    surfaces.action("ping_menu", on_menu, guard=guards.member())
    surfaces.action(CONFIRM_URGENT_ACTION, on_cap_answer, guard=guards.member())
    surfaces.action(HOLD_INSTEAD_ACTION, on_cap_answer, guard=guards.member())
    surfaces.view(EDIT_CALLBACK, on_edit_submitted, guard=guards.member())
    surfaces.message_shortcut(
        SHORTCUT,
        on_shortcut,
        guard=guards.member(),
        help=CommandHelp("⋯ on a message → Deliver in their hours", "ping people about it when their day starts"),
    )
    surfaces.view(SHORTCUT_CALLBACK, on_shortcut_submitted, guard=guards.member())


def on_later(ack: Ack, command: dict[str, Any], context: dict[str, Any], respond: Respond) -> None:
    """`/later …`: ack at once; hold or send per recipient; answer with one receipt."""
    deps: Deps = context["deps"]
    raw = str(command.get("text") or "").strip()
    team_id, sender_id = str(command["team_id"]), str(command["user_id"])
    if raw.lower() in {"", "help", "?", "-h", "--help"}:
        ack(text=_help())
        return
    if raw.lower() == "list":
        ack()
        respond(**_list(deps, team_id, sender_id), response_type="ephemeral")
        return
    try:
        request = parse_later(raw)
    except LaterInputError as exc:
        blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": str(exc)}}]
        if len(raw) > 2_500:
            # Slack empties the message box after a command: give the text back, whole.
            blocks += [
                {"type": "section", "text": {"type": "plain_text", "text": raw[i : i + 2_900]}}
                for i in range(0, min(len(raw), 2_900 * 45), 2_900)
            ]
        ack(text=str(exc), blocks=blocks)
        return
    ack()
    recipients = list(request.recipients)
    unknown: list[str] = []
    with deps.read_session_factory() as session:
        for name in request.names:
            found = people.find_by_name(session=session, team_id=team_id, name=name)
            if found:
                recipients.append(found)
            else:
                unknown.append(name)
    result = send(
        deps,
        team_id=team_id,
        sender_id=sender_id,
        recipients=recipients,
        text=request.text,
        urgent=request.urgent,
        source=Source(channel_id=str(command.get("channel_id") or "") or None),
    )
    note = (
        f"I don't know anyone called @{', @'.join(map(inert, unknown))} here; they got nothing. Use @mentions."
        if unknown
        else None
    )
    respond(**_answer(result, note), response_type="ephemeral")


def _answer(result: list[Outcome] | CapReached, note: str | None = None) -> dict[str, Any]:
    if isinstance(result, CapReached):
        question = (
            f"You've sent {result.sent_today} urgent ping{'s' if result.sent_today != 1 else ''} today; "
            f"this workspace asks for a second thought past {result.cap}. Urgent pings reach people even at night."
        )
        value = ",".join(str(i) for i in result.ping_ids)
        text, blocks = receipt([(o.recipient_id, o.summary, None) for o in result.refused], note=question)
        blocks.append(
            {
                "type": "actions",
                "elements": [
                    _button("Hold for their hours", HOLD_INSTEAD_ACTION, value, style="primary"),
                    _button("Send as urgent anyway", CONFIRM_URGENT_ACTION, value, style="danger"),
                ],
            }
        )
        return {"text": question, "blocks": blocks}
    if not result:
        return {"text": note or "Nobody to send to."}
    text, blocks = receipt([(o.recipient_id, o.summary, None if o.sent else o.ping_id) for o in result], note=note)
    return {"text": text, "blocks": blocks}


def _button(label: str, action_id: str, value: str, *, style: str) -> dict[str, Any]:
    return {
        "type": "button",
        "action_id": action_id,
        "style": style,
        "text": {"type": "plain_text", "text": label},
        "value": value,
    }


def _help() -> str:
    return (
        "`/later @dana Can you review the RFC?` delivers it at the start of Dana's working hours "
        "(right away if she is working now). Several people: each gets it in their own morning. "
        "Add `--urgent` for something that can't wait. `/later list` shows what is still waiting. "
        f"{USAGE}"
    )


def _list(deps: Deps, team_id: str, sender_id: str) -> dict[str, Any]:
    with deps.read_session_factory() as session:
        waiting = held_pings.waiting_from(session=session, team_id=team_id, sender_id=sender_id)
    if not waiting:
        return {"text": "Nothing of yours is waiting: every ping you sent has been delivered."}
    lines = [(p.recipient_id, f"held until {when(p.due_at)}: {_excerpt(p.text)}", p.id) for p in waiting]
    text, blocks = receipt(lines, note=f"*Waiting to be delivered ({len(waiting)})*")
    return {"text": text, "blocks": blocks}


def _excerpt(text: str) -> str:
    line = first_line(readable(text), empty="")
    return escape(line[:80] + "…" if len(line) > 80 else line)


def on_menu(ack: Ack, body: dict[str, Any], context: dict[str, Any], respond: Respond, client: WebClient) -> None:
    """*Edit the text* / *Cancel this ping* on a receipt or in `/later list`."""
    ack()
    deps: Deps = context["deps"]
    who = guards.actor(context)
    team_id, user_id = who.team_id, who.user_id
    choice = str(((body["actions"][0].get("selected_option") or {}).get("value")) or "")
    action, _, raw_id = choice.partition(":")
    if not raw_id.isdigit():
        respond(text="That menu no longer works; try `/later list`.", response_type="ephemeral", replace_original=False)
        return
    if action == CANCEL_ACTION:
        change = changes.cancel(deps, team_id=team_id, sender_id=user_id, ping_id=int(raw_id))
        respond(text=change.message, response_type="ephemeral", replace_original=False)
        return
    text = changes.current_text(deps, team_id=team_id, sender_id=user_id, ping_id=int(raw_id))
    if text is None:
        respond(
            text="That ping has already gone out, so it can't be changed.",
            response_type="ephemeral",
            replace_original=False,
        )
        return
    client.views_open(trigger_id=str(body["trigger_id"]), view=_edit_view(int(raw_id), text))


def _edit_view(ping_id: int, text: str) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": EDIT_CALLBACK,
        "private_metadata": str(ping_id),
        "title": {"type": "plain_text", "text": "Edit your ping"},
        "submit": {"type": "plain_text", "text": "Save"},
        "blocks": [
            {
                "type": "input",
                "block_id": "text",
                "label": {"type": "plain_text", "text": "Message"},
                "element": {
                    "type": "plain_text_input",
                    "action_id": "value",
                    "multiline": True,
                    "max_length": 2_500,
                    # Stored as Slack wrote it (/later's text is escaped): shown as the words they typed.
                    "initial_value": readable(text)[:2_500],
                },
            }
        ],
    }


def on_edit_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: dict[str, Any]) -> None:
    """Save the new text while the ping is still held; else say why inline."""
    deps: Deps = context["deps"]
    value = ((view["state"]["values"].get("text") or {}).get("value") or {}).get("value") or ""
    who = guards.actor(context)
    change = changes.edit(
        deps,
        team_id=who.team_id,
        sender_id=who.user_id,
        ping_id=int(view["private_metadata"]),
        text=str(value),
    )
    if change.ok:
        ack()
    else:
        ack(response_action="errors", errors={"text": change.message})


def on_cap_answer(ack: Ack, body: dict[str, Any], context: dict[str, Any], respond: Respond) -> None:
    """The sender chose: urgent anyway, or held for each recipient's hours."""
    ack()
    action = body["actions"][0]
    ids = [int(part) for part in str(action.get("value") or "").split(",") if part.isdigit()]
    who = guards.actor(context)
    outcomes = changes.answer_cap(
        context["deps"],
        team_id=who.team_id,
        sender_id=who.user_id,
        ping_ids=ids,
        urgent=action["action_id"] == CONFIRM_URGENT_ACTION,
    )
    if not outcomes:
        respond(
            text="Already answered: those pings are on their way or held.",
            response_type="ephemeral",
            replace_original=True,
        )
        return
    respond(**_answer(outcomes), response_type="ephemeral", replace_original=True)


def on_shortcut(ack: Ack, shortcut: dict[str, Any], client: WebClient) -> None:
    """Message shortcut *Deliver in their hours*: who, a note, urgent or not."""
    ack()
    message = shortcut.get("message") or {}
    metadata = json.dumps({"channel_id": (shortcut.get("channel") or {}).get("id"), "ts": message.get("ts")})
    client.views_open(
        trigger_id=str(shortcut["trigger_id"]),
        view={
            "type": "modal",
            "callback_id": SHORTCUT_CALLBACK,
            "private_metadata": metadata,
            "title": {"type": "plain_text", "text": "Deliver in their hours"},
            "submit": {"type": "plain_text", "text": "Send"},
            "blocks": [
                {
                    "type": "input",
                    "block_id": "recipients",
                    "label": {"type": "plain_text", "text": "To"},
                    "element": {"type": "multi_users_select", "action_id": "value", "max_selected_items": 20},
                },
                {
                    "type": "input",
                    "block_id": "note",
                    "optional": True,
                    "label": {"type": "plain_text", "text": "Note"},
                    "element": {
                        "type": "plain_text_input",
                        "action_id": "value",
                        "multiline": True,
                        "max_length": 2_000,
                    },
                    "hint": {
                        "type": "plain_text",
                        "text": "The message itself is linked; say what you need from them.",
                    },
                },
                {
                    "type": "input",
                    "block_id": "urgent",
                    "optional": True,
                    "label": {"type": "plain_text", "text": "Urgency"},
                    "element": {
                        "type": "checkboxes",
                        "action_id": "value",
                        "options": [
                            {
                                "text": {"type": "plain_text", "text": "Urgent: deliver now, even at night"},
                                "value": "urgent",
                            }
                        ],
                    },
                },
            ],
        },
    )


def on_shortcut_submitted(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], context: dict[str, Any], client: WebClient
) -> None:
    """Send the ping about the message; the receipt comes as an ephemeral message in that channel."""
    ack()
    deps: Deps = context["deps"]
    who = guards.actor(context)
    team_id, sender_id = who.team_id, who.user_id
    values = view["state"]["values"]
    recipients = ((values.get("recipients") or {}).get("value") or {}).get("selected_users") or []
    note = str(((values.get("note") or {}).get("value") or {}).get("value") or "").strip()
    urgent = bool(((values.get("urgent") or {}).get("value") or {}).get("selected_options"))
    origin = json.loads(view.get("private_metadata") or "{}")
    channel_id, ts = origin.get("channel_id"), origin.get("ts")
    link = permalink(deps.slack.for_team(team_id), channel_id, ts) if channel_id and ts else None
    result = send(
        deps,
        team_id=team_id,
        sender_id=sender_id,
        recipients=[str(r) for r in recipients],
        text=note or "Have a look at this message when you're in.",
        urgent=urgent,
        source=Source(channel_id=channel_id, ts=ts, permalink=link),
    )
    answer = _answer(result)
    try:
        client.chat_postEphemeral(channel=channel_id, user=sender_id, **answer)
    except SlackApiError:
        dm = client.conversations_open(users=sender_id)["channel"]["id"]
        client.chat_postMessage(channel=dm, **answer)
