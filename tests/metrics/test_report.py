"""Team metrics on the seeded history, as each reader may see them, checked against figures worked out by hand."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session, sessionmaker

from metrics import report
from metrics.figures import Figures
from metrics.scopes import CHANNEL, PRIVATE_TOGETHER, Conversation, Group, Report
from metrics.weeks import weeks_ending
from store import workspace_settings
from tests.metrics.history import LAST_DAY, TEAM, TZ, _decide, at, seed_history, seed_workspace

WEEKS = weeks_ending(LAST_DAY, count=2, tz=TZ)

# The workspace for its admins: the rows it shows and nothing else (#general; #tiny is too small
# and alone; the private conversations never make two with activity in a week, five people between
# them, without a small one that would then stand alone: #leads and the direct message's ping), and
# the catch-ups. Pings count where they were sent from: the one from nowhere known is in no row.
ADMIN_TOTAL = (
    Figures(
        decisions_logged=2,
        decisions_churned=0,
        median_to_decision=4500.0,  # of 30 min and 2 h
        pings_held=2,
        pings_in_hours=1,
        pings_urgent=1,
        mentions_off_hours=2,
        past_review_by=1,
        catchups=3,
        median_catchup_entries=4.0,
        median_catchup_minutes=1.0,
    ),
    Figures(
        decisions_logged=4,  # #general's four; #tiny's one is left out
        decisions_churned=2,
        median_to_decision=45000.0,  # of 1 h and 24 h: 12 h 30 min
        pings_held=1,
        pings_in_hours=0,
        pings_urgent=0,
        mentions_off_hours=1,
        past_review_by=2,
        catchups=3,  # one of them from before catch-ups had a size
        median_catchup_entries=4.0,
        median_catchup_minutes=2.5,
    ),
)
GENERAL = (
    Figures(2, 0, 4500.0, 2, 1, 1, 2, 1),
    Figures(4, 2, 45000.0, 1, 0, 0, 1, 2),
)


@pytest.fixture
def seeded(session_factory: sessionmaker[Session]) -> sessionmaker[Session]:
    with session_factory.begin() as session:
        seed_workspace(session)
        seed_history(session)
    return session_factory


def _figures(group: Group, field: str) -> list[object]:
    assert group.weeks is not None
    return [getattr(week, field) for week in group.weeks]


def test_the_admins_see_the_rows_shown_and_totals_made_of_them_alone(seeded: sessionmaker[Session]) -> None:
    with seeded() as session:
        seen = report.for_admins(session=session, team_id=TEAM, weeks=WEEKS)
    assert seen.min_group == 5
    assert seen.total.name == "Acme" and seen.total.weeks == ADMIN_TOTAL
    assert [(row.kind, row.name) for row in seen.rows] == [(CHANNEL, "general")]
    assert seen.rows[0].weeks == GENERAL
    # Nothing names or counts what is left out.
    assert "tiny" not in repr(seen) and "leads" not in repr(seen) and "ops" not in repr(seen)


def test_private_conversations_show_together_in_the_weeks_two_large_ones_had_activity(
    seeded: sessionmaker[Session],
) -> None:
    with seeded.begin() as session:
        # #ops (five people) decides something in week 2: with #leads' mention, two private channels.
        _decide(session, "G2", at(27, 9))
    with seeded() as session:
        seen = report.for_admins(session=session, team_id=TEAM, weeks=WEEKS)
    assert [(row.kind, row.name) for row in seen.rows] == [
        (CHANNEL, "general"),
        (PRIVATE_TOGETHER, "Private conversations"),
    ]
    private = seen.rows[1]
    # Week 1 had #leads alone: none of it. Week 2: #leads' mention and #ops' decision, not the direct
    # message's ping (alone among the small ones, it would be what is left after taking each large one away).
    assert _figures(private, "decisions_logged") == [0, 1] and _figures(private, "mentions_off_hours") == [0, 1]
    assert _figures(private, "pings_held") == [0, 0]
    assert _figures(seen.total, "decisions_logged") == [2, 5] and _figures(seen.total, "mentions_off_hours") == [2, 2]
    assert "leads" not in repr(seen) and "ops" not in repr(seen)


def test_a_member_sees_public_channels_and_their_own_private_ones_and_nothing_of_the_others(
    seeded: sessionmaker[Session],
) -> None:
    with seeded() as session:
        # Fay is in #general and #ops, not in #leads.
        fay = report.for_member(session=session, team_id=TEAM, user_id="U6", weeks=WEEKS)
        # Ana is in #leads.
        ana = report.for_member(session=session, team_id=TEAM, user_id="U1", weeks=WEEKS)
    assert [row.name for row in fay.rows] == ["general", "ops"]
    assert "leads" not in repr(fay) and "G1" not in repr(fay) and "tiny" not in repr(fay)
    # Her totals are her rows (#ops was quiet) and the workspace's catch-ups.
    assert fay.total.weeks == ADMIN_TOTAL
    assert [row.name for row in ana.rows] == ["general", "leads"]
    # Ana's add #leads: its decision, retraction, two hours to decision, and mention.
    assert _figures(ana.total, "decisions_logged") == [3, 4]
    assert _figures(ana.total, "decisions_churned") == [1, 2]
    assert _figures(ana.total, "median_to_decision") == [7200.0, 45000.0]
    assert _figures(ana.total, "mentions_off_hours") == [2, 2]


def test_one_channel_for_someone_who_may_see_it(seeded: sessionmaker[Session]) -> None:
    with seeded() as session:
        seen = report.for_channel(
            session=session, team_id=TEAM, channel=Conversation("C1", "general", "public", 6), weeks=WEEKS
        )
    assert seen.total.weeks == GENERAL and seen.rows == ()


def test_the_group_size_is_the_workspaces_choice_but_never_below_three(seeded: sessionmaker[Session]) -> None:
    def admins_with(chosen: int | None) -> Report:
        with seeded.begin() as session:
            workspace_settings.change(
                session=session, team_id=TEAM, actor_id="U1", now=at(28, 9), stats_min_group=chosen
            )
        with seeded() as session:
            return report.for_admins(session=session, team_id=TEAM, weeks=WEEKS)

    # Seven: #general (six people) is no longer shown, and with #tiny it holds only six people:
    # neither is in any figure, totals included (before, the totals kept #general's decisions).
    seven = admins_with(7)
    assert seven.rows == ()
    assert _figures(seven.total, "decisions_logged") == [0, 0] and _figures(seven.total, "pings_held") == [0, 0]
    assert _figures(seven.total, "catchups") == [3, 3]
    # Eight: the workspace itself is too small; nothing at all is shown.
    eight = admins_with(8)
    assert eight.total.weeks is None and eight.rows == ()
    # Two is taken as three: #tiny's two people stay hidden.
    two = admins_with(2)
    assert two.min_group == 3
    assert [row.name for row in two.rows] == ["general"]


COUNTS = (
    "decisions_logged",
    "decisions_churned",
    "pings_held",
    "pings_in_hours",
    "pings_urgent",
    "mentions_off_hours",
    "past_review_by",
)


@pytest.mark.parametrize("min_group", [3, 5, 7])
def test_every_total_is_the_sum_of_the_rows_shown_so_no_subtraction_is_left_to_make(
    seeded: sessionmaker[Session], min_group: int
) -> None:
    with seeded.begin() as session:
        workspace_settings.change(
            session=session, team_id=TEAM, actor_id="U1", now=at(28, 9), stats_min_group=min_group
        )
    with seeded() as session:
        seen = [report.for_admins(session=session, team_id=TEAM, weeks=WEEKS)] + [
            report.for_member(session=session, team_id=TEAM, user_id=user, weeks=WEEKS) for user in ("U1", "U6", "U7")
        ]
    for one in seen:
        assert one.total.weeks is not None
        shown = [row for row in one.rows if row.weeks is not None]
        for week, total in enumerate(one.total.weeks):
            for field in COUNTS:
                assert getattr(total, field) == sum(getattr(row.weeks[week], field) for row in shown if row.weeks)
