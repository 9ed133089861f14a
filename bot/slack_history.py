"""Finding Handoff's own tagged messages in a conversation: what an earlier try posted before it died.

Every message Handoff posts as a delivery carries message metadata naming the job it delivers.
A worker that takes over a job another one claimed (its lease ran out: the process died, or
Slack's answer never came) reads the conversation's latest messages first, and records what is
already there instead of posting it again.
"""

from __future__ import annotations

from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

# How far back a DM is read: a person's DM with Handoff rarely gets 50 messages between two tries.
RECENT = 50
# A thread's replies come oldest first; Handoff's message is among its first ones.
THREAD = 1000


def tagged(
    client: WebClient, channel: str, *, event_type: str, thread_ts: str | None = None, limit: int = RECENT
) -> list[tuple[dict[str, Any], str]]:
    """(payload, ts) of Handoff's recent messages in `channel` (or the thread) tagged `event_type`."""
    if thread_ts is not None:
        try:
            response = client.conversations_replies(
                channel=channel, ts=thread_ts, limit=THREAD, include_all_metadata=True
            )
        except SlackApiError as exc:
            if exc.response.get("error") == "thread_not_found":
                return []  # its first message is gone, so nothing of ours can be under it
            raise
    else:
        response = client.conversations_history(channel=channel, limit=limit, include_all_metadata=True)
    found: list[tuple[dict[str, Any], str]] = []
    for message in response.get("messages") or []:
        metadata = message.get("metadata") or {}
        if metadata.get("event_type") == event_type:
            found.append((dict(metadata.get("event_payload") or {}), str(message.get("ts", ""))))
    return found


def metadata(event_type: str, **payload: Any) -> dict[str, Any]:
    """The message metadata that tags a delivery."""
    return {"event_type": event_type, "event_payload": payload}
