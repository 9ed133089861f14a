"""Catch-ups with a model configured: one summary per channel and bucket, and the fallback when it fails."""

from __future__ import annotations

import json
from datetime import timedelta

from bot.app import HandoffApp
from bot.clock import FixedClock
from bot.deps import Deps
from tests.conftest import START
from tests.fakes.openai_api import FakeOpenAI
from tests.fakes.slack_api import FakeSlack
from tests.integration.test_catchup import DANA_START, _command, _dms_to, _say, _tick
from tests.support import TEAM_ID, LiveServer, deps_with_model

PEOPLE = ["U1", "U2", "U3", "U4", "U5"]


# This module's processes have a model: the fake OpenAI-compatible endpoint.
deps = deps_with_model(worker_id="worker-llm")


def _world(fake: FakeSlack, live: LiveServer) -> None:
    # Five people in Los Angeles, all starting at 09:00: their windows share one bucket.
    for user in PEOPLE:
        fake.add_user(TEAM_ID, user, name=user.lower(), tz="America/Los_Angeles")
    fake.add_channel(TEAM_ID, "C1", name="general", members=[*PEOPLE, "UBOT"])
    fake.add_channel(TEAM_ID, "C2", name="launch", members=[*PEOPLE, "UBOT"])
    fake.add_channel(TEAM_ID, "G1", name="leads", is_private=True, members=["U1", "U2", "UBOT"])
    for user in PEOPLE:
        _command(live, "/hours", "", user=user)
    _say(live, fake, "The staging database is back up", at=START + timedelta(minutes=1))
    _say(
        live, fake, "Launch moved to Thursday, we agreed with marketing", at=START + timedelta(minutes=2), channel="C2"
    )
    _say(live, fake, "Compensation review numbers for the leads", at=START + timedelta(minutes=3), channel="G1")


def test_five_people_in_two_channels_cost_one_model_call_per_channel(
    live: LiveServer,
    fake_slack: FakeSlack,
    fake_openai: FakeOpenAI,
    deps: Deps,
    handoff: HandoffApp,
    clock: FixedClock,
) -> None:
    _world(fake_slack, live)
    assert _tick(deps, handoff, clock, DANA_START)["catchups_sent"] == 5
    prompts = [request.prompt_text for request in fake_openai.chat_requests()]
    # general, launch, and leads (for its two members): one call each, however many readers.
    assert len(prompts) == 3
    for user in PEOPLE:
        (dm,) = _dms_to(fake_slack, user)
        shown = json.dumps(dm.params["blocks"])
        # Ana (U1) wrote all three messages: they are not news to her.
        assert ("#general" in shown and "#launch" in shown) == (user != "U1")
        # Only the leads see the leads' channel.
        assert ("Compensation" in json.dumps(dm.params) or "leads" in shown) == (user == "U2")
    # Each prompt is one channel's text: the private one never rides along with another channel's.
    private = [prompt for prompt in prompts if "Compensation" in prompt]
    assert len(private) == 1 and "staging" not in private[0] and "Launch" not in private[0]


def test_when_the_model_fails_the_catch_up_still_goes_out_with_the_built_in_summary(
    live: LiveServer,
    fake_slack: FakeSlack,
    fake_openai: FakeOpenAI,
    deps: Deps,
    handoff: HandoffApp,
    clock: FixedClock,
) -> None:
    _world(fake_slack, live)
    fake_openai.fail_next(status=500, times=100)
    assert _tick(deps, handoff, clock, DANA_START)["catchups_sent"] == 5
    (dm,) = _dms_to(fake_slack, "U3")
    shown = json.dumps(dm.params["blocks"])
    # The extractive summary quotes the messages themselves.
    assert "The staging database is back up" in shown and "Launch moved to Thursday" in shown
