"""`/catchup`: the catch-up on demand, and how and when it comes each morning."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, Respond

from bot.deps import Deps
from bot.surfaces import CommandHelp, Surfaces
from digest.catchup_command import CatchUpInputError, ShowNow, parse_catchup_command
from digest.prefs import apply, catch_up_now
from pings.sending import learn_people

CATCHUP_HELP = [
    CommandHelp("/catchup", "your catch-up now: what waits on you, what was decided, what channels said"),
    CommandHelp("/catchup settings", "on or off, a time, daily or weekly, channels to leave out"),
    CommandHelp("/catchup on|off|daily|weekly mon|at 08:00", "change one of those settings in a word"),
    CommandHelp("/catchup exclude|include #channel", "leave a channel out of your catch-up, or take it back"),
]


def register(surfaces: Surfaces) -> None:
    """Register `/catchup`."""
    surfaces.command("/catchup", on_catchup, help=CATCHUP_HELP)


def on_catchup(ack: Ack, command: dict[str, Any], context: dict[str, Any], respond: Respond) -> None:
    """Settings are answered in the ack; the catch-up itself after it (summaries may take a moment)."""
    deps: Deps = context["deps"]
    team_id, user_id = str(command["team_id"]), str(command["user_id"])
    try:
        parsed = parse_catchup_command(str(command.get("text") or ""))
    except CatchUpInputError as exc:
        ack(text=exc.message)
        return
    # One users.info at most (people Handoff knows are not read again): their Slack time zone.
    learn_people(deps, team_id=team_id, user_ids=[user_id])
    if not isinstance(parsed, ShowNow):
        ack(text=apply(deps, team_id=team_id, user_id=user_id, command=parsed))
        return
    ack(text="Putting your catch-up together…")
    text, blocks = catch_up_now(deps, team_id=team_id, user_id=user_id)
    respond(text=text, blocks=blocks, response_type="ephemeral", replace_original=True)
