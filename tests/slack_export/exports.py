"""Slack workspace exports built in the tests: the files Slack writes, zipped or as a folder."""

from __future__ import annotations

import json
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from store.slack_time import datetime_to_ts
from tests.support import TEAM_ID

Entries = list[Any] | bytes


def ts_at(day: str, hour: int, minute: int = 0, second: int = 0, micro: int = 100) -> str:
    """A Slack ts on a UTC day ("2026-02-27") at a time."""
    instant = datetime.fromisoformat(day).replace(hour=hour, minute=minute, second=second, tzinfo=UTC)
    return datetime_to_ts(instant.replace(microsecond=micro))


def user(user_id: str, name: str, tz: str | None = "Europe/Berlin", **extra: Any) -> dict[str, Any]:
    """A users.json entry as Slack writes it."""
    return {
        "id": user_id,
        "team_id": extra.pop("team_id", TEAM_ID),
        "name": name,
        "deleted": False,
        "real_name": name.title(),
        "tz": tz,
        "tz_label": "whatever Slack says",
        "tz_offset": 3600,
        "profile": {"real_name": name.title(), "display_name": name, "team": TEAM_ID, "image_72": "https://x/y.png"},
        "is_admin": False,
        "is_owner": False,
        "is_bot": False,
        "updated": 1_700_000_000,
        **extra,
    }


def channel(channel_id: str, name: str, members: list[str], **extra: Any) -> dict[str, Any]:
    """A channels.json (or groups.json) entry."""
    return {
        "id": channel_id,
        "name": name,
        "created": 1_600_000_000,
        "creator": members[0] if members else "U1",
        "is_archived": False,
        "is_general": name == "general",
        "members": members,
        "topic": {"value": "", "creator": "", "last_set": 0},
        "purpose": {"value": f"About {name}", "creator": "", "last_set": 0},
        **extra,
    }


def message(ts: str, user_id: str | None, text: str, **extra: Any) -> dict[str, Any]:
    """A day file's message object."""
    body: dict[str, Any] = {"type": "message", "text": text, "ts": ts}
    if user_id is not None:
        body["user"] = user_id
        body["user_profile"] = {"real_name": user_id, "display_name": user_id, "team": TEAM_ID}
    body.update(extra)
    return body


def reactions(*pairs: tuple[str, list[str]]) -> list[dict[str, Any]]:
    """A message's `reactions`: (name, people in the order they reacted)."""
    return [{"name": name, "users": users, "count": len(users)} for name, users in pairs]


@dataclass
class SlackExport:
    """The files of an export; `days[folder][date]` is a day file (a list, or raw bytes for broken ones)."""

    users: list[dict[str, Any]] | bytes
    channels: list[dict[str, Any]] | bytes
    groups: list[dict[str, Any]] | None = None
    dms: list[dict[str, Any]] | None = None
    mpims: list[dict[str, Any]] | None = None
    days: dict[str, dict[str, Entries]] = field(default_factory=dict)
    # Any other member: path → bytes.
    extra: dict[str, bytes] = field(default_factory=dict)

    def files(self) -> dict[str, bytes]:
        """Every file of the export: path → content."""
        found: dict[str, bytes] = {}
        for name, content in (
            ("users.json", self.users),
            ("channels.json", self.channels),
            ("groups.json", self.groups),
            ("dms.json", self.dms),
            ("mpims.json", self.mpims),
        ):
            if content is not None:
                found[name] = _encoded(content)
        found["integration_logs.json"] = b'{"logs": []}'
        for folder, days in self.days.items():
            for day, entries in days.items():
                found[f"{folder}/{day}.json"] = _encoded(entries)
        found.update(self.extra)
        return found

    def zip(self, path: Path, *, inside: str = "") -> Path:
        """Write it as Slack does, a deflated zip (optionally all inside one folder)."""
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for name, content in self.files().items():
                archive.writestr(inside + name, content)
        return path

    def folder(self, path: Path) -> Path:
        """Write it unpacked."""
        for name, content in self.files().items():
            target = path / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
        return path


def _encoded(content: list[Any] | bytes) -> bytes:
    return content if isinstance(content, bytes) else json.dumps(content, indent=1).encode()
