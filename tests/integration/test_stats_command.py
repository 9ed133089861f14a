"""`/handoff stats` over signed HTTP: each person sees the figures they may see, private channels stay private."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.clock import FixedClock
from bot.deps import Deps
from tests.blockkit import assert_valid_view
from tests.fakes.slack_api import FakeSlack
from tests.metrics.history import PEOPLE, TEAM, TZ, seed_history, seed_workspace
from tests.support import LiveServer, command_form

# Sunday 1 March, 21:00 in Berlin: the last seven days are 23 Feb-1 Mar, the seven before 16-22 Feb.
SUNDAY_EVENING = datetime(2026, 3, 1, 20, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def history(deps: Deps, fake_slack: FakeSlack, clock: FixedClock) -> None:
    clock.instant = SUNDAY_EVENING
    for user_id, name in PEOPLE.items():
        fake_slack.add_user(TEAM, user_id, name=name, tz=TZ, is_admin=user_id == "U1")
    with deps.session_factory.begin() as session:
        seed_workspace(session)
        seed_history(session)


def _stats(live: LiveServer, fake: FakeSlack, text: str, *, user: str) -> dict[str, Any]:
    """What the person sees: the acknowledgement's text, or the private answer that follows it."""
    key = f"{user}-{len(fake.response_url_posts())}"
    response = live.post_form(command_form("/handoff", text, user_id=user, response_url=fake.response_url(key)))
    assert response.status_code == 200
    live.settle()
    answers = fake.response_url_posts(key)
    if answers:
        (answer,) = answers
        assert answer["response_type"] == "ephemeral"
        return answer
    # Bolt sends an acknowledgement of text alone as text/plain, one with blocks as JSON.
    if response.headers["content-type"].startswith("application/json"):
        return dict(response.json())
    return {"text": response.text}


def _shown(answer: dict[str, Any]) -> str:
    return json.dumps(answer, ensure_ascii=False)


def test_a_member_sees_the_workspace_by_week_with_the_change_on_the_week_before(
    live: LiveServer, fake_slack: FakeSlack
) -> None:
    answer = _stats(live, fake_slack, "stats 2", user="U6")
    # Blocks Slack takes (checked as a Home view's would be: each block's rules and text limits).
    assert_valid_view({"type": "home", "blocks": answer["blocks"]})
    shown = _shown(answer)
    assert "Team outcomes · Acme" in shown
    # Fay is not in #leads: its decision and retraction are not in her totals, nor #tiny's decision (its two
    # people are too few to show, and no other small channel was busy with it): worked out in tests/metrics.
    assert "*Decisions logged:* 4 (+2)  ·  2 · 4" in shown
    assert "*Decisions superseded or retracted:* 2 (+2)  ·  0 · 2" in shown
    assert "*Median time from a thread's start to its decision:* 12 h 30 min (was 1 h 15 min)" in shown
    assert "*Pings held for working hours:* 1 (\N{MINUS SIGN}1)" in shown
    assert "*Catch-ups delivered:* 3 (same)" in shown
    assert "*Median catch-up reading time:* about 2.5 min (was about 1 min)" in shown
    assert "<#C1>: 4 decisions logged · 2 superseded or retracted · 12 h 30 min to decision" in shown
    # By name, the channels with something this week; #ops was quiet. #tiny is too small to show, and
    # nothing counts it: a count of hidden channels beside a total would tell what they did.
    assert "1 channel had nothing this week." in shown and "<#G2>" not in shown and "<#C2>" not in shown
    assert "Not shown on their own" not in shown and "tiny" not in shown
    assert "Days in your time zone (Europe/Berlin)" in shown
    # Neither #leads' name nor its id, not even as a row of "private conversations".
    assert "leads" not in shown and "G1" not in shown and "Private conversations" not in shown


def test_a_private_channel_is_shown_to_its_members_and_politely_refused_to_everyone_else(
    live: LiveServer, fake_slack: FakeSlack
) -> None:
    ana = _shown(_stats(live, fake_slack, "stats #leads 2", user="U1"))
    assert "Team outcomes · #leads" in ana and "*Decisions logged:* 0 (\N{MINUS SIGN}1)  ·  1 · 0" in ana
    refused = _stats(live, fake_slack, "stats #leads", user="U6")
    assert refused["text"].startswith("I can't show figures for #leads: I show public channels Handoff is in")
    assert "Decisions" not in _shown(refused)
    # The same words for a channel that does not exist: a refusal never confirms a private channel.
    missing = _stats(live, fake_slack, "stats #nowhere", user="U6")
    assert missing["text"] == refused["text"].replace("#leads", "#nowhere")
    escaped = _stats(live, fake_slack, "stats <#G1|leads>", user="U6")
    assert escaped["text"] == refused["text"].replace("#leads", "<#G1>")


def test_a_channel_of_fewer_people_than_the_group_size_shows_not_enough_people(
    live: LiveServer, fake_slack: FakeSlack
) -> None:
    tiny = _shown(_stats(live, fake_slack, "stats #tiny", user="U1"))
    assert "Not enough people to show this: team figures are shown for groups of at least 5 people" in tiny
    assert "Decisions logged" not in tiny
    # An admin raises the group size to seven: #general's six people are no longer shown either.
    assert "Only workspace admins and owners" in _stats(live, fake_slack, "stats group-size 7", user="U6")["text"]
    assert _stats(live, fake_slack, "stats group-size 7", user="U1")["text"].startswith("Done: team figures are")
    assert "Not enough people to show this" in _shown(_stats(live, fake_slack, "stats #general", user="U6"))
    refusal = _stats(live, fake_slack, "stats group-size 2", user="U1")["text"]
    assert refusal.startswith("Groups of fewer than 3 people are never shown") and "Nothing was changed" in refusal


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("stats 99", "I can show 1 to 52 weeks, not 99."),
        ("stats #general soon", "I didn't understand `soon`."),
        ("stats report maybe", "`/handoff stats report off` stops your weekly team report"),
        ("stats group-size lots", "`lots` is not a number of people."),
    ],
)
def test_a_mistake_says_what_to_type_instead(
    live: LiveServer, fake_slack: FakeSlack, typed: str, expected: str
) -> None:
    answer = _stats(live, fake_slack, typed, user="U1")
    assert expected in answer["text"]
    assert "Traceback" not in answer["text"]


def test_help_explains_each_figure_and_handoff_help_lists_the_command(live: LiveServer, fake_slack: FakeSlack) -> None:
    explained = _stats(live, fake_slack, "stats help", user="U6")["text"]
    assert "*Median time from a thread's start to its decision*: for decisions filed in a thread" in explained
    assert "fewer than 5 people" in explained
    listed = _shown(_stats(live, fake_slack, "help", user="U6"))
    assert "/handoff stats [#channel] [weeks]" in listed


def test_no_answer_names_or_counts_a_person(live: LiveServer, fake_slack: FakeSlack) -> None:
    answers = [
        _stats(live, fake_slack, text, user=user)
        for text, user in (
            ("stats", "U6"),
            ("stats 2", "U1"),
            ("stats #general 4", "U2"),
            ("stats #leads", "U3"),
            ("stats report", "U1"),
        )
    ]
    shown = " ".join(_shown(answer) for answer in answers)
    assert "<@" not in shown
    for user_id, name in PEOPLE.items():
        assert user_id not in shown
        assert re.search(rf"\b{name}\b", shown) is None, name
