"""`/hours`: working hours, time zone and time off."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack

from bot.deps import Deps
from bot.surfaces import CommandHelp, Surfaces
from hours.command import HoursInputError, parse_hours_command
from pings import delivery
from pings.my_hours import apply
from pings.sending import learn_people

HOURS_HELP = [
    CommandHelp("/hours [08:30-16:30 mon-thu] [Europe/Berlin]", "show or set your working hours and time zone"),
    CommandHelp("/hours tz Europe/Berlin|auto", "set only your time zone (auto follows your Slack profile)"),
    CommandHelp("/hours off 2026-12-24..2027-01-02", "record time off (pings wait until you're back)"),
    CommandHelp("/hours reset", "back to the workspace's default hours"),
]


def register(surfaces: Surfaces) -> None:
    """Register `/hours`."""
    surfaces.command("/hours", on_hours, help=HOURS_HELP)


def on_hours(ack: Ack, command: dict[str, Any], context: dict[str, Any]) -> None:
    """Parse, apply, answer — a mistake gets a message saying what to type instead."""
    deps: Deps = context["deps"]
    try:
        parsed = parse_hours_command(str(command.get("text") or ""))
    except HoursInputError as exc:
        ack(text=exc.message)
        return
    team_id, user_id = str(command["team_id"]), str(command["user_id"])
    # One users.info at most (people Handoff knows are not read again): their Slack time zone.
    learn_people(deps, team_id=team_id, user_ids=[user_id])
    ack(text=apply(deps, team_id=team_id, user_id=user_id, command=parsed))
    # After the ack, which must not wait on Slack: pings that may now go out, do.
    delivery.deliver_due(deps)
