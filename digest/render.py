"""The morning catch-up in Slack: the DM that opens a person's day, and the full copy in App Home.

Both keep Block Kit's limits for a catch-up of any size. The sections keep their order (what waits
on you, then what was decided, then the channels); when they do not fit, each is cut at its tail and
one last line says how many entries were left out.

An *entry* is what that count counts: one waiting item, one decision, one channel point, or a
channel that has no points (its heading is the whole entry). A channel with points is counted by
its points, not once more for its heading, so every entry is either shown or counted, exactly once.
An entry whose text is shortened ("…") is shown: its link leads to the whole of it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from itertools import chain, islice
from typing import Any

from decisions.blocks import escape
from digest.model import CatchUp, ChannelDigest, Item
from digest.mrkdwn import collapse_whitespace, cut, link, word_count
from pings.blocks import when

Block = dict[str, Any]

# Block Kit's documented limits.
MESSAGE_BLOCKS = 50
SECTION_CHARS = 3_000
# App Home takes 100 blocks; the caller puts its own around the catch-up.
HOME_BLOCKS = 60
# The header, the context line and the "…and N more" line, outside the sections' budget.
FIXED_BLOCKS = 3
# Slack rejects a message whose blocks hold about 12,000 characters in all (`msg_blocks_too_long`,
# undocumented; slackapi/bolt-js#2509), so the DM's sections stay well under that. It also keeps the
# DM a few minutes' read: the rest is one click away in App Home.
DM_CHARS = 8_000
# Views document no such total; this one keeps the Home tab a page, not an archive.
HOME_CHARS = 24_000
DM_ENTRY_CHARS = 300
HOME_ENTRY_CHARS = 1_000
CHANNEL_NAME_CHARS = 80
# Each later section keeps room for its first few entries, so a long "Waiting on you" cannot hide
# that something was decided.
GLIMPSE_STEPS = 3
WORDS_PER_MINUTE = 200
# Lines remembered by the renderer's caches: a morning's channel points, several times over.
_LINE_CACHE = 16_384

WAITING_TITLE = "*Waiting on you*"
DECISIONS_TITLE = "*Decided or changed*"
CHANNELS_TITLE = "*Channels*"
ALL_CAUGHT_UP = "You're all caught up — nothing happened while you were away."
LATE_NOTE = "Sent later than your usual start."
HOME_LINK_LABEL = "Handoff App Home"


@dataclass(frozen=True)
class _Budget:
    """What the sections may use: blocks (dividers included), characters, and characters per entry."""

    blocks: int
    chars: int
    entry_chars: int


DM_BUDGET = _Budget(blocks=MESSAGE_BLOCKS - FIXED_BLOCKS, chars=DM_CHARS, entry_chars=DM_ENTRY_CHARS)
HOME_BUDGET = _Budget(blocks=HOME_BLOCKS - FIXED_BLOCKS, chars=HOME_CHARS, entry_chars=HOME_ENTRY_CHARS)


@dataclass(frozen=True)
class _Step:
    """Lines shown together or not at all, and how many entries they show."""

    lines: tuple[str, ...]
    entries: int


@dataclass(frozen=True)
class _Layout:
    """The sections as laid out: their blocks, the lines they show, and how many entries were left out."""

    blocks: list[Block]
    lines: list[str]
    left_out: int


@dataclass(frozen=True)
class Size:
    """How big a catch-up is, for team metrics: its entries (shown or counted) and the reading time its DM promised."""

    entries: int
    # "about N min read" in the DM's header; 0 for "all caught up", which has nothing to read.
    minutes: int


def reading_minutes(catchup: CatchUp) -> int:
    """About how long the DM's sections take to read, at 200 words a minute; at least 1."""
    return _minutes(_dm_words(_lay_out(catchup, DM_BUDGET)))


def render_dm(catchup: CatchUp, *, home_url: str, now: datetime) -> tuple[str, list[Block]]:
    """The catch-up DM: its plain-text fallback (for notifications) and its blocks.

    `now` is unused: the DM's own timestamp says when it came, and date tokens are relative to the
    reader's clock when they read it. It is taken so both renderers are called alike.
    """
    text, blocks, _ = render_dm_sized(catchup, home_url=home_url, now=now)
    return text, blocks


