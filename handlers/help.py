"""`/handoff help` and the command list on App Home, rendered from what is registered."""

from __future__ import annotations

from typing import Any

from bot.surfaces import CommandHelp

INTRO = (
    "Handoff keeps work humane across time zones: it files decisions where everyone can find them, "
    "holds non-urgent pings until each person's working hours, and greets each person with one "
    "catch-up at the start of their day."
)


def help_text(lines: list[CommandHelp], *, ways_in: list[CommandHelp] | None = None) -> str:
    """Plain-text fallback of the help (notifications, screen readers)."""
    ways = "".join(f"{line.usage} — {line.summary}; " for line in ways_in or [])
    return "Handoff commands: " + ways + "; ".join(f"{line.usage} — {line.summary}" for line in lines)


def help_blocks(
    lines: list[CommandHelp], *, ways_in: list[CommandHelp] | None = None, note: str | None = None
) -> list[dict[str, Any]]:
    """The help as Block Kit: an optional note (say, about an unknown subcommand), the ways in, each command."""
    blocks: list[dict[str, Any]] = []
    if note:
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": note}})
    blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": INTRO}})
    if ways_in:
        blocks.append(
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": "\n".join(f"*{line.usage}*  {line.summary}" for line in ways_in)},
            }
        )
    blocks.append({"type": "divider"})
    blocks.append(
        {
            "type": "section",
            "text": {
                "type": "mrkdwn",
                "text": "\n".join(f"`{line.usage}`  {line.summary}" for line in lines),
            },
        }
    )
    return blocks
