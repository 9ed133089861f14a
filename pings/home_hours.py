"""App Home's *Your working hours* section: the hours as `/hours` words them, time off to cancel, the buttons."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pings.my_hours import hours_line, now_line, span
from store.working_hours import Schedule

EDIT_ACTION = "hours_home_edit"
CANCEL_OFF_ACTION = "hours_home_cancel_off"
RESET_ACTION = "hours_home_reset"
# App Home holds 100 blocks, shared with reviews and decisions: past this many spans, `/hours` lists them all.
SHOWN_TIME_OFF = 8


def hours_section(schedule: Schedule, now: datetime, *, note: str | None = None) -> list[dict[str, Any]]:
    """The section's blocks; `note` says how the person's last change went."""
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": "Your working hours"}},
        {"type": "section", "text": {"type": "mrkdwn", "text": f"{hours_line(schedule)}\n{now_line(schedule, now)}"}},
    ]
    for off in schedule.time_off[:SHOWN_TIME_OFF]:
        blocks.append(
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": f"*Time off:* {span(off)}"},
                "accessory": {
                    "type": "button",
                    "action_id": CANCEL_OFF_ACTION,
                    "text": {"type": "plain_text", "text": "Cancel"},
                    "value": off.first.isoformat(),
                },
            }
        )
    hidden = len(schedule.time_off) - SHOWN_TIME_OFF
    if hidden > 0:
        blocks.append(_context(f"…and {hidden} more time off: `/hours` lists it all."))
    if note:
        blocks.append(_context(note))
    buttons: list[dict[str, Any]] = [
        {
            "type": "button",
            "action_id": EDIT_ACTION,
            "style": "primary",
            "text": {"type": "plain_text", "text": "Change hours…"},
            "value": "edit",
        }
    ]
    if schedule.own_hours:
        buttons.append(
            {
                "type": "button",
                "action_id": RESET_ACTION,
                "text": {"type": "plain_text", "text": "Back to the default"},
                "value": "reset",
                "confirm": {
                    "title": {"type": "plain_text", "text": "Back to the default hours?"},
                    "text": {
                        "type": "plain_text",
                        "text": "Your own hours are dropped and the workspace's default hours apply. "
                        "Your time zone and time off stay as they are.",
                    },
                    "confirm": {"type": "plain_text", "text": "Use the default"},
                    "deny": {"type": "plain_text", "text": "Keep mine"},
                },
            }
        )
    blocks.append({"type": "actions", "block_id": "hours_controls", "elements": buttons})
    return blocks


def _context(text: str) -> dict[str, Any]:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text}]}
