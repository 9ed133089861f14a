"""`/handoff admin`: the workspace settings modal, built from the current settings and read back, checked.

Plain functions of plain values: `admin_view` renders `AdminSettings`, `read_admin_form` turns a
submission into `AdminSettings` or `FormErrors` naming each input to fix and how.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time
from typing import Any

from bot.block_kit import input_block, option, plain
from decisions.emoji import EmojiError, parse_emoji_list
from hours.days import FULL_NAMES
from hours.form import FormErrors
from hours.zones import find_zone
from metrics.choices import HIGHEST_MIN_GROUP
from metrics.scopes import LOWEST_MIN_GROUP
from pings.workspace_defaults import MAX_URGENT_CAP

ADMIN_CALLBACK = "handoff_admin"
START_BLOCK, END_BLOCK, DAYS_BLOCK, ZONE_BLOCK = "admin_start", "admin_end", "admin_days", "admin_zone"
EMOJI_BLOCK, EXCLUDED_BLOCK, URGENT_BLOCK = "admin_emoji", "admin_excluded", "admin_urgent_cap"
RETENTION_BLOCK, NOTICES_BLOCK, GROUP_BLOCK = "admin_retention", "admin_notices", "admin_stats_group"
VALUE = "value"
MIN_RETENTION_DAYS, MAX_RETENTION_DAYS = 1, 3650
ZONE_LIMIT = 64
_DAY_VALUES = frozenset(str(day) for day in range(7))


@dataclass(frozen=True)
class AdminSettings:
    """What the modal shows and changes: the workspace's settings as they apply now."""

    start: time
    end: time
    days: frozenset[int]
    tz: str
    emoji: tuple[str, ...]
    excluded: frozenset[str]
    urgent_cap: int
    retention_days: int
    notices: bool
    # Team metrics show groups of at least this many people.
    stats_min_group: int


def admin_view(current: AdminSettings) -> dict[str, Any]:
    """The modal, filled in with the workspace's settings."""
    days = [option(FULL_NAMES[day].capitalize(), str(day)) for day in range(7)]
    notices = [option("On: tell people privately", "on"), option("Off in every channel", "off")]
    return {
        "type": "modal",
        "callback_id": ADMIN_CALLBACK,
        "title": plain("Handoff settings"),
        "submit": plain("Save"),
        "close": plain("Cancel"),
        "blocks": [
            {
                "type": "context",
                "elements": [
                    {
                        "type": "mrkdwn",
                        "text": "For everyone in this workspace. People's own hours, zones and catch-ups stay theirs.",
                    }
                ],
            },
            input_block(
                START_BLOCK,
                "Default hours: start",
                {"type": "timepicker", "action_id": VALUE, "initial_time": f"{current.start:%H:%M}"},
                hint="For people who set no hours of their own.",
            ),
            input_block(
                END_BLOCK,
                "Default hours: end",
                {"type": "timepicker", "action_id": VALUE, "initial_time": f"{current.end:%H:%M}"},
                hint="An end before the start is an overnight shift, e.g. 22:00 to 06:00.",
            ),
            input_block(
                DAYS_BLOCK,
                "Default working days",
                {
                    "type": "checkboxes",
                    "action_id": VALUE,
                    "options": days,
                    "initial_options": [days[day] for day in sorted(current.days)],
                },
            ),
            input_block(
                ZONE_BLOCK,
                "Default time zone",
                {"type": "plain_text_input", "action_id": VALUE, "initial_value": current.tz, "max_length": ZONE_LIMIT},
                hint="For people whose Slack profile has none, e.g. Europe/Berlin or UTC.",
            ),
            input_block(
                EMOJI_BLOCK,
                "Decision emoji",
                {"type": "plain_text_input", "action_id": VALUE, "initial_value": ", ".join(current.emoji)},
                hint="Reacting with one of these files a decision, e.g. memo, white_check_mark.",
            ),
            input_block(
                EXCLUDED_BLOCK,
                "Channels left out of catch-ups",
                {
                    "type": "multi_conversations_select",
                    "action_id": VALUE,
                    "filter": {"include": ["public", "private"], "exclude_bot_users": True},
                    **({"initial_conversations": sorted(current.excluded)} if current.excluded else {}),
                },
                optional=True,
                hint="Never summarized for anyone and never sent to a language model.",
            ),
            input_block(
                URGENT_BLOCK,
                "Urgent pings a day before Handoff asks",
                _number(current.urgent_cap, 0, MAX_URGENT_CAP),
                hint="Per sender. 0 asks before every urgent ping.",
            ),
            input_block(
                RETENTION_BLOCK,
                "Days channel traffic is kept",
                _number(current.retention_days, MIN_RETENTION_DAYS, MAX_RETENTION_DAYS),
                hint="Raw messages older than this are deleted; decisions are kept.",
            ),
            input_block(
                NOTICES_BLOCK,
                "Off-hours mention notices",
                {
                    "type": "radio_buttons",
                    "action_id": VALUE,
                    "options": notices,
                    "initial_option": notices[0 if current.notices else 1],
                },
                hint="Whether someone who @mentions a person outside their hours is told when they're back.",
            ),
            input_block(
                GROUP_BLOCK,
                "Smallest group in team metrics",
                _number(current.stats_min_group, LOWEST_MIN_GROUP, HIGHEST_MIN_GROUP),
                hint="/handoff stats and the weekly report show a group's figures only with at least this many people.",
            ),
        ],
    }