def render_dm_sized(catchup: CatchUp, *, home_url: str, now: datetime) -> tuple[str, list[Block], Size]:
    """The catch-up DM as `render_dm` makes it, with its size (laid out once for both)."""
    del now
    context = ([LATE_NOTE] if catchup.late else []) + [_window(catchup)]
    if catchup.is_empty:
        blocks = [_header("Your catch-up"), _context(context), _section(ALL_CAUGHT_UP)]
        return _fallback(catchup), blocks, Size(entries=0, minutes=0)
    layout = _lay_out(catchup, DM_BUDGET)
    minutes = _minutes(_dm_words(layout))
    title = f"Your catch-up · about {minutes} min read"
    blocks = [_header(title), _context(context), *layout.blocks]
    if layout.left_out:
        blocks.append(_context([_more_in_home(layout.left_out, home_url=home_url)]))
    entries = len(catchup.waiting) + len(catchup.decisions) + sum(max(1, len(c.points)) for c in catchup.channels)
    return _fallback(catchup), blocks, Size(entries=entries, minutes=minutes)


def render_home(catchup: CatchUp, *, now: datetime) -> list[Block]:
    """The catch-up for the App Home tab: the same sections with more room, at most 60 blocks."""
    context = [_window(catchup), f"Updated {_date(now)}"]
    if catchup.is_empty:
        return [_header("Your catch-up"), _context(context), _section(ALL_CAUGHT_UP)]
    layout = _lay_out(catchup, HOME_BUDGET)
    blocks = [_header("Your catch-up"), _context(context), *layout.blocks]
    if layout.left_out:
        blocks.append(_context([f"…and {layout.left_out:,} more that did not fit here."]))
    return blocks


def _dm_words(layout: _Layout) -> int:
    # What the DM shows, not the whole catch-up: the header promises how long *this* takes, and the
    # rest waits in App Home. Tokens and links count as the words a reader sees.
    words = sum(_words(line) for line in layout.lines)
    if layout.left_out:
        words += word_count(_more_in_home(layout.left_out, home_url=None))
    return words


