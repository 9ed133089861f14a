"""`/handoff stats`: team outcomes by week for anyone (as they may see them), and its two settings."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, Respond
from slack_sdk import WebClient

from bot.admins import is_workspace_admin
from bot.deps import Deps
from bot.surfaces import CommandHelp
from metrics import answers, choices
from metrics.command import Figures, GroupSize, Help, StatsInputError, parse_stats
from metrics.explained import help_blocks, help_text

STATS_HELP = [
    CommandHelp("/handoff stats [#channel] [weeks]", "your team's outcomes by week, never anyone's own figures"),
]


def on_stats(ack: Ack, *, deps: Deps, client: WebClient, command: dict[str, Any], respond: Respond, raw: str) -> None:
    """Parse what follows `/handoff stats`, acknowledge, then answer privately (the figures can take a moment)."""
    team_id, user_id = str(command["team_id"]), str(command["user_id"])
    try:
        request = parse_stats(raw)
    except StatsInputError as exc:
        ack(text=exc.message)
        return
    if isinstance(request, Help):
        size = answers.min_group(deps, team_id=team_id)
        ack(text=help_text(size), blocks=help_blocks(size))
        return
    ack()
    if isinstance(request, Figures):
        text, blocks = answers.figures(deps, team_id=team_id, user_id=user_id, request=request)
        respond(text=text, blocks=blocks, response_type="ephemeral")
        return
    if isinstance(request, GroupSize):
        if not request.raw.strip() or request.raw.strip().lower() in {"show", "help"}:
            said = choices.describe_group_size(deps, team_id=team_id)
        elif not is_workspace_admin(client, user_id):
            said = "Only workspace admins and owners can change the group size. " + choices.describe_group_size(
                deps, team_id=team_id
            )
        else:
            said = choices.change_group_size(deps, team_id=team_id, actor_id=user_id, raw=request.raw)
        respond(text=said, response_type="ephemeral")
        return
    said = choices.weekly_report_choice(
        deps, team_id=team_id, user_id=user_id, on=request.on, is_admin=is_workspace_admin(client, user_id)
    )
    respond(text=said, response_type="ephemeral")
