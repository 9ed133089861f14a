"""Reading every day file once before anything is written: a damaged archive is refused whole."""

from __future__ import annotations

from dataclasses import dataclass, field

from slack_export.archive import Export
from slack_export.json_files import MalformedFile, elements
from slack_export.layout import Layout
from slack_export.progress import ProgressReport


@dataclass
class Checked:
    """How many entries the readable day files hold, and which files are not valid JSON (name → why)."""

    entries: int = 0
    unreadable: dict[str, str] = field(default_factory=dict)


def check_days(export: Export, layout: Layout, progress: ProgressReport) -> Checked:
    """Parse each day file that will be imported; ArchiveError (from the archive) when one cannot be read back."""
    names = [day.name for days in layout.days.values() for day in days]
    progress.phase("Checking the export", sum(export.size(name) for name in names))
    checked = Checked()
    for name in names:
        count = 0
        try:
            for _ in elements(export, name):
                count += 1
        except MalformedFile as exc:
            checked.unreadable[name] = exc.reason
        else:
            checked.entries += count
        progress.advance(export.size(name))
    return checked
