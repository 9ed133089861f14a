"""Catch-ups and the prompts behind them, over random workspaces: nobody's catch-up, and no prompt, carries
another workspace's rows, a channel the reader is not in, or a channel left out of summaries."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.deps import Deps
from digest import delivery, planning
from digest.delivery import Due
from digest.prefs import catch_up_now
from tests.fakes.openai_api import FakeOpenAI, message_text
from tests.support import deps_with_model
from tests.worlds import MORNING, Row, World, WorldPlan, seed, world_plans

PROPERTIES = settings(
    max_examples=20,
    deadline=None,
    # One database for all examples: each example's workspaces have fresh ids, so none sees another's rows.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
# Berlin's working day starts at 08:00 UTC in March, UTC's at 09:00: two rounds, two window buckets.
ROUNDS = (MORNING, MORNING + timedelta(hours=1))
_QUOTED_MARKER = re.compile(r"(<@[UW][A-Z0-9]+>): \"(mk[0-9a-f]{12})")


# Summaries come from the fake OpenAI endpoint, so every prompt is recorded.
deps = deps_with_model(worker_id="worker-isolation")


def echo(messages: list[dict[str, Any]], model: str) -> str:
    """A model that repeats every message it was given: whatever reaches a prompt reaches the catch-up."""
    found = _QUOTED_MARKER.findall(message_text(messages[-1]))
    return "\n".join(f"- {author} wrote {marker}" for author, marker in found)


def deliver(deps: Deps, world: World) -> list[Due]:
    """Plan everyone's next catch-up and run both rounds, keeping what would have been posted to Slack."""
    sent: list[Due] = []

    def keep(_deps: Deps, due: Due, _now: datetime) -> bool:
        sent.append(due)
        return True

    with deps.session_factory.begin() as session:
        planning.plan_due(session=session, now=MORNING)
    for instant in ROUNDS:
        delivery.deliver_due(deps, instant, send=keep)
    return [due for due in sent if due.team_id in world.team_ids]


def wanted(world: World, team_id: str, user_id: str, channel_id: str) -> bool:
    """A channel this reader's summaries cover: theirs, a channel (not a DM), and left out by nobody."""
    channel = world.channel(team_id, channel_id)
    return (
        world.reads(team_id, user_id, channel_id)
        and channel.kind in {"public", "private"}
        and not channel.excluded
        and channel_id not in world.left_out(team_id, user_id)
    )


def assert_from_readers_channels(world: World, team_id: str, user_id: str, rows: list[Row]) -> None:
    """Each row is of the reader's workspace: a ping to them, or from a channel they are in."""
    for row in rows:
        assert row.team_id == team_id, f"{user_id} of {team_id} was shown {row}"
        if row.kind == "ping":
            assert row.user_id == user_id, f"{user_id} was shown someone else's ping {row}"
        else:
            assert row.channel_id is not None
            assert world.reads(team_id, user_id, row.channel_id), f"{user_id} may not read {row}"


@PROPERTIES
@given(plan=world_plans(), data=st.data())
def test_no_catch_up_or_prompt_carries_what_its_reader_may_not_see(
    deps: Deps, fake_openai: FakeOpenAI, plan: WorldPlan, data: st.DataObject
) -> None:
    fake_openai.responder = echo
    fake_openai.clear_requests()
    world = seed(deps, plan)
    # `/catchup` on demand first, by anyone (used Handoff or not): its summaries are cached for the morning's.
    asked = data.draw(st.lists(st.sampled_from(world.viewers()), max_size=2))
    for team_id, user_id in asked:
        _, blocks = catch_up_now(deps, team_id=team_id, user_id=user_id)
        assert_from_readers_channels(world, team_id, user_id, world.markers_in(json.dumps(blocks, ensure_ascii=False)))

    sent = deliver(deps, world)

    # Everyone who used Handoff got one catch-up: the checks below are about real ones.
    assert sorted((due.team_id, due.user_id) for due in sent) == sorted(
        (team_id, user_id) for team_id in world.team_ids for user_id in world.plans[team_id].engaged
    )
    for due in sent:
        shown = json.dumps([due.text, due.blocks], ensure_ascii=False)
        assert_from_readers_channels(world, due.team_id, due.user_id, world.markers_in(shown))
        for channel in due.content["channels"]:
            # A channel's summary covers that channel only, and only one this reader's summaries may cover.
            assert wanted(world, due.team_id, due.user_id, channel["channel_id"])
            for row in world.markers_in(json.dumps(channel["points"])):
                assert (row.team_id, row.channel_id, row.kind) == (due.team_id, channel["channel_id"], "message")
        summarized = {channel["channel_id"] for channel in due.content["channels"]}
        talked_in = {
            row.channel_id
            for row in world.rows
            if row.kind == "message"
            and row.team_id == due.team_id
            and not row.is_bot
            and row.channel_id
            and row.user_id != due.user_id
        }
        # Every channel of theirs where someone else talked is there (their own words are not news to them).
        assert {c for c in talked_in if wanted(world, due.team_id, due.user_id, c)} <= summarized
    for request in fake_openai.chat_requests():
        rows = world.markers_in(request.prompt_text)
        # One prompt, one channel of one workspace: its people's messages, never a bot's, never a left-out channel.
        assert len({(row.team_id, row.channel_id) for row in rows}) == 1
        team_id, channel_id = rows[0].team_id, rows[0].channel_id
        assert channel_id is not None
        assert all(row.kind == "message" and not row.is_bot for row in rows)
        assert not world.channel(team_id, channel_id).excluded
        assert world.channel(team_id, channel_id).kind in {"public", "private"}
        # Summarized for a reader who may have it: someone who used Handoff, or who asked with /catchup.
        readers = world.plans[team_id].engaged | {user_id for team, user_id in asked if team == team_id}
        assert any(wanted(world, team_id, user_id, channel_id) for user_id in readers)
