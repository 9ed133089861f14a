"""The catch-up on App Home: the latest one in full, and how it comes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from digest.render import render_home
from digest.stored import from_json


def catchup_section(content: dict[str, Any] | None, *, settings: str, now: datetime) -> list[dict[str, Any]]:
    """The latest catch-up (when there is one) under its own header, then the person's settings."""
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": "Your latest catch-up"}},
    ]
    if content:
        blocks.extend(render_home(from_json(content), now=now))
    else:
        blocks.append(
            {
                "type": "section",
                "text": {
                    "type": "mrkdwn",
                    "text": "Your first catch-up will be here after it arrives; `/catchup` shows one now.",
                },
            }
        )
    blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": settings}]})
    return blocks
