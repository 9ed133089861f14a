"""`/handoff`: help, the workspace settings its admins change (one by one, or all in `/handoff admin`), a
channel's off-hours notes, and team outcome metrics (`/handoff stats`)."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, Respond
from slack_sdk import WebClient

from bot.admins import is_workspace_admin
from bot.deps import Deps
from bot.surfaces import CommandHelp, Surfaces
from decisions.emoji import EmojiError, decision_emoji_for, parse_emoji_list
from digest import admin as catchup_admin
from digest.text import inert
from handlers import admin, stats
from handlers.help import help_blocks, help_text
from pings import workspace_defaults
from store import mentions, workspace_settings

HANDOFF_HELP = [
    CommandHelp("/handoff help", "what Handoff does and every command it answers"),
    CommandHelp("/handoff admin", "the workspace's settings in one form (admins and owners)"),
    CommandHelp("/handoff emoji [names|default]", "the emoji that file a decision (admins change it)"),
    CommandHelp("/handoff hours [09:00-17:00 mon-fri] [tz]", "the workspace's default hours (admins change them)"),
    CommandHelp("/handoff urgent-cap [n|default]", "urgent pings a day before Handoff asks (admins change it)"),
    CommandHelp("/handoff catchup [everyone|opt-in]", "who gets the morning catch-up (admins change it)"),
    CommandHelp("/handoff exclude #channel", "keep a channel out of every summary and model (admins)"),
    CommandHelp("/handoff include #channel", "let an excluded channel back into summaries (admins)"),
    CommandHelp("/handoff notices [on|off]", "tell people here when someone they mention is off (on by default)"),
    *stats.STATS_HELP,
]


# Every word `/handoff` answers; a test checks each is in HANDOFF_HELP.
SUBCOMMANDS = frozenset(
    {"help", "admin", "emoji", "hours", "urgent-cap", "catchup", "exclude", "include", "stats", "notices"}
)


def register(surfaces: Surfaces) -> None:
    """Register the foundation's slash commands."""
    surfaces.command("/handoff", on_handoff, help=HANDOFF_HELP)


def on_handoff(ack: Ack, command: dict[str, Any], context: dict[str, Any], respond: Respond, client: WebClient) -> None:
    """`/handoff [help | emoji …]`: everything else is explained, never an error without a way forward."""
    words = str(command.get("text") or "").split()
    if not words or words[0].lower() in {"help", "?", "-h", "--help"}:
        _help(ack, context, command)
        return
    if words[0].lower() not in SUBCOMMANDS:
        note = f"I don't know `/handoff {inert(words[0])}`. Here is what I can do — try `/handoff help` any time."
        _help(ack, context, command, note=note)
        return
    if words[0].lower() == "admin":
        ack()
        admin.open_settings(context["deps"], client, command, respond)
        return
    if words[0].lower() == "emoji":
        ack()
        respond(text=_emoji(context["deps"], client, command, " ".join(words[1:])), response_type="ephemeral")
        return
    if words[0].lower() in {"hours", "urgent-cap"}:
        ack()
        respond(text=_defaults(context["deps"], client, command, words[0].lower(), " ".join(words[1:])))
        return
    if words[0].lower() in {"catchup", "exclude", "include"}:
        ack()
        respond(text=_catchups(context["deps"], client, command, words[0].lower(), " ".join(words[1:])))
        return
    if words[0].lower() == "stats":
        stats.on_stats(
            ack, deps=context["deps"], client=client, command=command, respond=respond, raw=" ".join(words[1:])
        )
        return
    # What is left of SUBCOMMANDS: notices.
    ack(text=_notices(context["deps"], command, words[1:]))


def _help(ack: Ack, context: dict[str, Any], command: dict[str, Any], *, note: str | None = None) -> None:
    """Every way in and every command, the reaction with this workspace's decision emoji."""
    deps: Deps = context["deps"]
    surfaces: Surfaces = context["surfaces"]
    with deps.read_session_factory() as session:
        emoji = decision_emoji_for(session=session, settings=deps.settings, team_id=str(command["team_id"]))
    lines, ways_in = surfaces.help_lines(), surfaces.ways_in_lines(emoji=list(emoji))
    ack(text=note or help_text(lines, ways_in=ways_in), blocks=help_blocks(lines, ways_in=ways_in, note=note))


