"""Who may see which group's figures: the privacy rules of team metrics, as plain functions.

- A group's figures are shown only when it has at least `min_group` people (the workspace's
  setting: 5 unless an admin chose otherwise, never fewer than 3). A channel's group is its
  members (people, not apps); the workspace's is every person Handoff knows there.
- No subtraction reveals a small group. Every total is the sum of exactly the groups shown
  beside it, pings included: a channel too small to show on its own is either left out of every
  total or pooled with others in one row that, week by week, holds at least `min_group` people
  across at least two conversations with activity that week. A week where they are fewer counts
  none of them, so no week's figure is one conversation's, whichever weeks a report spans (the
  rule looks at each week alone, so two reports agree on it). What is left out is never counted.
- A member sees public channels and the private channels they are in, row by row; the public
  channels too small to show are pooled in "Other channels" (the same pool for every reader, so
  that two readers' figures never differ by a small group). A small private channel is left out
  of a member's figures altogether. Direct messages never get a row of their own.
- The admins' weekly report (and the operator's CLI) shows public channels row by row, the same
  "Other channels", and every private conversation (private channels, direct messages, those
  Handoff has no record of) only together, in one "Private conversations" row. Its small
  conversations are in it only when they would make a row of their own (two with activity,
  `min_group` people between them): an admin who is in every large private channel, and so sees
  each one's figures in `/handoff stats`, then still cannot take them away to find a small one.
- Catch-ups are habits of people rather than of a conversation: the workspace's totals count
  all of them, and no row has any, so nothing can be subtracted from them.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass

from metrics.figures import Figures, Index, Tallies
from metrics.weeks import Week

PUBLIC, PRIVATE, DIRECT = "public", "private", "direct"
DEFAULT_MIN_GROUP, LOWEST_MIN_GROUP = 5, 3
# Fewer conversations than this are never shown together: the row would be one of them.
MIN_TOGETHER = 2
NOT_ENOUGH_PEOPLE = "not enough people to show this"
WORKSPACE, CHANNEL, PRIVATE_TOGETHER, OTHER_TOGETHER = "workspace", "channel", "private", "other"
PRIVATE_ROW_NAME = "Private conversations"
OTHER_ROW_NAME = "Other channels"

# How many people some conversations hold between them, each counted once (unknown ones hold none).
PeopleIn = Callable[[Collection[str]], int]


@dataclass(frozen=True)
class Conversation:
    """What the rules need to know of a conversation: its kind, its name, and how many people are in it."""

    channel_id: str
    name: str
    kind: str
    people: int


@dataclass(frozen=True)
class Group:
    """One row of a report: the workspace, a channel, or conversations together.

    `weeks` holds the figures of each week, oldest first; None when the group is too small to show.
    `counted` names, week by week, the conversations its figures add up (never shown; the rules
    are checked on it).
    """

    kind: str
    name: str
    weeks: tuple[Figures, ...] | None
    channel_id: str | None = None
    counted: tuple[frozenset[str], ...] = ()


@dataclass(frozen=True)
class Report:
    """Everything one reader may see of a workspace's metrics over a run of weeks."""

    weeks: tuple[Week, ...]
    total: Group
    rows: tuple[Group, ...]
    min_group: int
    # Said under the rows: what was left out and why (no names, no counts).
    notes: tuple[str, ...] = ()


def effective_min_group(chosen: int | None) -> int:
    """The workspace's group size: its admins' choice, else 5, and never below 3."""
    return max(LOWEST_MIN_GROUP, chosen if chosen is not None else DEFAULT_MIN_GROUP)


def _channel_rows(index: Index, channels: Iterable[Conversation]) -> list[Group]:
    size = len(index.tallies.weeks)
    rows = [
        Group(
            kind=CHANNEL,
            name=c.name,
            channel_id=c.channel_id,
            counted=(frozenset({c.channel_id}),) * size,
            weeks=index.weeks_of([c.channel_id]),
        )
        for c in channels
    ]
    # By name: no channel is put above another for doing more (team metrics rank nothing).
    return sorted(rows, key=lambda row: (row.name, row.channel_id or ""))


def _together(active: Collection[str], kinds: dict[str, Conversation], people_in: PeopleIn, min_group: int) -> bool:
    """Whether these conversations may be shown as one figure: two or more with activity, `min_group` people."""
    if len(active) < MIN_TOGETHER:
        return False
    # One of them holds enough people by itself: no need to count the people of all.
    return any(c in kinds and kinds[c].people >= min_group for c in active) or people_in(active) >= min_group


def other_channels(
    index: Index, conversations: Collection[Conversation], *, people_in: PeopleIn, min_group: int
) -> tuple[frozenset[str], ...]:
    """Week by week, the public channels too small to show on their own that "Other channels" adds up.

    Only those with activity that week, and only when they make a group: with one busy small
    channel and one quiet one, the figure would be the busy one's, so that week counts neither.
    """
    small = {c.channel_id for c in conversations if c.kind == PUBLIC and c.people < min_group}
    weeks = []
    for active in index.active:
        busy = small & active
        weeks.append(frozenset(busy) if _together(busy, {}, people_in, min_group) else frozenset())
    return tuple(weeks)


