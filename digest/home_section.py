"""The catch-up on App Home: the latest one in full, how it comes, and the controls to change that."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.block_kit import option
from digest.prefs import PrefsView
from digest.render import render_home
from digest.stored import from_json
from hours.days import FULL_NAMES

SWITCH_ACTION = "catchup_switch"
TIME_ACTION = "catchup_time"
CADENCE_ACTION = "catchup_cadence"
EXCLUDE_ACTION = "catchup_exclude"
# Times offered on Home, every half hour from 06:00 to 12:00; `/catchup at HH:MM` takes any other.
_TIMES = [6 * 60 + 30 * n for n in range(13)]


def catchup_section(
    content: dict[str, Any] | None, *, settings: str, prefs: PrefsView, now: datetime
) -> list[dict[str, Any]]:
    """The latest catch-up (when there is one) under its own header, then the person's settings and controls."""
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": "Your latest catch-up"}},
    ]
    if content:
        blocks.extend(render_home(from_json(content), now=now))
    else:
        blocks.append(
            {
                "type": "section",
                "text": {
                    "type": "mrkdwn",
                    "text": "Your first catch-up will be here after it arrives; `/catchup` shows one now.",
                },
            }
        )
    blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": settings}]})
    blocks.extend(controls(prefs))
    return blocks


def controls(prefs: PrefsView) -> list[dict[str, Any]]:
    """On or off, when, how often, and which channels to leave out."""
    switch = {
        "type": "button",
        "action_id": SWITCH_ACTION,
        "text": {"type": "plain_text", "text": "Turn off" if prefs.on else "Turn on"},
        "value": "off" if prefs.on else "on",
    }
    if not prefs.on:
        switch["style"] = "primary"
    times = [option("At the start of my hours", "start")] + [option(_clock(m), str(m)) for m in _TIMES]
    chosen_time = str(prefs.at_minute) if prefs.at_minute is not None else "start"
    if chosen_time not in {o["value"] for o in times}:
        times.append(option(_clock(prefs.at_minute or 0), chosen_time))
    cadences = [option("Every working day", "daily")] + [
        option(f"Weekly, on {name.capitalize()}", f"weekly:{day}") for day, name in enumerate(FULL_NAMES)
    ]
    chosen_cadence = "daily" if prefs.weekly_on is None else f"weekly:{prefs.weekly_on}"
    exclude: dict[str, Any] = {
        "type": "multi_conversations_select",
        "action_id": EXCLUDE_ACTION,
        "placeholder": {"type": "plain_text", "text": "Channels to leave out"},
        "filter": {"include": ["public", "private"], "exclude_bot_users": True},
        "max_selected_items": 100,
    }
    if prefs.excluded:
        exclude["initial_conversations"] = list(prefs.excluded[:100])
    return [
        {
            "type": "actions",
            "block_id": "catchup_settings",
            "elements": [
                switch,
                {
                    "type": "static_select",
                    "action_id": TIME_ACTION,
                    "options": times,
                    "initial_option": next(o for o in times if o["value"] == chosen_time),
                },
                {
                    "type": "static_select",
                    "action_id": CADENCE_ACTION,
                    "options": cadences,
                    "initial_option": next(o for o in cadences if o["value"] == chosen_cadence),
                },
            ],
        },
        {"type": "actions", "block_id": "catchup_exclusions", "elements": [exclude]},
    ]


def _clock(minute: int) -> str:
    return f"At {minute // 60:02d}:{minute % 60:02d}"
