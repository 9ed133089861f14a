"""Team metrics on the seeded history, as each reader may see them, checked against figures worked out by hand."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session, sessionmaker

from metrics import report
from metrics.figures import Figures
from metrics.scopes import CHANNEL, PRIVATE_TOGETHER, Conversation, Report
from metrics.weeks import weeks_ending
from store import workspace_settings
from tests.metrics.history import LAST_DAY, TEAM, TZ, at, seed_history, seed_workspace

WEEKS = weeks_ending(LAST_DAY, count=2, tz=TZ)

# The workspace for its admins: public channels, the private conversations together (two active in
# the weeks, #leads and the direct message, five people between them), every ping, the catch-ups.
ADMIN_TOTAL = (
    Figures(
        decisions_logged=3,  # two in #general, one in #leads
        decisions_churned=1,  # #leads retracted
        median_to_decision=7200.0,  # of 30 min, 2 h, 2 h
        pings_held=2,
        pings_in_hours=2,  # one from #general, one from nowhere known
        pings_urgent=1,
        mentions_off_hours=2,
        past_review_by=1,
        catchups=3,
        median_catchup_entries=4.0,
        median_catchup_minutes=1.0,
    ),
    Figures(
        decisions_logged=5,  # four in #general, one in #tiny
        decisions_churned=2,
        median_to_decision=45000.0,  # of 1 h and 24 h: 12 h 30 min
        pings_held=2,  # one from #general, one from the direct message
        pings_in_hours=0,
        pings_urgent=0,
        mentions_off_hours=2,
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
PRIVATE_TOGETHER_WEEKS = (
    Figures(decisions_logged=1, decisions_churned=1, median_to_decision=7200.0),
    Figures(pings_held=1, mentions_off_hours=1),
)


@pytest.fixture
def seeded(session_factory: sessionmaker[Session]) -> sessionmaker[Session]:
    with session_factory.begin() as session:
        seed_workspace(session)
        seed_history(session)
    return session_factory


def test_the_admins_see_public_channels_by_name_and_private_conversations_only_together(
    seeded: sessionmaker[Session],
) -> None:
    with seeded() as session:
        seen = report.for_admins(session=session, team_id=TEAM, weeks=WEEKS)
    assert seen.min_group == 5
    assert seen.total.name == "Acme" and seen.total.weeks == ADMIN_TOTAL
    assert [(row.kind, row.name) for row in seen.rows] == [
        (CHANNEL, "general"),
        (CHANNEL, "tiny"),
        (PRIVATE_TOGETHER, "Private conversations"),
    ]
    general, tiny, private = seen.rows
    assert general.weeks == GENERAL
    # Two people: never shown on its own.
    assert tiny.weeks is None
    assert private.weeks == PRIVATE_TOGETHER_WEEKS
    assert "leads" not in repr(seen) and "ops" not in repr(seen)


def test_a_member_sees_public_channels_and_their_own_private_ones_and_nothing_of_the_others(
    seeded: sessionmaker[Session],
) -> None:
    with seeded() as session:
        # Fay is in #general and #ops, not in #leads.
        fay = report.for_member(session=session, team_id=TEAM, user_id="U6", weeks=WEEKS)
        # Ana is in #leads.
        ana = report.for_member(session=session, team_id=TEAM, user_id="U1", weeks=WEEKS)
    assert [(row.name, row.weeks is None) for row in fay.rows] == [("general", False), ("ops", False), ("tiny", True)]
    assert "leads" not in repr(fay) and "G1" not in repr(fay)
    assert fay.total.weeks is not None
    first, second = fay.total.weeks
    # #leads' decision, retraction and mention are not in Fay's totals; pings and catch-ups are the workspace's.
    assert (first.decisions_logged, first.decisions_churned, first.median_to_decision) == (2, 0, 4500.0)
    assert (second.decisions_logged, second.mentions_off_hours) == (5, 1)
    assert (first.pings_held, first.pings_in_hours, first.pings_urgent, second.pings_held) == (2, 2, 1, 2)
    assert (first.catchups, second.median_catchup_minutes) == (3, 2.5)
    assert [row.name for row in ana.rows] == ["general", "leads", "tiny"]
    assert ana.total.weeks is not None
    assert (ana.total.weeks[0].decisions_logged, ana.total.weeks[1].mentions_off_hours) == (3, 2)


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

    # Seven: #general (six people) is no longer shown, nor the active private conversations (#leads
    # and the direct message: five people between them), which then leave the totals too.
    seven = admins_with(7)
    assert [(row.name, row.weeks is None) for row in seven.rows] == [("general", True), ("tiny", True)]
    assert seven.total.weeks is not None
    assert [week.decisions_logged for week in seven.total.weeks] == [2, 5]
    assert [week.pings_held for week in seven.total.weeks] == [2, 2]
    # Eight: the workspace itself is too small; nothing at all is shown.
    eight = admins_with(8)
    assert eight.total.weeks is None and eight.rows == ()
    # Two is taken as three: #tiny's two people stay hidden.
    two = admins_with(2)
    assert two.min_group == 3
    assert [row.weeks is None for row in two.rows if row.name == "tiny"] == [True]
