"""The simulated world as Slack's Web API describes it: user and conversation objects."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from demo.world import BOT_ID, BOT_USER_ID, TEAM_ID, Channel, Person


def user_object(person: Person, now: datetime) -> dict[str, Any]:
    """A person as `users.info` and `users.list` give them, time zone included."""
    return {
        "id": person.user_id,
        "team_id": TEAM_ID,
        "name": person.handle,
        "real_name": person.real_name,
        "tz": person.tz,
        "tz_offset": person.offset_seconds(now),
        "is_bot": False,
        "is_admin": person.is_admin,
        "deleted": False,
        "profile": {"real_name": person.real_name, "display_name": person.first_name},
    }


def bot_user() -> dict[str, Any]:
    """Handoff's own bot user."""
    return {
        "id": BOT_USER_ID,
        "team_id": TEAM_ID,
        "name": "handoff",
        "real_name": "Handoff",
        "is_bot": True,
        "deleted": False,
        "profile": {"real_name": "Handoff", "display_name": "Handoff", "bot_id": BOT_ID},
    }


def conversation_object(channel: Channel) -> dict[str, Any]:
    """A channel as `conversations.info` gives it (Handoff is a member of every one)."""
    return {
        "id": channel.channel_id,
        "name": channel.name,
        "is_channel": not channel.is_private,
        "is_group": False,
        "is_private": channel.is_private,
        "is_im": False,
        "is_mpim": False,
        "is_archived": False,
        "is_member": True,
        "is_ext_shared": False,
        "num_members": len(channel.members),
        "purpose": {"value": channel.purpose},
    }
