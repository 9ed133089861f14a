"""Channel windows for summarizer tests: messages by minute offset, oldest first."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from digest.model import ChannelWindow, Line

START = datetime(2026, 3, 1, 18, 0, tzinfo=UTC)
END = START + timedelta(hours=14)


def ts_at(minute: int) -> str:
    """A Slack ts `minute` minutes into the window."""
    return f"{int((START + timedelta(minutes=minute)).timestamp())}.000100"


def msg(
    minute: int,
    user_id: str | None,
    text: str,
    *,
    reply_to: int | None = None,
    reactions: int = 0,
    is_bot: bool = False,
    is_system: bool = False,
) -> Line:
    """A message posted `minute` minutes into the window; `reply_to` is its parent's minute."""
    return Line(
        ts=ts_at(minute),
        user_id=user_id,
        text=text,
        posted_at=START + timedelta(minutes=minute),
        thread_ts=ts_at(reply_to) if reply_to is not None else None,
        reactions=reactions,
        is_bot=is_bot,
        is_system=is_system,
    )


def window(*messages: Line, decisions: tuple[int, ...] = (), channel_id: str = "C100") -> ChannelWindow:
    """A window of `messages` in #eng; `decisions` are the minutes of messages filed as decisions."""
    ordered = tuple(sorted(messages, key=lambda line: line.posted_at))
    return ChannelWindow(
        team_id="T0001",
        channel_id=channel_id,
        channel_name="eng",
        start=START,
        end=END,
        messages=ordered,
        decision_ts=frozenset(ts_at(minute) for minute in decisions),
    )
