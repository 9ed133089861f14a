"""Reading `/later <@U> [<@U2> …] <message> [--urgent]` into a typed request."""

from __future__ import annotations

import re
from dataclasses import dataclass

from pings.blocks import PING_TEXT_LIMIT

# Slack escapes mentions in command text as <@U123|name> (manifest: should_escape).
_MENTION = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$")
_URGENT = {"--urgent", "-u", "!urgent", "urgent!"}
USAGE = "Try `/later @dana Can you review the RFC? [--urgent]`."


class LaterInputError(ValueError):
    """The command cannot be read; the message says what to do next."""


@dataclass(frozen=True)
class LaterRequest:
    """Who gets what, and whether it is urgent."""

    recipients: tuple[str, ...]
    # People typed as @name when Slack did not escape them; resolved against the workspace.
    names: tuple[str, ...]
    text: str
    urgent: bool


def parse_later(text: str) -> LaterRequest:
    """Split the leading mentions from the message; LaterInputError when something is missing."""
    # PostgreSQL refuses a NUL in text, so a held ping could not be kept with one: it can only be noise.
    words = text.replace("\x00", " ").strip().split()
    urgent = any(word.lower() in _URGENT for word in words)
    words = [word for word in words if word.lower() not in _URGENT]
    recipients: list[str] = []
    names: list[str] = []
    while words:
        match = _MENTION.match(words[0])
        if match:
            recipients.append(match.group(1))
        elif words[0].startswith("@") and len(words[0]) > 1:
            names.append(words[0][1:].rstrip(",:"))
        else:
            break
        words.pop(0)
    message = " ".join(words).strip()
    if not recipients and not names:
        raise LaterInputError(f"Who is it for? Start with one or more @mentions. {USAGE}")
    if not message:
        raise LaterInputError(f"What should they get? Write the message after the names. {USAGE}")
    if len(message) > PING_TEXT_LIMIT:
        raise LaterInputError(
            f"That message is {len(message):,} characters; a ping holds up to {PING_TEXT_LIMIT:,}. "
            "Post the long version in a channel or a doc and send the link with `/later`. Your text is below, "
            "so nothing is lost."
        )
    return LaterRequest(
        recipients=tuple(dict.fromkeys(recipients)),
        names=tuple(dict.fromkeys(names)),
        text=message,
        urgent=urgent,
    )