def _emoji(deps: Deps, client: WebClient, command: dict[str, Any], raw: str) -> str:
    team_id, user_id = str(command["team_id"]), str(command["user_id"])
    with deps.read_session_factory() as session:
        current = decision_emoji_for(session=session, settings=deps.settings, team_id=team_id)
    shown = " ".join(f":{name}:" for name in current)
    if not raw.strip() or raw.strip().lower() == "help":
        return (
            f"Reacting with {shown} files a decision here. Workspace admins can change it: "
            "`/handoff emoji white_check_mark, memo`, or `/handoff emoji default` to go back."
        )
    if not is_workspace_admin(client, user_id):
        return f"Only workspace admins and owners can change the decision emoji; it stays {shown}."
    if raw.strip().lower() == "default":
        chosen = None
    else:
        try:
            chosen = ",".join(parse_emoji_list(raw))
        except EmojiError as exc:
            return f"{exc} The decision emoji stays {shown}."
    with deps.session_factory.begin() as session:
        workspace_settings.change(
            session=session, team_id=team_id, actor_id=user_id, now=deps.clock.now(), decision_emoji=chosen
        )
    names = chosen.split(",") if chosen else list(deps.settings.decision_emoji)
    return "Done: reacting with " + " or ".join(f":{name}:" for name in names) + " now files a decision."


def _defaults(deps: Deps, client: WebClient, command: dict[str, Any], setting: str, raw: str) -> str:
    team_id, user_id = str(command["team_id"]), str(command["user_id"])
    if not raw.strip() or raw.strip().lower() in {"show", "help"}:
        return f"{workspace_defaults.describe_defaults(deps, team_id=team_id)}\n{workspace_defaults.HOURS_USAGE}"
    if not is_workspace_admin(client, user_id):
        return (
            "Only workspace admins and owners can change the workspace's defaults; "
            "your own hours are yours to set with `/hours`."
        )
    if setting == "hours":
        return workspace_defaults.change_hours(deps, team_id=team_id, actor_id=user_id, raw=raw)
    return workspace_defaults.change_urgent_cap(deps, team_id=team_id, actor_id=user_id, raw=raw)


def _catchups(deps: Deps, client: WebClient, command: dict[str, Any], setting: str, raw: str) -> str:
    team_id, user_id = str(command["team_id"]), str(command["user_id"])
    if not raw.strip() or raw.strip().lower() == "help":
        return catchup_admin.CATCHUP_USAGE if setting == "catchup" else catchup_admin.EXCLUDE_USAGE
    if not is_workspace_admin(client, user_id):
        return "Only workspace admins and owners can change this; `/catchup settings` changes your own catch-up."
    if setting == "catchup":
        return catchup_admin.set_everyone(deps, team_id=team_id, actor_id=user_id, raw=raw)
    return catchup_admin.set_excluded(deps, team_id=team_id, actor_id=user_id, raw=raw, exclude=setting == "exclude")


def _notices(deps: Deps, command: dict[str, Any], args: list[str]) -> str:
    team_id, user_id, channel_id = str(command["team_id"]), str(command["user_id"]), str(command["channel_id"])
    if channel_id.startswith("D"):
        return "Off-hours notes are set per channel: run `/handoff notices off` (or `on`) in the channel you mean."
    choice = args[0].lower() if args else ""
    with deps.read_session_factory() as session:
        everywhere = mentions.workspace_notices_on(session=session, team_id=team_id)
        on = mentions.notices_on(session=session, team_id=team_id, channel_id=channel_id)
    if not everywhere:
        return (
            "Off-hours notes are *off* in every channel of this workspace: a workspace admin turned them off "
            "in `/handoff admin`, and can turn them back on there."
        )
    if choice not in {"on", "off"}:
        state = "on" if on else "off"
        return (
            f"Off-hours notes are *{state}* in <#{channel_id}>: when they are on, someone who @mentions a person "
            "outside their working hours is told, privately, when that person is back. "
            "`/handoff notices off` or `/handoff notices on` changes it for everyone here."
        )
    with deps.session_factory.begin() as session:
        mentions.set_notices(
            session=session,
            team_id=team_id,
            channel_id=channel_id,
            on=choice == "on",
            actor_id=user_id,
            now=deps.clock.now(),
        )
    if choice == "off":
        return (
            f"Done: nobody in <#{channel_id}> will be told when someone they mention is off. "
            "Mentions still reach people's morning catch-up. `/handoff notices on` turns the notes back on."
        )
    return f"Done: people in <#{channel_id}> are told, privately, when someone they mention is off."
