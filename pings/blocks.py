"""How pings read in Slack: the recipient's DM, and the sender's receipt."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from decisions.blocks import quoted
from digest.text import escape, readable

# Block Kit: 50 blocks per message; one section per ping, with room for the header.
PINGS_PER_MESSAGE = 45
PING_TEXT_LIMIT = 2_500
CANCEL_ACTION = "ping_cancel"
EDIT_ACTION = "ping_edit"
CONFIRM_URGENT_ACTION = "ping_confirm_urgent"
HOLD_INSTEAD_ACTION = "ping_hold_instead"


def when(instant: datetime, pattern: str = "{date_short_pretty} at {time}") -> str:
    """A Slack date token: every reader sees it in their own time zone."""
    fallback = instant.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return f"<!date^{int(instant.timestamp())}^{pattern}|{fallback}>"


def ping_section(ping: Any, *, with_urgent_label: bool = True) -> dict[str, Any]:
    """One ping in a DM: who, when, where from, and the text (inert: no mention in it pings anyone)."""
    where = (
        f" in <#{ping.source_channel_id}>"
        if ping.source_channel_id and not ping.source_channel_id.startswith("D")
        else ""
    )
    link = f" · <{ping.permalink}|open the conversation>" if ping.permalink else ""
    label = ":rotating_light: *Urgent* · " if ping.urgent and with_urgent_label else ""
    head = f"{label}*<@{ping.sender_id}>* · {when(ping.created_at)}{where}{link}"
    return {
        "type": "section",
        "text": {"type": "mrkdwn", "text": f"{head}\n{quoted(ping.text, limit=PING_TEXT_LIMIT)}"},
    }


def dm_messages(pings: Sequence[Any], *, held: bool) -> list[tuple[str, list[dict[str, Any]]]]:
    """The recipient's message(s): one, unless a morning holds more pings than a message can."""
    if not held and len(pings) == 1:
        ping = pings[0]
        title = "Urgent ping" if ping.urgent else "A ping"
        text = f"{title} from <@{ping.sender_id}>: {escape(readable(ping.text)[:150])}"
        return [(text, [ping_section(ping)])]
    count = len(pings)
    title = f"While you were away: {count} ping{'s' if count != 1 else ''}"
    out: list[tuple[str, list[dict[str, Any]]]] = []
    for start in range(0, count, PINGS_PER_MESSAGE):
        chunk = pings[start : start + PINGS_PER_MESSAGE]
        blocks: list[dict[str, Any]] = []
        if start == 0:
            blocks.append({"type": "header", "text": {"type": "plain_text", "text": title}})
            blocks.append(
                {
                    "type": "context",
                    "elements": [{"type": "mrkdwn", "text": "Sent while you were off; nothing here needed you then."}],
                }
            )
        blocks.extend(ping_section(ping) for ping in chunk)
        out.append((title if start == 0 else f"{title} (continued)", blocks))
    return out


def receipt(
    lines: Sequence[tuple[str, str, int | None]], *, note: str | None = None
) -> tuple[str, list[dict[str, Any]]]:
    """The sender's receipt: one line per recipient (recipient, what happened, held ping id to edit/cancel)."""
    text = "\n".join(f"<@{recipient}>: {outcome}" for recipient, outcome, _ in lines)
    blocks: list[dict[str, Any]] = []
    if note:
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": note}})
    for recipient, outcome, ping_id in lines:
        section: dict[str, Any] = {"type": "section", "text": {"type": "mrkdwn", "text": f"<@{recipient}> · {outcome}"}}
        if ping_id is not None:
            section["accessory"] = held_menu(ping_id)
        blocks.append(section)
    return text, blocks


def held_menu(ping_id: int) -> dict[str, Any]:
    """Edit / Cancel for a held ping."""
    return {
        "type": "overflow",
        "action_id": "ping_menu",
        "options": [
            {"text": {"type": "plain_text", "text": "Edit the text"}, "value": f"{EDIT_ACTION}:{ping_id}"},
            {"text": {"type": "plain_text", "text": "Cancel this ping"}, "value": f"{CANCEL_ACTION}:{ping_id}"},
        ],
    }
