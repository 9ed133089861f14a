"""Who may change a workspace's settings: its Slack admins and owners, asked fresh each time."""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from ingest.slack_objects import is_outsider


def is_workspace_admin(client: WebClient, user_id: str) -> bool:
    """True for workspace admins and owners (`users.info`), read live so a demotion counts at once."""
    try:
        return is_admin_now(client, user_id)
    except SlackApiError:
        return False


def is_admin_now(client: WebClient, user_id: str) -> bool:
    """Whether someone is an active admin or owner of the workspace now; Slack's errors (a 429) are raised.

    An admin of another organization met in a Slack Connect channel is an admin there, not here:
    `users.info` answers with their own organization's flags, so their home is compared with the
    workspace the client acts for (asked only of someone flagged admin or owner).
    """
    user = client.users_info(user=user_id)["user"]
    if user.get("deleted") or not (user.get("is_admin") or user.get("is_owner") or user.get("is_primary_owner")):
        return False
    if user.get("team_id") is None and not user.get("is_stranger"):
        return True
    here = client.auth_test()
    return not is_outsider(user, team_id=str(here.get("team_id") or ""), enterprise_id=here.get("enterprise_id"))
