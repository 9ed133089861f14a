"""Who may change a workspace's settings: its Slack admins and owners, asked fresh each time."""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError


def is_workspace_admin(client: WebClient, user_id: str) -> bool:
    """True for workspace admins and owners (`users.info`), read live so a demotion counts at once."""
    try:
        return is_admin_now(client, user_id)
    except SlackApiError:
        return False


def is_admin_now(client: WebClient, user_id: str) -> bool:
    """Whether someone is an active admin or owner of the workspace now; Slack's errors (a 429) are raised."""
    user = client.users_info(user=user_id)["user"]
    if user.get("deleted"):
        return False
    return bool(user.get("is_admin") or user.get("is_owner") or user.get("is_primary_owner"))