def read_admin_form(values: dict[str, Any]) -> AdminSettings:
    """The submitted state as checked settings; FormErrors names each input that needs fixing, and how."""
    errors: dict[str, str] = {}
    start = _time(_element(values, START_BLOCK).get("selected_time"))
    end = _time(_element(values, END_BLOCK).get("selected_time"))
    if start is None:
        errors[START_BLOCK] = "Pick the time the default working day starts."
    if end is None:
        errors[END_BLOCK] = "Pick the time the default working day ends."
    elif start == end:
        errors[END_BLOCK] = f"The default hours can't start and end at {end:%H:%M}: pick another end."
    chosen = _element(values, DAYS_BLOCK).get("selected_options") or []
    days = frozenset(int(option["value"]) for option in chosen if str(option.get("value")) in _DAY_VALUES)
    if not days:
        errors[DAYS_BLOCK] = "Tick at least one working day."
    typed = str(_element(values, ZONE_BLOCK).get("value") or "").strip()
    tz = find_zone(typed)
    if tz is None:
        errors[ZONE_BLOCK] = f"I don't know the time zone “{typed[:ZONE_LIMIT]}”. Use a name like Europe/Berlin or UTC."
    emoji: tuple[str, ...] = ()
    try:
        emoji = parse_emoji_list(str(_element(values, EMOJI_BLOCK).get("value") or ""))
    except EmojiError as exc:
        errors[EMOJI_BLOCK] = str(exc)
    excluded = frozenset(
        str(channel)
        for channel in _element(values, EXCLUDED_BLOCK).get("selected_conversations") or []
        if str(channel)[:1] in {"C", "G"}
    )
    urgent_cap = _whole(values, URGENT_BLOCK, 0, MAX_URGENT_CAP, errors)
    retention = _whole(values, RETENTION_BLOCK, MIN_RETENTION_DAYS, MAX_RETENTION_DAYS, errors)
    group = _whole(values, GROUP_BLOCK, LOWEST_MIN_GROUP, HIGHEST_MIN_GROUP, errors)
    notice = (_element(values, NOTICES_BLOCK).get("selected_option") or {}).get("value")
    if notice not in {"on", "off"}:
        errors[NOTICES_BLOCK] = "Choose on or off."
    if errors:
        raise FormErrors(errors)
    assert start is not None and end is not None and tz is not None
    assert urgent_cap is not None and retention is not None and group is not None
    return AdminSettings(
        start=start,
        end=end,
        days=days,
        tz=tz,
        emoji=emoji,
        excluded=excluded,
        urgent_cap=urgent_cap,
        retention_days=retention,
        notices=notice == "on",
        stats_min_group=group,
    )


def _whole(values: dict[str, Any], block_id: str, low: int, high: int, errors: dict[str, str]) -> int | None:
    raw = str(_element(values, block_id).get("value") or "").strip()
    if raw.isdigit() and low <= int(raw) <= high:
        return int(raw)
    errors[block_id] = f"Give a whole number from {low} to {high}."
    return None


def _element(values: dict[str, Any], block_id: str) -> dict[str, Any]:
    element = (values.get(block_id) or {}).get(VALUE)
    return element if isinstance(element, dict) else {}


def _time(raw: object) -> time | None:
    # The timepicker sends "HH:mm".
    try:
        return time.fromisoformat(raw) if isinstance(raw, str) and len(raw) == 5 else None
    except ValueError:
        return None


def _number(initial: int, low: int, high: int) -> dict[str, Any]:
    return {
        "type": "number_input",
        "action_id": VALUE,
        "is_decimal_allowed": False,
        "initial_value": str(initial),
        "min_value": str(low),
        "max_value": str(high),
    }
