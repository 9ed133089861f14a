"""`/handoff admin`: one modal with the workspace's settings, for its admins and owners only."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, Respond
from slack_sdk import WebClient

from bot.admins import is_workspace_admin
from bot.deps import Deps
from bot.surfaces import Surfaces
from handlers import guards
from hours.form import FormErrors
from installs import admin_settings
from installs.admin_form import ADMIN_CALLBACK, START_BLOCK, admin_view, read_admin_form

REFUSAL = (
    "Sorry, `/handoff admin` is for the workspace's admins and owners: ask one of them to change Handoff's settings. "
    "Your own hours, catch-up and pings are yours to set: `/hours`, `/catchup settings`, `/later`."
)


def register(surfaces: Surfaces) -> None:
    """Register the settings modal's submission (`/handoff admin` opens it, in handlers.commands)."""
    # Admin status is asked of Slack in the listener, as the form's error says it.
    surfaces.view(ADMIN_CALLBACK, on_submitted, guard=guards.member())


def open_settings(deps: Deps, client: WebClient, command: dict[str, Any], respond: Respond) -> None:
    """Open the modal for an admin or owner (read live with users.info); tell anyone else why not, politely."""
    team_id, user_id = str(command["team_id"]), str(command["user_id"])
    if not is_workspace_admin(client, user_id):
        respond(text=REFUSAL, response_type="ephemeral")
        return
    current = admin_settings.current(deps, team_id=team_id)
    client.views_open(trigger_id=str(command["trigger_id"]), view=admin_view(current))


def on_submitted(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], context: dict[str, Any], client: WebClient
) -> None:
    """Check the form (mistakes show on their inputs and change nothing), save what changed, tell the admin."""
    deps: Deps = context["deps"]
    who = guards.actor(context)
    team_id, user_id = who.team_id, who.user_id
    try:
        after = read_admin_form(view["state"]["values"])
    except FormErrors as exc:
        ack(response_action="errors", errors=exc.errors)
        return
    # Asked again: someone who stopped being an admin since the modal opened changes nothing.
    if not is_workspace_admin(client, user_id):
        ack(response_action="errors", errors={START_BLOCK: "Only workspace admins and owners can change these."})
        return
    ack()
    before = admin_settings.current(deps, team_id=team_id)
    said = admin_settings.apply(deps, team_id=team_id, actor_id=user_id, before=before, after=after)
    text = (
        "Saved Handoff's settings for the workspace:\n" + "\n".join(f"• {line}" for line in said)
        if said
        else "Nothing changed: those are Handoff's settings already."
    )
    client.chat_postMessage(channel=user_id, text=text)
