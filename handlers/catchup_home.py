"""App Home's catch-up controls: on or off, the time, daily or weekly, channels to leave out."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack
from slack_sdk import WebClient

from bot.deps import Deps
from bot.surfaces import Surfaces
from digest.catchup_command import At, Cadence, CatchUpCommand, Switch
from digest.home_section import CADENCE_ACTION, EXCLUDE_ACTION, SWITCH_ACTION, TIME_ACTION
from digest.prefs import apply, set_excluded
from handlers import guards
from handlers.home import HomeFilter, publish_home


def register(surfaces: Surfaces) -> None:
    """Register the catch-up controls of the Home tab."""
    for action_id in (SWITCH_ACTION, TIME_ACTION, CADENCE_ACTION, EXCLUDE_ACTION):
        surfaces.action(action_id, on_control, guard=guards.member())


def on_control(ack: Ack, body: dict[str, Any], context: dict[str, Any], client: WebClient) -> None:
    """Apply the change as `/catchup` would, then show the Home tab again."""
    ack()
    deps: Deps = context["deps"]
    who = guards.actor(context)
    team_id, user_id = who.team_id, who.user_id
    action = body["actions"][0]
    if action["action_id"] == EXCLUDE_ACTION:
        set_excluded(
            deps, team_id=team_id, user_id=user_id, channel_ids=list(action.get("selected_conversations") or [])
        )
    else:
        command = _command(action)
        if command is not None:
            apply(deps, team_id=team_id, user_id=user_id, command=command)
    view = body.get("view") or {}
    publish_home(
        deps,
        client,
        team_id=team_id,
        user_id=user_id,
        lines=context["surfaces"].help_lines(),
        home_filter=HomeFilter.decode(view.get("private_metadata")),
    )


def _command(action: dict[str, Any]) -> CatchUpCommand | None:
    """The control's value as a `/catchup` command (None for a value this version does not offer)."""
    value = str(action.get("value") or (action.get("selected_option") or {}).get("value") or "")
    if action["action_id"] == SWITCH_ACTION:
        return Switch(on=value == "on")
    if action["action_id"] == TIME_ACTION:
        return At(minute=None) if value == "start" else At(minute=int(value)) if value.isdigit() else None
    if value == "daily":
        return Cadence(weekly=False)
    day = value.removeprefix("weekly:")
    return Cadence(weekly=True, weekday=int(day)) if day.isdigit() and int(day) < 7 else None
