"""Links back into Slack, built from the workspace's URL so a catch-up needs no Slack call per item."""

from __future__ import annotations


def message_link(base: str | None, team_id: str, channel_id: str, ts: str, thread_ts: str | None = None) -> str:
    """A message's permalink (a thread reply opens in its thread); a deep link when the URL is unknown."""
    if not base:
        return f"slack://channel?team={team_id}&id={channel_id}&message={ts}"
    link = f"{base.rstrip('/')}/archives/{channel_id}/p{ts.replace('.', '')}"
    if thread_ts and thread_ts != ts:
        link += f"?thread_ts={thread_ts}&cid={channel_id}"
    return link


def channel_link(base: str | None, team_id: str, channel_id: str) -> str:
    """A channel's link."""
    if not base:
        return f"slack://channel?team={team_id}&id={channel_id}"
    return f"{base.rstrip('/')}/archives/{channel_id}"


def home_link(team_id: str, bot_user_id: str | None) -> str:
    """Where the full catch-up is: Handoff's App Home (through the app's bot user)."""
    if not bot_user_id:
        return f"slack://open?team={team_id}"
    return f"slack://user?team={team_id}&id={bot_user_id}"
