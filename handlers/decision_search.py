"""`/decisions`: search the decision log, or list the latest in this channel."""

from __future__ import annotations

import json
from typing import Any

from slack_bolt import Ack, Respond
from slack_sdk import WebClient

from bot.deps import Deps
from bot.surfaces import CommandHelp, Surfaces
from decisions.export import render
from decisions.finder import MORE_ACTION, find, find_all
from decisions.permissions import POLICY
from decisions.query import QueryError
from handlers import guards

# Enough for any team's log; a larger export belongs to `handoff export decisions` on the CLI.
EXPORT_LIMIT = 10_000
SEARCH_HELP = [
    CommandHelp("/decisions", "the latest decisions in this channel"),
    CommandHelp(
        "/decisions <words> [in:#channel] [from:@person] [tag:x] [since:2026-11-01] [before:…] [status:superseded]",
        "search every decision you can see",
    ),
    CommandHelp("/decisions export [filters]", "a Markdown copy of the decisions you can see, sent to you by DM"),
]


def register(surfaces: Surfaces) -> None:
    """Register `/decisions` and its *More* button."""
    surfaces.command("/decisions", on_decisions, help=SEARCH_HELP)
    surfaces.action(MORE_ACTION, on_more, guard=guards.member())


def on_decisions(
    ack: Ack, command: dict[str, Any], context: dict[str, Any], respond: Respond, client: WebClient
) -> None:
    """Answer with the first page, shown only to the person who asked."""
    deps: Deps = context["deps"]
    raw = str(command.get("text") or "")
    if raw.strip().lower() in {"help", "?", "-h", "--help"}:
        lines = "\n".join(f"`{line.usage}`  {line.summary}" for line in SEARCH_HELP)
        ack(text=f"{lines}\n{POLICY}")
        return
    if raw.strip().lower().split(" ", 1)[0] == "export":
        export_to_dm(
            ack=ack, deps=deps, command=command, filters=raw.strip()[len("export") :], respond=respond, client=client
        )
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


def export_to_dm(
    *, ack: Ack, deps: Deps, command: dict[str, Any], filters: str, respond: Respond, client: WebClient
) -> None:
    """`/decisions export [filters]`: a Markdown file of what the person may see, sent to them by DM."""
    team_id, user_id = str(command["team_id"]), str(command["user_id"])
    try:
        with deps.read_session_factory() as session:
            hits = find_all(session=session, team_id=team_id, viewer_id=user_id, raw=filters, limit=EXPORT_LIMIT)
    except QueryError as exc:
        ack(text=exc.message)
        return
    ack(text=f"Preparing your export of {len(hits)} decision(s)…")
    today = deps.clock.now().date().isoformat()
    document = render(hits, "md", title=f"Decision log, as of {today}")
    dm = client.conversations_open(users=user_id)["channel"]["id"]
    client.files_upload_v2(
        channel=dm,
        content=document,
        filename=f"decisions-{today}.md",
        title=f"Decision log ({len(hits)} decisions)",
        initial_comment="Here is the decision log you asked for: only decisions from channels you can see.",
    )
    respond(text=f"Sent to you in a DM: {len(hits)} decision(s).", response_type="ephemeral")


def on_more(ack: Ack, body: dict[str, Any], context: dict[str, Any], respond: Respond) -> None:
    """*More*: the next page, in place of this one."""
    ack()
    deps: Deps = context["deps"]
    state = json.loads(body["actions"][0]["value"])
    who = guards.actor(context)
    with deps.read_session_factory() as session:
        page = find(
            session=session,
            team_id=who.team_id,
            viewer_id=who.user_id,
            channel_id=str((body.get("channel") or {}).get("id") or ""),
            raw=str(state["q"]),
            offset=int(state["o"]),
        )
    respond(text=page.text, blocks=page.blocks, replace_original=True, response_type="ephemeral")
