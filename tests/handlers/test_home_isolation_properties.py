"""App Home over random workspaces: each person's Home shows their own catch-up and only decisions they may see,
whatever channel filter they pick."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.deps import Deps
from digest.model import CatchUp, Item
from digest.stored import to_json
from handlers.home import HOME_DECISIONS, STATUS_CHOICES, HomeFilter, build_home
from store import catchups
from store.catchups import Sent
from tests.blockkit import assert_valid_view
from tests.worlds import CHANNEL_IDS, MORNING, Row, World, WorldPlan, seed, world_plans

PROPERTIES = settings(
    max_examples=15,
    deadline=None,
    # One database for all examples: each example's workspaces have fresh ids, so none sees another's rows.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)


def keep_catch_ups(deps: Deps, world: World) -> None:
    """A catch-up already sent to every person of every workspace, each with its own marker."""
    sent = []
    for team_id, user_id in world.viewers():
        marker = f"mk{uuid.uuid4().hex[:12]}"
        world.rows.append(Row(marker, "catchup", team_id, None, user_id))
        content = CatchUp(
            team_id, user_id, "UTC", MORNING - timedelta(days=1), MORNING, waiting=(Item(f"{marker} waits on you"),)
        )
        sent.append(
            Sent(team_id, user_id, MORNING.date(), content.window_start, MORNING, False, to_json(content), 1, 1)
        )
    with deps.session_factory.begin() as session:
        catchups.record_many(session=session, sent=sent, now=MORNING)


@PROPERTIES
@given(plan=world_plans(), data=st.data())
def test_a_home_tab_shows_only_its_owners_catch_up_and_decisions_they_may_see(
    deps: Deps, plan: WorldPlan, data: st.DataObject
) -> None:
    world = seed(deps, plan)
    keep_catch_ups(deps, world)
    for team_id, user_id in world.viewers():
        home_filter = HomeFilter(
            channel_id=data.draw(st.sampled_from((None, *CHANNEL_IDS))),
            status=data.draw(st.sampled_from(sorted(STATUS_CHOICES))),
        )
        statuses = set(STATUS_CHOICES[home_filter.status][1])

        view = build_home(deps, team_id=team_id, user_id=user_id, lines=[], home_filter=home_filter)

        assert_valid_view(view)
        rows = world.markers_in(json.dumps(view, ensure_ascii=False))
        for row in rows:
            assert world.may_see(team_id, user_id, row), f"{user_id} of {team_id} was shown {row}"
            if row.kind == "decision" and row.status not in statuses:
                # Only a review reminder shows a decision the filter leaves out: one they own.
                assert row.owner_id == user_id and row.status in {"accepted", "proposed"}
        (own,) = [row for row in rows if row.kind == "catchup"]
        assert own.user_id == user_id and own.team_id == team_id
        listed = {
            row.marker
            for row in world.rows
            if row.kind == "decision"
            and row.status in statuses
            and world.may_see(team_id, user_id, row)
            and home_filter.channel_id in {None, row.channel_id}
        }
        shown = {row.marker for row in rows if row.kind == "decision" and row.marker in listed}
        assert shown == listed if len(listed) <= HOME_DECISIONS else len(shown) >= HOME_DECISIONS
