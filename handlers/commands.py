"""Slash commands owned by the foundation: `/handoff` (help, and the admin entry points to come)."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack

from bot.surfaces import CommandHelp, Surfaces
from handlers.help import help_blocks, help_text

HANDOFF_HELP = [
    CommandHelp("/handoff help", "what Handoff does and every command it answers"),
]


def register(surfaces: Surfaces) -> None:
    """Register the foundation's slash commands."""
    surfaces.command("/handoff", on_handoff, help=HANDOFF_HELP)


def on_handoff(ack: Ack, command: dict[str, Any], context: dict[str, Any]) -> None:
    """`/handoff [help]`: everything else is explained, never an error without a way forward."""
    words = str(command.get("text") or "").split()
    lines: list[CommandHelp] = context["surfaces"].help_lines()
    if not words or words[0].lower() in {"help", "?", "-h", "--help"}:
        ack(text=help_text(lines), blocks=help_blocks(lines))
        return
    note = f"I don't know `/handoff {words[0]}`. Here is what I can do — try `/handoff help` any time."
    ack(text=note, blocks=help_blocks(lines, note=note))
