"""The privacy rules on hand-made tallies: what each reader's rows and totals may hold."""

from __future__ import annotations

from collections import Counter
from datetime import date

from metrics.figures import Tallies
from metrics.scopes import (
    DIRECT,
    PRIVATE,
    PRIVATE_TOGETHER,
    PUBLIC,
    Conversation,
    admin_report,
    effective_min_group,
    member_report,
)
from metrics.weeks import weeks_ending

WEEKS = weeks_ending(date(2026, 3, 1), count=1, tz="UTC")
GENERAL = Conversation("C1", "general", PUBLIC, 8)
SECRET = Conversation("G1", "secret", PRIVATE, 6)
DM = Conversation("D1", "", DIRECT, 2)


def _tallies() -> Tallies:
    # One decision each in #general, #secret, a direct message and a conversation Handoff has no record of.
    return Tallies(weeks=WEEKS, logged=Counter({("C1", 0): 1, ("G1", 0): 1, ("D1", 0): 1, ("G7", 0): 1}))


def _logged(weeks: object) -> int:
    assert isinstance(weeks, tuple)
    return int(weeks[0].decisions_logged)


def test_one_private_conversation_alone_is_never_shown_not_even_through_the_totals() -> None:
    seen = admin_report(
        Tallies(weeks=WEEKS, logged=Counter({("C1", 0): 1, ("G1", 0): 1})),
        [GENERAL, SECRET],
        workspace_people=20,
        private_people=6,
        workspace_name="Acme",
        min_group=5,
    )
    assert [row.name for row in seen.rows] == ["general"]
    # Total minus the rows shown must not give #secret's figures: it is left out of both.
    assert _logged(seen.total.weeks) == 1
    assert any("left out" in note for note in seen.notes)


def test_private_conversations_together_include_those_handoff_has_no_record_of() -> None:
    seen = admin_report(
        _tallies(), [GENERAL, SECRET, DM], workspace_people=20, private_people=7, workspace_name="Acme", min_group=5
    )
    private = [row for row in seen.rows if row.kind == PRIVATE_TOGETHER]
    assert [_logged(row.weeks) for row in private] == [3]
    assert _logged(seen.total.weeks) == 4
    assert "secret" not in repr(seen)


def test_a_quiet_private_conversation_does_not_make_a_busy_one_shown_together() -> None:
    quiet = Conversation("G2", "quiet", PRIVATE, 9)
    seen = admin_report(
        Tallies(weeks=WEEKS, logged=Counter({("C1", 0): 1, ("G1", 0): 1})),
        [GENERAL, SECRET, quiet],
        workspace_people=20,
        private_people=15,
        workspace_name="Acme",
        min_group=5,
    )
    assert [row.name for row in seen.rows] == ["general"] and _logged(seen.total.weeks) == 1


def test_private_conversations_with_too_few_people_between_them_are_left_out() -> None:
    seen = admin_report(
        _tallies(), [GENERAL, SECRET, DM], workspace_people=20, private_people=4, workspace_name="Acme", min_group=5
    )
    assert [row.name for row in seen.rows] == ["general"] and _logged(seen.total.weeks) == 1


def test_a_member_never_gets_a_row_for_a_direct_message_and_sees_private_channels_they_are_in() -> None:
    outsider = member_report(
        _tallies(), [GENERAL, SECRET, DM], member_of={"C1"}, workspace_people=20, workspace_name="Acme", min_group=5
    )
    assert [row.name for row in outsider.rows] == ["general"] and _logged(outsider.total.weeks) == 1
    insider = member_report(
        _tallies(),
        [GENERAL, SECRET, DM],
        member_of={"C1", "G1", "D1"},
        workspace_people=20,
        workspace_name="Acme",
        min_group=5,
    )
    assert [row.name for row in insider.rows] == ["general", "secret"] and _logged(insider.total.weeks) == 2


def test_a_workspace_smaller_than_the_group_size_shows_nothing() -> None:
    seen = member_report(
        _tallies(), [GENERAL], member_of={"C1"}, workspace_people=4, workspace_name="Acme", min_group=5
    )
    assert seen.total.weeks is None and seen.rows == ()


def test_the_group_size_is_five_unless_chosen_and_never_below_three() -> None:
    assert (effective_min_group(None), effective_min_group(8), effective_min_group(1)) == (5, 8, 3)