def private_together(
    index: Index, conversations: Collection[Conversation], *, people_in: PeopleIn, min_group: int
) -> tuple[frozenset[str], ...]:
    """Week by week, the private conversations with activity that "Private conversations" adds up.

    Conversations Handoff has no record of are private, and hold nobody it knows of. The small
    ones are in only when they make a group of their own; with them or not, the row needs two.
    """
    kinds = {c.channel_id: c for c in conversations}
    weeks = []
    for active in index.active:
        busy = {c for c in active if c not in kinds or kinds[c].kind != PUBLIC}
        large = {c for c in busy if c in kinds and kinds[c].kind == PRIVATE and kinds[c].people >= min_group}
        small = busy - large
        held = large | small if _together(small, kinds, people_in, min_group) else large
        weeks.append(frozenset(held) if _together(held, kinds, people_in, min_group) else frozenset())
    return tuple(weeks)


def _pool(index: Index, kind: str, name: str, counted: tuple[frozenset[str], ...]) -> list[Group]:
    """The row of conversations together, when any week has one; [] when none does."""
    if not any(counted):
        return []
    return [Group(kind=kind, name=name, counted=counted, weeks=index.weeks_of_each(counted))]


def _too_small(weeks: tuple[Week, ...], min_group: int) -> Report:
    return Report(weeks=weeks, total=Group(kind=WORKSPACE, name="", weeks=None), rows=(), min_group=min_group)


def _total(index: Index, name: str, rows: list[Group]) -> Group:
    counted = tuple(frozenset().union(*(row.counted[week] for row in rows)) for week in range(len(index.tallies.weeks)))
    return Group(kind=WORKSPACE, name=name, counted=counted, weeks=index.weeks_of_each(counted, workspace=True))


def _small_rule(min_group: int) -> str:
    return (
        f"Channels with fewer than {min_group} people are counted only together, as \N{LEFT DOUBLE QUOTATION MARK}"
        f"{OTHER_ROW_NAME}\N{RIGHT DOUBLE QUOTATION MARK}, in the weeks when at least two of them had activity "
        f"and they hold {min_group} people between them; otherwise they are left out of every figure, totals "
        "included."
    )


def member_report(
    tallies: Tallies,
    conversations: Collection[Conversation],
    *,
    member_of: Collection[str],
    workspace_people: int,
    workspace_name: str,
    min_group: int,
    people_in: PeopleIn,
) -> Report:
    """The workspace as one member sees it: public channels and their own private channels."""
    if workspace_people < min_group:
        return _too_small(tallies.weeks, min_group)
    index = Index(tallies)
    shown = [
        c
        for c in conversations
        if c.people >= min_group and (c.kind == PUBLIC or (c.kind == PRIVATE and c.channel_id in member_of))
    ]
    rows = _channel_rows(index, shown)
    other = other_channels(index, conversations, people_in=people_in, min_group=min_group)
    rows += _pool(index, OTHER_TOGETHER, OTHER_ROW_NAME, other)
    return Report(
        weeks=tallies.weeks,
        total=_total(index, workspace_name, rows),
        rows=tuple(rows),
        min_group=min_group,
        notes=(
            "Totals add up the rows below: the channels you can see, pings sent from them included; "
            "catch-ups are counted across the workspace.",
            _small_rule(min_group),
        ),
    )


def admin_report(
    tallies: Tallies,
    conversations: Collection[Conversation],
    *,
    workspace_people: int,
    workspace_name: str,
    min_group: int,
    people_in: PeopleIn,
) -> Report:
    """The workspace for its admins (and the CLI): public channels by name, private conversations only together."""
    if workspace_people < min_group:
        return _too_small(tallies.weeks, min_group)
    index = Index(tallies)
    rows = _channel_rows(index, [c for c in conversations if c.kind == PUBLIC and c.people >= min_group])
    other = other_channels(index, conversations, people_in=people_in, min_group=min_group)
    rows += _pool(index, OTHER_TOGETHER, OTHER_ROW_NAME, other)
    private = private_together(index, conversations, people_in=people_in, min_group=min_group)
    rows += _pool(index, PRIVATE_TOGETHER, PRIVATE_ROW_NAME, private)
    return Report(
        weeks=tallies.weeks,
        total=_total(index, workspace_name, rows),
        rows=tuple(rows),
        min_group=min_group,
        notes=(
            "Totals add up the rows below, pings sent from them included; catch-ups are counted across the workspace.",
            _small_rule(min_group),
            "Private channels and direct messages are only ever counted together, never by name, and only in the "
            "weeks when that row shows no small group.",
        ),
    )


def channel_report(tallies: Tallies, channel: Conversation, *, min_group: int) -> Report:
    """One channel (the caller checked the reader may see it)."""
    if channel.people >= min_group:
        (group,) = _channel_rows(Index(tallies), [channel])
    else:
        group = Group(kind=CHANNEL, name=channel.name, channel_id=channel.channel_id, weeks=None)
    return Report(weeks=tallies.weeks, total=group, rows=(), min_group=min_group)
