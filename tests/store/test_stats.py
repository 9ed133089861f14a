"""Team metrics' reads on the seeded history: tallies per conversation and Berlin week, and group sizes."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy.orm import Session, sessionmaker

from metrics.scopes import DIRECT, PRIVATE, PUBLIC, Conversation
from metrics.weeks import weeks_ending
from store import people, stats, stats_groups
from store.people import Profile
from tests.metrics.history import LAST_DAY, TEAM, TZ, seed_history, seed_workspace

WEEKS = weeks_ending(LAST_DAY, count=2, tz=TZ)


@pytest.fixture
def seeded(session_factory: sessionmaker[Session]) -> sessionmaker[Session]:
    with session_factory.begin() as session:
        seed_workspace(session)
        seed_history(session)
    return session_factory


def test_each_figure_lands_in_its_conversation_and_berlin_week(seeded: sessionmaker[Session]) -> None:
    with seeded() as session:
        tallies = stats.tallies(session=session, team_id=TEAM, weeks=WEEKS)
    # Sunday 22:30 UTC is still Sunday in Berlin (week 0); 23:30 UTC is Monday there (week 1).
    assert tallies.logged == Counter({("C1", 0): 2, ("G1", 0): 1, ("C1", 1): 4, ("C2", 1): 1})
    # A retraction, a retraction undone the same day (still a change), a supersede.
    assert tallies.churned == Counter({("G1", 0): 1, ("C1", 1): 2})
    assert {key: sorted(values) for key, values in tallies.to_decision.items()} == {
        ("C1", 0): [1800.0, 7200.0],
        ("G1", 0): [7200.0],
        ("C1", 1): [3600.0, 86400.0],
    }
    # The decision due on 18 Feb at both weeks' ends; the one due on 25 Feb at the second's.
    assert tallies.past_review_by == Counter({("C1", 0): 1, ("C1", 1): 2})
    assert tallies.mentions == Counter({("C1", 0): 2, ("C1", 1): 1, ("G1", 1): 1})
    assert tallies.pings == {
        # Pings from any direct message are counted together.
        "held": Counter({("C1", 0): 2, ("C1", 1): 1, ("D*", 1): 1}),
        "in_hours": Counter({("C1", 0): 1, (None, 0): 1}),
        "urgent": Counter({("C1", 0): 1}),
    }
    assert tallies.catchups == Counter({0: 3, 1: 3})
    assert tallies.catchup_entries == {0: Counter({2: 1, 4: 1, 10: 1}), 1: Counter({3: 1, 5: 1})}
    assert tallies.catchup_minutes == {0: Counter({1: 2, 3: 1}), 1: Counter({2: 1, 3: 1})}


def test_one_channels_tallies_leave_out_every_other_conversation_and_the_catch_ups(
    seeded: sessionmaker[Session],
) -> None:
    with seeded() as session:
        tallies = stats.tallies(session=session, team_id=TEAM, weeks=WEEKS, channel_id="G1")
    assert tallies.logged == Counter({("G1", 0): 1})
    assert tallies.churned == Counter({("G1", 0): 1})
    assert tallies.mentions == Counter({("G1", 1): 1})
    assert not any(tallies.pings.values()) and not tallies.catchups and not tallies.past_review_by


def test_an_empty_workspace_tallies_nothing(session_factory: sessionmaker[Session]) -> None:
    with session_factory() as session:
        tallies = stats.tallies(session=session, team_id=TEAM, weeks=WEEKS)
    assert not tallies.logged and not tallies.catchups and not tallies.conversations()


def test_groups_count_people_not_apps_and_not_deactivated_accounts(seeded: sessionmaker[Session]) -> None:
    with seeded.begin() as session:
        # A deactivated member of #general no longer makes the group bigger.
        people.save_profile(session=session, profile=Profile(TEAM, "U4", name="dee", deleted=True), now=WEEKS[0].start)
    with seeded() as session:
        found = {c.channel_id: c for c in stats_groups.conversations(session=session, team_id=TEAM)}
        workspace = stats_groups.workspace_people(session=session, team_id=TEAM)
        private = stats_groups.people_in(session=session, team_id=TEAM, channel_ids=["G1", "G2", "D1"])
        leads = stats_groups.people_in(session=session, team_id=TEAM, channel_ids=["G1"])
        member_of = stats_groups.member_of(session=session, team_id=TEAM, user_id="U6")
    assert found == {
        "C1": Conversation("C1", "general", PUBLIC, 5),
        "C2": Conversation("C2", "tiny", PUBLIC, 2),
        "G1": Conversation("G1", "leads", PRIVATE, 4),
        "G2": Conversation("G2", "ops", PRIVATE, 4),
        "D1": Conversation("D1", "", DIRECT, 2),
    }
    # U1-U7 but the deactivated U4; in private conversations: U1-U3, U5-U7; in #leads U1-U3 and U5.
    assert (workspace, private, leads) == (6, 6, 4)
    assert member_of == {"C1", "G2"}
