"""The privacy rules on hand-made tallies: what each reader's rows and totals may hold."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection
from datetime import date

from metrics.figures import DIRECT_MESSAGES, HELD, Tallies
from metrics.scopes import (
    CHANNEL,
    DIRECT,
    OTHER_TOGETHER,
    PRIVATE,
    PRIVATE_TOGETHER,
    PUBLIC,
    Conversation,
    Report,
    admin_report,
    effective_min_group,
    member_report,
)
from metrics.weeks import weeks_ending

WEEKS = weeks_ending(date(2026, 3, 1), count=1, tz="UTC")
TWO_WEEKS = weeks_ending(date(2026, 3, 1), count=2, tz="UTC")
MEMBERS = {
    "C1": {f"U{n}" for n in range(1, 9)},  # #general: eight
    "C2": {"U1", "U2"},  # #tiny
    "C3": {"U3", "U4", "U5"},  # #small
    "C4": {"U1"},  # #solo
    "G1": {"U1", "U2", "U3", "U4", "U5", "U6"},  # #secret: six
    "G2": {"U1", "U2"},  # #pair
    "G3": {"U6", "U7", "U8"},  # #trio
    "D1": {"U1", "U2"},
}
GENERAL = Conversation("C1", "general", PUBLIC, 8)
TINY = Conversation("C2", "tiny", PUBLIC, 2)
SMALL = Conversation("C3", "small", PUBLIC, 3)
SOLO = Conversation("C4", "solo", PUBLIC, 1)
SECRET = Conversation("G1", "secret", PRIVATE, 6)
PAIR = Conversation("G2", "pair", PRIVATE, 2)
TRIO = Conversation("G3", "trio", PRIVATE, 3)
DM = Conversation("D1", "", DIRECT, 2)
ALL = [GENERAL, TINY, SMALL, SOLO, SECRET, PAIR, TRIO, DM]


def people_in(channel_ids: Collection[str]) -> int:
    return len(set().union(*(MEMBERS.get(channel, set()) for channel in channel_ids)))


def _tallies(*active: str) -> Tallies:
    """One decision logged in each conversation named, in the one week."""
    return Tallies(weeks=tuple(WEEKS), logged=Counter({(channel, 0): 1 for channel in active}))


def _admin(tallies: Tallies, min_group: int = 5) -> Report:
    return admin_report(
        tallies, ALL, workspace_people=20, workspace_name="Acme", min_group=min_group, people_in=people_in
    )


def _member(tallies: Tallies, member_of: set[str]) -> Report:
    return member_report(
        tallies, ALL, member_of=member_of, workspace_people=20, workspace_name="Acme", min_group=5, people_in=people_in
    )


def _rows(report: Report) -> dict[str, int]:
    return {row.name: row.weeks[-1].decisions_logged for row in report.rows if row.weeks is not None}


def _total(report: Report) -> int:
    assert report.total.weeks is not None
    return report.total.weeks[-1].decisions_logged


def test_a_small_public_channel_alone_is_in_no_figure_and_no_total() -> None:
    seen = _admin(_tallies("C1", "C2"))
    assert _rows(seen) == {"general": 1}
    # Total minus the rows shown must not give #tiny's figures: it is left out of both, and not counted aloud.
    assert _total(seen) == 1
    assert "tiny" not in repr(seen.notes) and "1 channel" not in repr(seen.notes)


def test_small_public_channels_together_make_other_channels_when_two_had_activity_and_hold_enough_people() -> None:
    # #tiny and #small: five people between them.
    seen = _admin(_tallies("C1", "C2", "C3"))
    assert _rows(seen) == {"general": 1, "Other channels": 2}
    assert _total(seen) == 3
    (other,) = [row for row in seen.rows if row.kind == OTHER_TOGETHER]
    assert other.counted == (frozenset({"C2", "C3"}),)


def test_two_small_channels_with_too_few_people_between_them_are_left_out() -> None:
    # #tiny and #solo: two people.
    assert _rows(_admin(_tallies("C1", "C2", "C4"))) == {"general": 1}


def test_a_week_with_one_busy_small_channel_counts_none_even_if_another_was_busy_the_week_before() -> None:
    tallies = Tallies(weeks=tuple(TWO_WEEKS), logged=Counter({("C2", 0): 1, ("C3", 0): 1, ("C3", 1): 4}))
    seen = _admin(tallies)
    (other,) = [row for row in seen.rows if row.kind == OTHER_TOGETHER]
    assert other.weeks is not None and [week.decisions_logged for week in other.weeks] == [2, 0]
    assert seen.total.weeks is not None and [week.decisions_logged for week in seen.total.weeks] == [2, 0]


def test_private_conversations_together_need_their_small_ones_to_make_a_group_of_their_own() -> None:
    # #secret (six) and #pair (two): an admin in #secret would find #pair by subtraction, so #pair is out,
    # and #secret alone is no "together".
    assert _rows(_admin(_tallies("G1", "G2"))) == {"general": 0}
    # #pair and #trio hold five between them: with #secret, all three.
    seen = _admin(_tallies("G1", "G2", "G3"))
    assert _rows(seen) == {"general": 0, "Private conversations": 3} and _total(seen) == 3


def test_direct_messages_and_unknown_conversations_count_as_small_private_ones() -> None:
    # Pings from direct messages, and a conversation Handoff has no record of: nobody known in them.
    tallies = Tallies(weeks=tuple(WEEKS), logged=Counter({("G1", 0): 1, ("G9", 0): 1}))
    tallies.pings[HELD][(DIRECT_MESSAGES, 0)] = 2
    assert _rows(_admin(tallies)) == {"general": 0}
    tallies.logged[("G3", 0)] = 1
    tallies.logged[("D1", 0)] = 1
    seen = _admin(tallies)
    (private,) = [row for row in seen.rows if row.kind == PRIVATE_TOGETHER]
    assert private.counted == (frozenset({"G1", "G3", "D1", "G9", DIRECT_MESSAGES}),)
    assert private.weeks is not None and private.weeks[0].pings_held == 2
    assert "secret" not in repr(seen.rows)


def test_pings_count_where_they_were_sent_from_so_the_total_is_its_rows() -> None:
    tallies = Tallies(weeks=tuple(WEEKS))
    tallies.pings[HELD].update({("C1", 0): 3, ("C2", 0): 5, (DIRECT_MESSAGES, 0): 7, (None, 0): 1})
    seen = _member(tallies, {"C1"})
    assert seen.total.weeks is not None and seen.total.weeks[0].pings_held == 3


def test_a_member_sees_their_private_channels_never_a_direct_message_and_no_small_private_one() -> None:
    tallies = _tallies("C1", "C2", "C3", "G1", "G2", "D1")
    outsider = _member(tallies, {"C1"})
    assert _rows(outsider) == {"general": 1, "Other channels": 2} and _total(outsider) == 3
    insider = _member(tallies, {"C1", "G1", "G2", "D1"})
    assert _rows(insider) == {"general": 1, "Other channels": 2, "secret": 1} and _total(insider) == 4
    # Two readers' totals differ by rows both see shown: never by a small group.
    assert [row.kind for row in insider.rows] == [CHANNEL, CHANNEL, OTHER_TOGETHER]


def test_a_workspace_smaller_than_the_group_size_shows_nothing() -> None:
    seen = member_report(
        _tallies("C1"),
        [GENERAL],
        member_of={"C1"},
        workspace_people=4,
        workspace_name="Acme",
        min_group=5,
        people_in=people_in,
    )
    assert seen.total.weeks is None and seen.rows == ()


def test_the_group_size_is_five_unless_chosen_and_never_below_three() -> None:
    assert (effective_min_group(None), effective_min_group(8), effective_min_group(1)) == (5, 8, 3)
