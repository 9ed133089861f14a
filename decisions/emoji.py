"""Which reactions file a decision: the workspace's choice, else HANDOFF_DECISION_EMOJI."""

from __future__ import annotations

import re

from sqlalchemy.orm import Session

from bot.settings import Settings
from store import workspace_settings

# Slack emoji names: lower-case letters, digits and _ - + ' (custom emoji included).
EMOJI_NAME = re.compile(r"^[a-z0-9_+\-']{1,100}$")
MAX_EMOJI = 5


class EmojiError(ValueError):
    """The emoji list cannot be used; the message says how to write it."""


def parse_emoji_list(raw: str) -> tuple[str, ...]:
    """`:memo:, white_check_mark` → ("memo", "white_check_mark"), or EmojiError saying what to fix."""
    names: list[str] = []
    for part in re.split(r"[,\s]+", raw.strip()):
        name = part.strip().strip(":").lower()
        if not name:
            continue
        if not EMOJI_NAME.match(name):
            raise EmojiError(
                f"“{part[:40]}” is not an emoji name. Write names like `memo` or `:white_check_mark:`, "
                "separated by commas."
            )
        if name not in names:
            names.append(name)
    if not names:
        raise EmojiError("Name at least one emoji, for example `/handoff emoji memo`.")
    if len(names) > MAX_EMOJI:
        raise EmojiError(f"At most {MAX_EMOJI} decision emoji, so that a stray reaction files nothing by surprise.")
    return tuple(names)


def decision_emoji_for(*, session: Session, settings: Settings, team_id: str) -> tuple[str, ...]:
    """The emoji that file a decision in this workspace."""
    chosen = workspace_settings.decision_emoji(session=session, team_id=team_id)
    return tuple(chosen.split(",")) if chosen else settings.decision_emoji


def is_one_of(names: tuple[str, ...], reaction: str) -> bool:
    """Whether a reaction is one of `names`; skin tones (`thumbsup::skin-tone-2`) count as the emoji."""
    return reaction.split("::", 1)[0] in names
