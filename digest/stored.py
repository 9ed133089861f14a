"""A catch-up as JSON, kept with its record so App Home can show the latest one in full."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from digest.model import CATEGORIES, CatchUp, ChannelDigest, Item


def to_json(catchup: CatchUp) -> dict[str, Any]:
    """The catch-up as plain JSON values."""
    return {
        "team_id": catchup.team_id,
        "user_id": catchup.user_id,
        "tz": catchup.tz,
        "window_start": catchup.window_start.isoformat(),
        "window_end": catchup.window_end.isoformat(),
        "waiting": [_item(item) for item in catchup.waiting],
        "decisions": [_item(item) for item in catchup.decisions],
        "channels": [
            {
                "channel_id": channel.channel_id,
                "name": channel.name,
                "message_count": channel.message_count,
                "points": [_item(item) for item in channel.points],
                "link": channel.link,
                "generated_by": channel.generated_by,
            }
            for channel in catchup.channels
        ],
        "late": catchup.late,
    }


def from_json(data: dict[str, Any]) -> CatchUp:
    """A stored catch-up back as a CatchUp."""
    return CatchUp(
        team_id=str(data["team_id"]),
        user_id=str(data["user_id"]),
        tz=str(data.get("tz") or "UTC"),
        window_start=datetime.fromisoformat(str(data["window_start"])),
        window_end=datetime.fromisoformat(str(data["window_end"])),
        waiting=tuple(_read_item(item) for item in data.get("waiting") or ()),
        decisions=tuple(_read_item(item) for item in data.get("decisions") or ()),
        channels=tuple(
            ChannelDigest(
                channel_id=str(channel["channel_id"]),
                name=str(channel["name"]),
                message_count=int(channel["message_count"]),
                points=tuple(_read_item(item) for item in channel.get("points") or ()),
                link=channel.get("link"),
                generated_by=channel.get("generated_by"),
            )
            for channel in data.get("channels") or ()
        ),
        late=bool(data.get("late")),
    )


def _item(item: Item) -> dict[str, Any]:
    return {"text": item.text, "link": item.link, "group": item.group}


def _read_item(data: dict[str, Any]) -> Item:
    group = data.get("group")
    return Item(text=str(data.get("text") or ""), link=data.get("link"), group=group if group in CATEGORIES else None)
