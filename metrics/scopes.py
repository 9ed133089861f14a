"""Who may see which group's figures: the privacy rules of team metrics, as plain functions.

- A group's figures are shown only when it has at least `min_group` people (the workspace's
  setting: 5 unless an admin chose otherwise, never fewer than 3); a smaller group shows
  "not enough people to show this". A channel's group is its members (people, not apps); the
  workspace's is every person Handoff knows there.
- A member sees public channels and the private channels they are in, row by row; their totals
  count those channels only. Direct messages never get a row of their own.
- The admins' weekly report (and the operator's CLI) shows public channels row by row, and every
  private conversation (private channels, direct messages, conversations Handoff has not been told
  about) only together, in one "private conversations" row: at least two of them with activity in
  the weeks and `min_group` people between them, else they are left out of the totals too, so that
  subtracting the rows shown from the total never gives one private conversation's figures.
- Pings and catch-ups are habits of people rather than of a channel: the workspace's totals count
  all of them, whoever reads.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass

from metrics.figures import Figures, Index, Tallies
from metrics.weeks import Week

PUBLIC, PRIVATE, DIRECT = "public", "private", "direct"
DEFAULT_MIN_GROUP, LOWEST_MIN_GROUP = 5, 3
# Fewer private conversations than this are never shown together: the row would be one of them.
MIN_PRIVATE_TOGETHER = 2
NOT_ENOUGH_PEOPLE = "not enough people to show this"
WORKSPACE, CHANNEL, PRIVATE_TOGETHER = "workspace", "channel", "private"
PRIVATE_ROW_NAME = "Private conversations"


@dataclass(frozen=True)
class Conversation:
    """What the rules need to know of a conversation: its kind, its name, and how many people are in it."""

    channel_id: str
    name: str
    kind: str
    people: int


@dataclass(frozen=True)
class Group:
    """One row of a report: the workspace, a channel, or the private conversations together.

    `weeks` holds the figures of each week, oldest first; None when the group is too small to show.
    """

    kind: str
    name: str
    weeks: tuple[Figures, ...] | None
    channel_id: str | None = None


@dataclass(frozen=True)
class Report:
    """Everything one reader may see of a workspace's metrics over a run of weeks."""

    weeks: tuple[Week, ...]
    total: Group
    rows: tuple[Group, ...]
    min_group: int
    # Said under the rows: what was left out and why (no names).
    notes: tuple[str, ...] = ()


def effective_min_group(chosen: int | None) -> int:
    """The workspace's group size: its admins' choice, else 5, and never below 3."""
    return max(LOWEST_MIN_GROUP, chosen if chosen is not None else DEFAULT_MIN_GROUP)


def _channel_rows(index: Index, channels: Iterable[Conversation], min_group: int) -> list[Group]:
    rows = [
        Group(
            kind=CHANNEL,
            name=channel.name,
            channel_id=channel.channel_id,
            weeks=index.weeks_of([channel.channel_id]) if channel.people >= min_group else None,
        )
        for channel in channels
    ]
    # By name: no channel is put above another for doing more (team metrics rank nothing).
    return sorted(rows, key=lambda row: (row.name, row.channel_id or ""))


def _too_small(weeks: tuple[Week, ...], min_group: int) -> Report:
    return Report(weeks=weeks, total=Group(kind=WORKSPACE, name="", weeks=None), rows=(), min_group=min_group)


def member_report(
    tallies: Tallies,
    conversations: Collection[Conversation],
    *,
    member_of: Collection[str],
    workspace_people: int,
    workspace_name: str,
    min_group: int,
) -> Report:
    """The workspace as one member sees it: public channels and their own private channels."""
    if workspace_people < min_group:
        return _too_small(tallies.weeks, min_group)
    visible = [c for c in conversations if c.kind == PUBLIC or (c.kind == PRIVATE and c.channel_id in member_of)]
    index = Index(tallies)
    total = Group(
        kind=WORKSPACE, name=workspace_name, weeks=index.weeks_of([c.channel_id for c in visible], workspace=True)
    )
    return Report(
        weeks=tallies.weeks,
        total=total,
        rows=tuple(_channel_rows(index, visible, min_group)),
        min_group=min_group,
        notes=("Totals count the channels you can see; pings and catch-ups are counted across the workspace.",),
    )


def active_private(tallies: Tallies, conversations: Collection[Conversation]) -> list[str]:
    """The private conversations with any figure in the weeks: those a "private conversations" row would hold.

    Quiet ones are not counted towards the two a row needs: with one busy private channel and one
    quiet one, the row would be the busy one's figures. Conversations Handoff has no record of are
    private too.
    """
    public = {c.channel_id for c in conversations if c.kind == PUBLIC}
    return sorted(channel for channel in tallies.conversations() if channel not in public)


def admin_report(
    tallies: Tallies,
    conversations: Collection[Conversation],
    *,
    workspace_people: int,
    private_people: int,
    workspace_name: str,
    min_group: int,
) -> Report:
    """The workspace for its admins (and the CLI): public channels by name, private conversations only together.

    `private_people`: how many people the active private conversations (`active_private`) hold between them.
    """
    if workspace_people < min_group:
        return _too_small(tallies.weeks, min_group)
    public = [c for c in conversations if c.kind == PUBLIC]
    private = active_private(tallies, conversations)
    counted = [c.channel_id for c in public]
    index = Index(tallies)
    rows = _channel_rows(index, public, min_group)
    notes: list[str] = []
    if len(private) >= MIN_PRIVATE_TOGETHER and private_people >= min_group:
        counted += private
        rows.append(Group(kind=PRIVATE_TOGETHER, name=PRIVATE_ROW_NAME, weeks=index.weeks_of(private)))
    elif private:
        notes.append(
            "Private conversations are left out: there are too few of them, or too few people in them, "
            "to show them together without showing one."
        )
    total = Group(kind=WORKSPACE, name=workspace_name, weeks=index.weeks_of(counted, workspace=True))
    notes.append("Private channels and direct messages are only ever counted together, never by name.")
    return Report(weeks=tallies.weeks, total=total, rows=tuple(rows), min_group=min_group, notes=tuple(notes))


def channel_report(tallies: Tallies, channel: Conversation, *, min_group: int) -> Report:
    """One channel (the caller checked the reader may see it)."""
    weeks = Index(tallies).weeks_of([channel.channel_id]) if channel.people >= min_group else None
    group = Group(kind=CHANNEL, name=channel.name, channel_id=channel.channel_id, weeks=weeks)
    return Report(weeks=tallies.weeks, total=group, rows=(), min_group=min_group)
