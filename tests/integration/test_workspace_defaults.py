"""Workspace defaults set by admins: default hours and zone (held pings follow) and the urgent cap."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from store.models import HeldPing
from tests.fakes.slack_api import FakeSlack
from tests.support import TEAM_ID, LiveServer, command_form

# START is Monday 08:00 UTC: midnight in Los Angeles, where dana and kim sleep.


def _world(fake: FakeSlack) -> None:
    fake.add_user(TEAM_ID, "U1", name="ana", tz="Europe/Berlin")
    fake.add_user(TEAM_ID, "U2", name="dana", tz="America/Los_Angeles")
    fake.add_user(TEAM_ID, "U4", name="kim", tz="America/Los_Angeles")
    fake.add_user(TEAM_ID, "U5", name="zed", tz=None)
    fake.add_user(TEAM_ID, "UADMIN", name="boss", tz="Europe/Berlin", is_admin=True)
    fake.add_channel(TEAM_ID, "C1", name="general", members=["U1", "U2", "U4", "U5", "UADMIN", "UBOT"])


def _run(live: LiveServer, fake: FakeSlack, command: str, text: str, user: str) -> str:
    """What the person saw, whether in the ack or a later ephemeral response."""
    key = f"r{len(fake.response_url_posts())}"
    form = command_form(command, text, user_id=user, channel_id="C1", response_url=fake.response_url(key))
    response = live.post_form(form)
    assert response.status_code == 200
    live.settle()
    posted = fake.response_url_posts(key)
    if posted:
        return json.dumps(posted[-1], ensure_ascii=False)
    return response.text


def _due(factory: sessionmaker[Session]) -> dict[str, Any]:
    with factory() as session:
        return {r: d.isoformat() for r, d in session.execute(select(HeldPing.recipient_id, HeldPing.due_at))}


def test_an_admin_moves_the_default_day_and_pings_held_under_it_follow(
    live: LiveServer, fake_slack: FakeSlack, session_factory: sessionmaker[Session]
) -> None:
    _world(fake_slack)
    _run(live, fake_slack, "/hours", "07:00-15:00 mon-fri", "U4")
    _run(live, fake_slack, "/later", "<@U2|dana> <@U4|kim> please review", "U1")
    assert _due(session_factory) == {"U2": "2026-03-02T17:00:00+00:00", "U4": "2026-03-02T15:00:00+00:00"}
    refused = _run(live, fake_slack, "/handoff", "hours 10:00-18:00 mon-fri", "U1")
    assert "Only workspace admins and owners" in refused
    assert _due(session_factory)["U2"] == "2026-03-02T17:00:00+00:00"
    done = _run(live, fake_slack, "/handoff", "hours 10:00-18:00 mon-fri", "UADMIN")
    assert "1 held ping moved" in done and "10:00\N{EN DASH}18:00, Mon\N{EN DASH}Fri" in done
    # Dana follows the default (10:00 in LA is 18:00 UTC); kim keeps her own 07:00.
    assert _due(session_factory) == {"U2": "2026-03-02T18:00:00+00:00", "U4": "2026-03-02T15:00:00+00:00"}
    shown = _run(live, fake_slack, "/hours", "", "U2")
    assert "Your hours (the workspace default):* 10:00\N{EN DASH}18:00, Mon\N{EN DASH}Fri" in shown


def test_a_default_zone_covers_people_whose_profile_has_none(
    live: LiveServer, fake_slack: FakeSlack, session_factory: sessionmaker[Session]
) -> None:
    _world(fake_slack)
    before = _run(live, fake_slack, "/hours", "", "U5")
    assert "UTC (the workspace default" in before
    _run(live, fake_slack, "/handoff", "hours tz Asia/Kolkata", "UADMIN")
    after = _run(live, fake_slack, "/hours", "", "U5")
    assert "Asia/Kolkata (the workspace default" in after
    reset = _run(live, fake_slack, "/handoff", "hours reset", "UADMIN")
    assert "09:00\N{EN DASH}17:00, Mon\N{EN DASH}Fri for people who set no hours" in reset and "UTC for people" in reset


def test_the_urgent_cap_is_the_workspaces_to_choose(
    live: LiveServer, fake_slack: FakeSlack, session_factory: sessionmaker[Session]
) -> None:
    _world(fake_slack)
    assert "up to 3 urgent pings" in _run(live, fake_slack, "/handoff", "urgent-cap", "U1")
    assert "Only workspace admins" in _run(live, fake_slack, "/handoff", "urgent-cap 1", "U1")
    assert "up to 1 urgent ping per person" in _run(live, fake_slack, "/handoff", "urgent-cap 1", "UADMIN")
    assert "urgent, delivered now" in _run(live, fake_slack, "/later", "<@U2|dana> prod down --urgent", "U1")
    assert "second thought" in _run(live, fake_slack, "/later", "<@U2|dana> still down --urgent", "U1")


def test_bad_defaults_get_a_clear_message_and_change_nothing(
    live: LiveServer, fake_slack: FakeSlack, session_factory: sessionmaker[Session]
) -> None:
    _world(fake_slack)
    for text, expected in {
        "hours 25:00-99": "/handoff hours 09:00-17:00 mon-fri",
        "hours tz Mars/Olympus": "/handoff hours tz Europe/Berlin",
        "hours off 2026-12-24..2027-01-02": "Time off is personal",
        "urgent-cap lots": "a whole number from 0 to 50",
        "urgent-cap 500": "a whole number from 0 to 50",
    }.items():
        assert expected in _run(live, fake_slack, "/handoff", text, "UADMIN"), text
    shown = _run(live, fake_slack, "/handoff", "hours", "U1")
    assert "09:00\N{EN DASH}17:00, Mon\N{EN DASH}Fri for people who set no hours" in shown
    assert "up to 3 urgent pings" in shown
