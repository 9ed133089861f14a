"""`/decisions`: search the decision log, or list the latest in this channel."""

from __future__ import annotations

import json
from typing import Any

from slack_bolt import Ack, Respond

from bot.deps import Deps
from bot.surfaces import CommandHelp, Surfaces
from decisions.finder import MORE_ACTION, find

SEARCH_HELP = [
    CommandHelp("/decisions", "the latest decisions in this channel"),
    CommandHelp(
        "/decisions <words> [in:#channel] [from:@person] [tag:x] [since:2026-11-01] [before:…] [status:superseded]",
        "search every decision you can see",
    ),
]


def register(surfaces: Surfaces) -> None:
    """Register `/decisions` and its *More* button."""
    surfaces.command("/decisions", on_decisions, help=SEARCH_HELP)
    surfaces.action(MORE_ACTION, on_more)


def on_decisions(ack: Ack, command: dict[str, Any], context: dict[str, Any]) -> None:
    """Answer with the first page, shown only to the person who asked."""
    deps: Deps = context["deps"]
    raw = str(command.get("text") or "")
    if raw.strip().lower() in {"help", "?", "-h", "--help"}:
        lines = "\n".join(f"`{line.usage}`  {line.summary}" for line in SEARCH_HELP)
        ack(text=lines)
        return
    with deps.read_session_factory() as session:
        page = find(
            session=session,
            team_id=str(command["team_id"]),
            viewer_id=str(command["user_id"]),
            channel_id=str(command["channel_id"]),
            raw=raw,
        )
    ack(text=page.text, blocks=page.blocks)


def on_more(ack: Ack, body: dict[str, Any], context: dict[str, Any], respond: Respond) -> None:
    """*More*: the next page, in place of this one."""
    ack()
    deps: Deps = context["deps"]
    state = json.loads(body["actions"][0]["value"])
    with deps.read_session_factory() as session:
        page = find(
            session=session,
            team_id=str(body["team"]["id"]),
            viewer_id=str(body["user"]["id"]),
            channel_id=str((body.get("channel") or {}).get("id") or ""),
            raw=str(state["q"]),
            offset=int(state["o"]),
        )
    respond(text=page.text, blocks=page.blocks, replace_original=True, response_type="ephemeral")
