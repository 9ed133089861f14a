"""What an import did, counted as it goes, and how it reads at the end."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, fields

DIRECT = "direct-message conversations (Handoff does not read people's direct messages)"
MALFORMED = "day files that are not valid JSON (the rest of the export was imported)"


@dataclass
class Summary:
    """Counts of one import (or dry run) of an export into a workspace."""

    label: str
    team_id: str
    dry_run: bool = False
    retention_days: int = 0
    people_new: int = 0
    people_known: int = 0
    channels_public: int = 0
    channels_private: int = 0
    channels_new: int = 0
    # Known from Slack itself: their details and members were left as Slack told Handoff.
    channels_live: int = 0
    # Known from an earlier import: members set from this export.
    channels_refreshed: int = 0
    messages_new: int = 0
    messages_known: int = 0
    replies: int = 0
    edited: int = 0
    from_bots: int = 0
    notices: int = 0
    tombstones: int = 0
    reactions_new: int = 0
    # Older than the retention: read (for decisions and their threads), then not kept.
    not_kept: int = 0
    decisions_new: int = 0
    decisions_known: int = 0
    channels_done: int = 0
    channels_total: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    malformed: list[tuple[str, str]] = field(default_factory=list)
    # Set when the import stopped part-way (a channel's transaction failed and was rolled back).
    stopped: str | None = None

    def absorb(self, part: Summary) -> None:
        """Add the counts of a part of the import (one channel's, once its transaction committed)."""
        for name in (f.name for f in fields(self)):
            mine, theirs = getattr(self, name), getattr(part, name)
            if isinstance(mine, int) and not isinstance(mine, bool) and name not in {"retention_days"}:
                setattr(self, name, mine + theirs)
        self.skipped.update(part.skipped)

    @property
    def complete(self) -> bool:
        """True when every channel was imported."""
        return self.stopped is None

    def lines(self) -> list[str]:
        """The summary, one line per part, for the operator."""
        head = "Dry run of" if self.dry_run else "Imported"
        lines = [
            f"{head} {self.label} into workspace {self.team_id}" + (": nothing was written." if self.dry_run else ".")
        ]
        lines.append(f"  people     {self.people_new:,} new, {self.people_known:,} already known")
        lines.append(
            f"  channels   {self.channels_public:,} public, {self.channels_private:,} private: "
            f"{self.channels_new:,} new, "
            f"{self.channels_live:,} already followed in Slack (kept as Slack says), "
            f"{self.channels_refreshed:,} from an earlier import (members as this export says)"
        )
        lines.append(
            f"  messages   {self.messages_new:,} new ({self.replies:,} thread replies, {self.edited:,} edited, "
            f"{self.from_bots:,} from apps, {self.notices:,} joins and other notices, {self.tombstones:,} deleted), "
            f"{self.messages_known:,} already stored; {self.reactions_new:,} new reactions"
        )
        if self.not_kept:
            lines.append(
                f"             {self.not_kept:,} messages are older than the {self.retention_days}-day traffic "
                "retention: read for decisions and their threads, then not kept"
            )
        lines.append(f"  decisions  {self.decisions_new:,} filed, {self.decisions_known:,} already in the log")
        skipped = [(reason, count) for reason, count in sorted(self.skipped.items()) if count]
        if skipped:
            lines.append("  skipped")
            lines.extend(f"    {count:>8,}  {reason}" for reason, count in skipped)
        for name, reason in self.malformed:
            lines.append(f"    not read  {name}: {reason}")
        if self.stopped is not None:
            lines.append(f"Stopped after {self.channels_done} of {self.channels_total} channels: {self.stopped}")
        return lines