def _minutes(words: int) -> int:
    return max(1, (words + WORDS_PER_MINUTE // 2) // WORDS_PER_MINUTE)


def _fallback(catchup: CatchUp) -> str:
    """The plain text notifications show: counts only, so it stays short whatever the catch-up holds."""
    if catchup.is_empty:
        return ALL_CAUGHT_UP
    counts = [
        (len(catchup.waiting), "waiting on you", "waiting on you"),
        (len(catchup.decisions), "decision or change", "decisions or changes"),
        (len(catchup.channels), "channel", "channels"),
    ]
    parts = [f"{count:,} {one if count == 1 else many}" for count, one, many in counts if count]
    late = f" {LATE_NOTE}" if catchup.late else ""
    return f"Your catch-up: {', '.join(parts)}.{late}"


def _more_in_home(left_out: int, *, home_url: str | None) -> str:
    home = link(home_url, HOME_LINK_LABEL) or HOME_LINK_LABEL
    return f"…and {left_out:,} more in your {home}"


def _window(catchup: CatchUp) -> str:
    """The window the catch-up covers, as date tokens: each reader sees it in their own zone."""
    return f"While you were away · {_date(catchup.window_start)} to {_date(catchup.window_end)}"


def _date(instant: datetime) -> str:
    # The token's fallback text claims UTC, so the instant is put in UTC first; naive ones are UTC.
    utc = instant.replace(tzinfo=UTC) if instant.tzinfo is None else instant.astimezone(UTC)
    return when(utc, "{date_short_pretty} {time}")


def _lay_out(catchup: CatchUp, budget: _Budget) -> _Layout:
    """The sections in order, each cut at its tail to fit `budget`, and the count of entries left out."""
    # Steps are made only as far as the layout reads them: a busy morning's sections hold far more
    # entries than a DM shows, and the ones left out are only counted.
    sections = [
        (steps, entries)
        for steps, entries in (
            (_item_steps(WAITING_TITLE, catchup.waiting, budget), len(catchup.waiting)),
            (_item_steps(DECISIONS_TITLE, catchup.decisions, budget), len(catchup.decisions)),
            (_channel_steps(catchup.channels, budget), sum(max(1, len(c.points)) for c in catchup.channels)),
        )
        if entries
    ]
    heads = [list(islice(steps, GLIMPSE_STEPS)) for steps, _ in sections]
    glimpses = [_cost(_joined(head), tail=None, first=False) for head in heads]
    blocks: list[list[str] | None] = []  # None is a divider; a list holds one section's lines
    chars = used_blocks = shown = 0
    for index, (steps, _) in enumerate(sections):
        reserve_chars = sum(glimpse[0] for glimpse in glimpses[index + 1 :])
        reserve_blocks = sum(glimpse[1] for glimpse in glimpses[index + 1 :])
        tail: int | None = None
        for step in chain(heads[index], steps):
            more_chars, more_blocks, new_tail, joins = _cost(step.lines, tail=tail, first=not blocks)
            if (
                chars + more_chars + reserve_chars > budget.chars
                or used_blocks + more_blocks + reserve_blocks > budget.blocks
            ):
                break
            _place(blocks, step.lines, joins, tail=tail)
            chars, used_blocks, tail = chars + more_chars, used_blocks + more_blocks, new_tail
            shown += step.entries
    total = sum(entries for _, entries in sections)
    rendered = [_section("\n".join(lines)) if lines is not None else {"type": "divider"} for lines in blocks]
    return _Layout(rendered, [line for lines in blocks if lines for line in lines], total - shown)


def _cost(lines: tuple[str, ...], *, tail: int | None, first: bool) -> tuple[int, int, int | None, list[bool]]:
    """Characters and blocks that adding `lines` takes, the open block's length after, and the joins.

    A `tail` of None starts a section: a new block, after a divider unless it is the first. For each
    line, the joins say whether it joins the open section block or starts one.
    """
    chars = 0
    blocks = 1 if tail is None and not first else 0
    joins: list[bool] = []
    for line in lines:
        join = tail is not None and tail + 1 + len(line) <= SECTION_CHARS
        chars += len(line) + (1 if join else 0)
        blocks += 0 if join else 1
        tail = tail + 1 + len(line) if join and tail is not None else len(line)
        joins.append(join)
    return chars, blocks, tail, joins


def _place(blocks: list[list[str] | None], lines: tuple[str, ...], joins: list[bool], *, tail: int | None) -> None:
    """Add `lines` to the laid-out blocks as `_cost` counted them."""
    if tail is None and blocks:
        blocks.append(None)
    for line, join in zip(lines, joins, strict=True):
        current = blocks[-1] if blocks else None
        if join and current is not None:
            current.append(line)
        else:
            blocks.append([line])


def _joined(steps: list[_Step]) -> tuple[str, ...]:
    return tuple(line for step in steps for line in step.lines)


def _item_steps(title: str, items: tuple[Item, ...], budget: _Budget) -> Iterator[_Step]:
    return _titled(title, (_Step((_bullet(item, budget),), 1) for item in items))


def _channel_steps(channels: tuple[ChannelDigest, ...], budget: _Budget) -> Iterator[_Step]:
    def steps() -> Iterator[_Step]:
        for channel in channels:
            # A heading is shown with its first point or, for a channel without points, alone.
            first = (_bullet(channel.points[0], budget),) if channel.points else ()
            yield _Step((_channel_heading(channel), *first), 1)
            yield from (_Step((_bullet(point, budget),), 1) for point in channel.points[1:])

    return _titled(CHANNELS_TITLE, steps())


def _titled(title: str, steps: Iterator[_Step]) -> Iterator[_Step]:
    """A section's steps with its title joined to the first, so no title stands alone."""
    first = next(steps, None)
    if first is None:
        return
    yield _Step((title, *first.lines), first.entries)
    yield from steps


def _bullet(item: Item, budget: _Budget) -> str:
    """One entry on one line: its text, cut to fit, then a link to its source."""
    return _bullet_line(item.text, item.link, budget.entry_chars)


# A channel's points and heading are the same lines in every member's catch-up of a morning:
# these pure functions of plain strings are worked out once for all of them (bounded caches).
@lru_cache(maxsize=_LINE_CACHE)
def _bullet_line(text: str, url: str | None, entry_chars: int) -> str:
    source = link(url, "open")
    suffix = f" · {source}" if source else ""
    shown = cut(collapse_whitespace(text), entry_chars) or "_(no text)_"
    return f"• {shown}{suffix}"


def _channel_heading(channel: ChannelDigest) -> str:
    return _heading_line(channel.channel_id, channel.name, channel.message_count, channel.link)


@lru_cache(maxsize=_LINE_CACHE)
def _heading_line(channel_id: str, channel_name: str, count: int, url: str | None) -> str:
    name = cut(collapse_whitespace(escape(channel_name.lstrip("#"))), CHANNEL_NAME_CHARS) or channel_id
    label = link(url, f"#{name}") or f"#{name}"
    return f"*{label}* · {count:,} message{'' if count == 1 else 's'}"


_words = lru_cache(maxsize=_LINE_CACHE)(word_count)


def _header(text: str) -> Block:
    return {"type": "header", "text": {"type": "plain_text", "text": text, "emoji": True}}


def _context(texts: list[str]) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text} for text in texts]}


def _section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}
