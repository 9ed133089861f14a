"""Slack's user and conversation objects, read into the store's plain values."""

from __future__ import annotations

from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from store.channels import ChannelInfo
from store.people import Profile


@lru_cache(maxsize=1024)
def _known_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def profile_from_user(team_id: str, user: dict[str, Any], *, enterprise_id: str | None) -> Profile:
    """A Profile from a Slack user object, read by the workspace `team_id` of the organization `enterprise_id`.

    An unknown time zone name is dropped, not trusted.
    """
    profile = user.get("profile") or {}
    tz = user.get("tz") or None
    if tz is not None and not _known_zone(str(tz)):
        tz = None
    user_id = str(user["id"])
    return Profile(
        team_id=team_id,
        user_id=user_id,
        name=str(user.get("name") or ""),
        real_name=str(user.get("real_name") or profile.get("real_name") or ""),
        display_name=str(profile.get("display_name") or ""),
        tz=tz,
        tz_offset=user.get("tz_offset") if isinstance(user.get("tz_offset"), int) else None,
        # Slackbot is not flagged is_bot, but is one.
        is_bot=bool(user.get("is_bot")) or user_id == "USLACKBOT",
        is_admin=bool(user.get("is_admin")),
        is_owner=bool(user.get("is_owner")) or bool(user.get("is_primary_owner")),
        deleted=bool(user.get("deleted")),
        is_external=is_outsider(user, team_id=team_id, enterprise_id=enterprise_id),
    )


def is_outsider(user: dict[str, Any], *, team_id: str, enterprise_id: str | None) -> bool:
    """Whether a Slack user object is someone of another organization than workspace `team_id`'s.

    Slack flags strangers, and people of another organization carry their own team. Enterprise
    Grid members homed in a sibling workspace carry another team too, with `enterprise_user`: they
    belong to this organization only when that names this workspace's own Grid org, since a
    member of another Grid org met in a Slack Connect channel carries `enterprise_user` as well.
    """
    if user.get("is_stranger"):
        return True
    home = user.get("team_id")
    if not isinstance(home, str) or home == team_id:
        return False
    grid = user.get("enterprise_user")
    org = grid.get("enterprise_id") if isinstance(grid, dict) else None
    return enterprise_id is None or org != enterprise_id


def channel_info_from_conversation(team_id: str, conversation: dict[str, Any]) -> ChannelInfo:
    """A ChannelInfo from a Slack conversation object."""
    return ChannelInfo(
        team_id=team_id,
        channel_id=str(conversation["id"]),
        name=str(conversation.get("name") or conversation.get("name_normalized") or ""),
        # Legacy private channels are "groups".
        is_private=bool(conversation.get("is_private") or conversation.get("is_group")),
        is_im=bool(conversation.get("is_im")),
        is_mpim=bool(conversation.get("is_mpim")),
        is_archived=bool(conversation.get("is_archived")),
        is_ext_shared=bool(conversation.get("is_ext_shared") or conversation.get("is_pending_ext_shared")),
        # `is_member` is the calling token's own membership. A DM has none: one Handoff can read is its own.
        is_member=bool(conversation.get("is_member")) or bool(conversation.get("is_im")),
    )
