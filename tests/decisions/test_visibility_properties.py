"""Every way to read the decision log shows a person their own workspace's public channels and the private
channels, group DMs and DMs they are in — over random workspaces, memberships and queries."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.deps import Deps
from bot.exports import export_decisions
from decisions.export import FORMATS, render
from decisions.finder import PAGE, find, find_all
from decisions.query import QueryError, parse
from store.decision_search import reviews_owned
from tests.worlds import CHANNEL_IDS, HANDLES, USERS, WORDS, Row, World, WorldPlan, seed, world_plans

PROPERTIES = settings(
    max_examples=25,
    deadline=None,
    # One database for all examples: each example's workspaces have fresh ids, so none sees another's rows.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
DEFAULT_STATUSES = {"accepted", "proposed"}


def decisions(world: World) -> list[Row]:
    return [row for row in world.rows if row.kind == "decision"]


def visible(world: World, team_id: str, user_id: str, statuses: set[str] = DEFAULT_STATUSES) -> set[str]:
    """The markers of the decisions this person may see, with one of these statuses."""
    return {row.marker for row in decisions(world) if row.status in statuses and world.may_see(team_id, user_id, row)}


def filters(world: World) -> st.SearchStrategy[str]:
    """Queries people type: words, markers of any workspace's decisions, and filters naming foreign things."""
    markers = [row.marker for row in decisions(world)] or ["nothing"]
    part = st.one_of(
        st.sampled_from(WORDS),
        st.sampled_from(markers),
        st.sampled_from(CHANNEL_IDS).map(lambda channel: f"in:<#{channel}>"),
        st.sampled_from(("general", "leads", "random")).map(lambda name: f"in:#{name}"),
        st.sampled_from(USERS).map(lambda user: f"from:<@{user}>"),
        st.sampled_from(HANDLES).map(lambda handle: f"from:@{handle}"),
        st.sampled_from(("status:retracted", "status:proposed", "status:superseded")),
    )
    return st.lists(part, min_size=1, max_size=3).map(" ".join)


def assert_only_visible(world: World, team_id: str, user_id: str, shown: str, *, statuses: set[str]) -> set[str]:
    """Every decision in `shown` is one this person may see, with an expected status; returns their markers."""
    rows = world.markers_in(shown)
    for row in rows:
        assert row.kind == "decision"
        assert world.may_see(team_id, user_id, row), f"{user_id} of {team_id} was shown {row}"
        assert row.status in statuses, row
    return {row.marker for row in rows}


@PROPERTIES
@given(plan=world_plans(), data=st.data())
def test_search_pages_and_filters_never_show_another_workspace_or_a_private_channel_to_a_non_member(
    deps: Deps, plan: WorldPlan, data: st.DataObject
) -> None:
    world = seed(deps, plan)
    for team_id, user_id in data.draw(st.lists(st.sampled_from(world.viewers()), min_size=1, max_size=3)):
        for raw in data.draw(st.lists(filters(world), min_size=1, max_size=4)):
            # Which statuses the query asks for is the parser's business; who may see what is checked here.
            statuses = set(parse(raw).statuses) & {"accepted", "proposed", "retracted"}
            with deps.read_session_factory() as session:
                try:
                    found = find_all(session=session, team_id=team_id, viewer_id=user_id, raw=raw)
                except QueryError:
                    # A name this workspace does not know: refused, whatever another workspace calls it.
                    continue
                hits = {hit.decision.id for hit in found}
                assert all(hit.decision.team_id == team_id for hit in found)
                shown = assert_only_visible(
                    world, team_id, user_id, json.dumps([hit.decision.text for hit in found]), statuses=statuses
                )
                # `/decisions` shows the same, page by page (a page's More button carries the next offset).
                paged: set[str] = set()
                for offset in range(0, len(hits) + PAGE, PAGE):
                    page = find(
                        session=session, team_id=team_id, viewer_id=user_id, channel_id="C1", raw=raw, offset=offset
                    )
                    paged |= assert_only_visible(world, team_id, user_id, json.dumps(page.blocks), statuses=statuses)
                assert paged == shown
            words = raw.split()
            if len(words) == 1 and words[0].startswith("mk"):
                # A decision's own marker finds it exactly when this person may see it.
                assert shown == {words[0]} & visible(world, team_id, user_id)


@PROPERTIES
@given(plan=world_plans(), data=st.data())
def test_the_whole_log_and_its_exports_are_exactly_what_each_person_may_see(
    deps: Deps, plan: WorldPlan, data: st.DataObject
) -> None:
    world = seed(deps, plan)
    for team_id, user_id in world.viewers():
        with deps.read_session_factory() as session:
            hits = find_all(session=session, team_id=team_id, viewer_id=user_id, raw="")
        expected = visible(world, team_id, user_id)
        for fmt in FORMATS:
            document = render(hits, fmt, title="Decision log")
            assert assert_only_visible(world, team_id, user_id, document, statuses=DEFAULT_STATUSES) == expected
    # The command line's export (`handoff export decisions --as U…`, its own engine), and without a person:
    # public channels only.
    team_id, user_id = data.draw(st.sampled_from(world.viewers()))
    document, count = export_decisions(
        deps.settings, team_id=team_id, channel=None, since=None, viewer_id=user_id, fmt="json"
    )
    expected = visible(world, team_id, user_id)
    assert {row.marker for row in world.markers_in(document)} == expected and count == len(expected)
    document, _ = export_decisions(deps.settings, team_id=team_id, channel=None, since=None, viewer_id="", fmt="md")
    public = {
        row.marker
        for row in decisions(world)
        if row.team_id == team_id
        and row.status in DEFAULT_STATUSES
        and world.channel(team_id, row.channel_id or "").kind == "public"
        and world.shown(team_id, row.channel_id or "")
    }
    assert {row.marker for row in world.markers_in(document)} == public


@PROPERTIES
@given(plan=world_plans())
def test_review_reminders_list_only_visible_decisions_the_person_owns(deps: Deps, plan: WorldPlan) -> None:
    world = seed(deps, plan)
    for team_id, user_id in world.viewers():
        with deps.read_session_factory() as session:
            hits = reviews_owned(session=session, team_id=team_id, viewer_id=user_id, limit=100)
        expected = {
            row.marker
            for row in decisions(world)
            if row.owner_id == user_id and row.status in DEFAULT_STATUSES and world.may_see(team_id, user_id, row)
        }
        assert {row.marker for row in world.markers_in(json.dumps([hit.decision.text for hit in hits]))} == expected
