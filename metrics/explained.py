"""`/handoff stats help`: what the command does and how each figure is counted, in plain words."""

from __future__ import annotations

from typing import Any

from metrics.command import USAGE

HOW_COUNTED = (
    "• *Decisions logged*: decisions filed that week, however they were filed.",
    "• *Superseded or retracted*: each time a decision was replaced or retracted that week "
    "(a direction that shifts twice counts twice).",
    "• *Median time from a thread's start to its decision*: for decisions filed in a thread, "
    "from the thread's first message to the filing.",
    "• *Pings*: sent through Handoff that week, held for the recipient's working hours, delivered at once "
    "because they were working, or urgent. Cancelled pings are not counted.",
    "• *Off-hours mentions*: @mentions of people outside their working hours, kept for their catch-up.",
    "• *Catch-ups*: how many went out (each in the week of the day it was for), their median length "
    "(entries) and the median reading time they announced. They belong to people, so they are shown for "
    "the whole workspace only.",
    "• *Past review-by*: decisions still standing at the week's end whose review-by date had passed.",
)


def help_text(min_group: int) -> str:
    """The whole explanation as mrkdwn."""
    return "\n".join(
        [
            USAGE,
            "",
            *HOW_COUNTED,
            "",
            "Weeks are seven days ending today, in your time zone (the admins' weekly report: Monday to Sunday). "
            "These are the team's habits, never a person's: only counts and medians, nobody's own figures, "
            f"no ranking, and a group of fewer than {min_group} people shows \u201cnot enough people to show "
            "this\u201d. Private channels are shown only to their members.",
            "",
            "Totals add up exactly the rows shown, pings sent from them included, so no subtraction gives a small "
            f"group: channels with fewer than {min_group} people count only together, as \u201cOther channels\u201d, "
            f"in weeks when at least two of them had activity and they hold {min_group} people between them, and "
            "otherwise in no figure at all.",
            "",
            "Admins: `/handoff stats group-size 5` sets the smallest group shown (3 or more); the weekly report "
            "comes on Monday at the start of your day, and `/handoff stats report off` stops yours.",
        ]
    )


def help_blocks(min_group: int) -> list[dict[str, Any]]:
    """The explanation as one section."""
    return [{"type": "section", "text": {"type": "mrkdwn", "text": help_text(min_group)}}]
