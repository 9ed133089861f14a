"""Which files hold which channel's days: folders named by channel name or by channel id, one JSON file per day."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from slack_export.directory import Directory

DAY_FILE = re.compile(r"^(\d{4}-\d{2}-\d{2})\.json$")

NOT_A_DAY = "files in channel folders that are not day files (YYYY-MM-DD.json)"
UNKNOWN_FOLDER = "folders that match no channel of channels.json or groups.json"
BEFORE_SINCE = "day files before --since"


@dataclass(frozen=True)
class DayFile:
    """One channel's messages of one day: `name` is the file's path inside the export."""

    name: str
    day: date


@dataclass
class Layout:
    """Each channel's day files, oldest first, and what was left out (reason → how many)."""

    days: dict[str, list[DayFile]] = field(default_factory=dict)
    left_out: Counter[str] = field(default_factory=Counter)


def lay_out(names: list[str], directory: Directory, *, since: date | None) -> Layout:
    """Map the export's folders onto its channels.

    Slack names a channel's folder after the channel, some tools after its id; both are read (and
    merged, should an export hold both). Direct-message folders are left out without reading them.
    """
    by_id = {channel.info.channel_id: channel.info.channel_id for channel in directory.channels}
    by_name = {channel.info.name: channel.info.channel_id for channel in directory.channels if channel.info.name}
    layout = Layout()
    unknown: set[str] = set()
    for name in names:
        folder, _, file_name = name.partition("/")
        if not file_name or "/" in file_name:
            continue  # top-level files (users.json, integration_logs.json…) and anything nested deeper
        channel_id = by_id.get(folder) or by_name.get(folder)
        if channel_id is None:
            if folder not in directory.direct:
                unknown.add(folder)
            continue
        match = DAY_FILE.match(file_name)
        day = _date(match.group(1)) if match else None
        if day is None:
            layout.left_out[NOT_A_DAY] += 1
            continue
        if since is not None and day < since:
            layout.left_out[BEFORE_SINCE] += 1
            continue
        layout.days.setdefault(channel_id, []).append(DayFile(name=name, day=day))
    if unknown:
        layout.left_out[UNKNOWN_FOLDER] += len(unknown)
    for files in layout.days.values():
        files.sort(key=lambda f: (f.day, f.name))
    return layout


def _date(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None
