"""Block Kit composition objects shared by Handoff's forms and Home sections."""

from __future__ import annotations

from typing import Any


def plain(text: str) -> dict[str, Any]:
    """A plain_text object."""
    return {"type": "plain_text", "text": text}


def option(text: str, value: str) -> dict[str, Any]:
    """A select or checkbox option."""
    return {"text": plain(text), "value": value}


def input_block(
    block_id: str, label: str, element: dict[str, Any], *, optional: bool = False, hint: str | None = None
) -> dict[str, Any]:
    """An input block of a modal, with an optional hint under it."""
    block: dict[str, Any] = {
        "type": "input",
        "block_id": block_id,
        "label": plain(label),
        "element": element,
        "optional": optional,
    }
    if hint:
        block["hint"] = plain(hint)
    return block
