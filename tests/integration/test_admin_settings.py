"""`/handoff admin`: one modal of workspace settings for admins and owners; a polite no for everyone else."""

from __future__ import annotations

import json
import urllib.parse
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.deps import Deps
from bot.tick import TickReport, run_retention
from handlers.admin import REFUSAL
from installs.admin_form import (
    DAYS_BLOCK,
    EMOJI_BLOCK,
    END_BLOCK,
    EXCLUDED_BLOCK,
    GROUP_BLOCK,
    NOTICES_BLOCK,
    RETENTION_BLOCK,
    START_BLOCK,
    URGENT_BLOCK,
    ZONE_BLOCK,
)
from store import traffic, workspace_settings
from store.models import ChannelSettings, Message
from store.traffic import IncomingMessage
from tests.blockkit import assert_valid_view, submitted_state
from tests.fakes.slack_api import FakeSlack
from tests.support import TEAM_ID, LiveServer, command_form, trigger_id

ADMIN, MEMBER = "U1", "U2"


@pytest.fixture(autouse=True)
def workspace(fake_slack: FakeSlack) -> None:
    fake_slack.add_user(TEAM_ID, ADMIN, name="ann", is_admin=True)
    fake_slack.add_user(TEAM_ID, MEMBER, name="bo")
    fake_slack.add_user(TEAM_ID, "U3", name="cy", is_owner=True)
    fake_slack.add_channel(TEAM_ID, "C1", name="general", members=["UBOT", ADMIN, MEMBER])
    fake_slack.add_channel(TEAM_ID, "C2", name="random", members=["UBOT", ADMIN])


def _open(live: LiveServer, fake: FakeSlack, user: str) -> dict[str, Any] | None:
    fake.clear_calls()
    form = command_form("/handoff", "admin", user_id=user, response_url=fake.response_url(user))
    assert live.post_form(form).status_code == 200
    live.settle()
    opened = fake.calls_to("views.open")
    return opened[-1].params["view"] if opened else None


def _submit(live: LiveServer, user: str, modal: dict[str, Any], changes: dict[str, dict[str, Any]]) -> Any:
    payload = {
        "type": "view_submission",
        "team": {"id": TEAM_ID, "domain": "acme"},
        "user": {"id": user, "team_id": TEAM_ID},
        "api_app_id": "A0001",
        "token": "legacy",
        "trigger_id": trigger_id(),
        "view": {
            "id": "VADMIN",
            "type": "modal",
            "callback_id": modal["callback_id"],
            "private_metadata": "",
            "hash": "h",
            "state": {"values": submitted_state(modal, changes)},
        },
    }
    response = live.post_form(urllib.parse.urlencode({"payload": json.dumps(payload)}))
    assert response.status_code == 200
    live.settle()
    return response.json() if response.content else None


def _inputs(modal: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {block["block_id"]: block["element"] for block in modal["blocks"] if block["type"] == "input"}


def _dms(fake: FakeSlack, user: str) -> list[str]:
    return [str(m.get("text")) for m in fake.posted_messages(f"D{user}")]


@pytest.mark.parametrize("user", [ADMIN, "U3"])
def test_admins_and_owners_get_the_settings_as_they_apply_now(
    live: LiveServer, fake_slack: FakeSlack, user: str
) -> None:
    modal = _open(live, fake_slack, user)

    assert modal is not None
    assert_valid_view(modal)
    inputs = _inputs(modal)
    assert inputs[START_BLOCK]["initial_time"] == "09:00" and inputs[END_BLOCK]["initial_time"] == "17:00"
    assert [option["value"] for option in inputs[DAYS_BLOCK]["initial_options"]] == ["0", "1", "2", "3", "4"]
    assert inputs[ZONE_BLOCK]["initial_value"] == "UTC"
    assert inputs[EMOJI_BLOCK]["initial_value"] == "memo"
    assert "initial_conversations" not in inputs[EXCLUDED_BLOCK]
    assert inputs[URGENT_BLOCK]["initial_value"] == "3"
    assert inputs[RETENTION_BLOCK]["initial_value"] == "14"
    assert inputs[NOTICES_BLOCK]["initial_option"]["value"] == "on"
    assert inputs[GROUP_BLOCK]["initial_value"] == "5" and inputs[GROUP_BLOCK]["min_value"] == "3"
    # Slack's users.info decided (asked live, so a demotion counts at once).
    assert {call.params["user"] for call in fake_slack.calls_to("users.info")} == {user}


def test_everyone_else_is_told_politely_and_sees_no_form(live: LiveServer, fake_slack: FakeSlack) -> None:
    assert _open(live, fake_slack, MEMBER) is None

    [answer] = fake_slack.response_url_posts(MEMBER)
    assert answer["text"] == REFUSAL and answer["response_type"] == "ephemeral"


def test_saving_changes_every_setting_through_its_own_command_and_tells_the_admin(
    live: LiveServer, fake_slack: FakeSlack, deps: Deps
) -> None:
    modal = _open(live, fake_slack, ADMIN)
    assert modal is not None

    answer = _submit(
        live,
        ADMIN,
        modal,
        {
            START_BLOCK: {"selected_time": "08:00"},
            END_BLOCK: {"selected_time": "16:00"},
            DAYS_BLOCK: {"selected_options": [{"value": str(day)} for day in range(4)]},
            ZONE_BLOCK: {"value": "europe/berlin"},
            EMOJI_BLOCK: {"value": ":white_check_mark:, memo"},
            EXCLUDED_BLOCK: {"selected_conversations": ["C2"]},
            URGENT_BLOCK: {"value": "5"},
            RETENTION_BLOCK: {"value": "30"},
            NOTICES_BLOCK: {"selected_option": {"value": "off"}},
            GROUP_BLOCK: {"value": "7"},
        },
    )

    assert answer is None  # the modal closes
    [summary] = _dms(fake_slack, ADMIN)
    assert summary.splitlines() == [
        "Saved Handoff's settings for the workspace:",
        "• Default hours: 08:00\u201316:00, Mon\u2013Thu, Europe/Berlin.",  # en dashes, as Slack shows ranges
        "• Decision emoji: :white_check_mark: or :memo:.",
        "• Channels left out of catch-ups: <#C2>.",
        "• Urgent pings a day before Handoff asks: 5.",
        "• Channel traffic is kept 30 days.",
        "• Off-hours mention notices: off in every channel.",
        "• Team metrics show groups of at least 7 people.",
    ]
    with deps.read_session_factory() as session:
        row = workspace_settings.get(session=session, team_id=TEAM_ID)
        excluded = session.scalars(select(ChannelSettings.channel_id).where(ChannelSettings.excluded.is_(True))).all()
    assert row is not None and row.updated_by == ADMIN
    assert (row.default_start_minute, row.default_end_minute, row.default_days) == (480, 960, "0,1,2,3")
    assert (row.default_tz, row.decision_emoji, row.urgent_cap) == ("Europe/Berlin", "white_check_mark,memo", 5)
    assert (row.traffic_retention_days, row.mention_notices, row.stats_min_group) == (30, False, 7)
    assert excluded == ["C2"]
    # The one-setting commands see the same settings.
    shown = live.post_form(command_form("/handoff", "notices", channel_id="C1")).text
    assert "*off* in every channel of this workspace" in shown

    # Opened again, the form shows what was saved; saving it unchanged changes nothing.
    again = _open(live, fake_slack, ADMIN)
    assert again is not None
    assert _inputs(again)[ZONE_BLOCK]["initial_value"] == "Europe/Berlin"
    assert _inputs(again)[EXCLUDED_BLOCK]["initial_conversations"] == ["C2"]
    _submit(live, ADMIN, again, {EXCLUDED_BLOCK: {"selected_conversations": []}})
    assert (
        _dms(fake_slack, ADMIN)[-1]
        == "Saved Handoff's settings for the workspace:\n• Channels left out of catch-ups: none."
    )
    _submit(live, ADMIN, again, {EXCLUDED_BLOCK: {"selected_conversations": []}})
    assert _dms(fake_slack, ADMIN)[-1] == "Nothing changed: those are Handoff's settings already."


def test_mistakes_show_on_their_inputs_and_change_nothing(live: LiveServer, fake_slack: FakeSlack, deps: Deps) -> None:
    modal = _open(live, fake_slack, ADMIN)
    assert modal is not None

    answer = _submit(
        live,
        ADMIN,
        modal,
        {
            START_BLOCK: {"selected_time": "09:00"},
            END_BLOCK: {"selected_time": "09:00"},
            DAYS_BLOCK: {"selected_options": []},
            ZONE_BLOCK: {"value": "Mars/Olympus"},
            EMOJI_BLOCK: {"value": "not an emoji!"},
            URGENT_BLOCK: {"value": "99"},
            RETENTION_BLOCK: {"value": "0"},
            GROUP_BLOCK: {"value": "2"},
        },
    )

    assert answer["response_action"] == "errors"
    errors = answer["errors"]
    assert set(errors) == {END_BLOCK, DAYS_BLOCK, ZONE_BLOCK, EMOJI_BLOCK, URGENT_BLOCK, RETENTION_BLOCK, GROUP_BLOCK}
    assert errors[GROUP_BLOCK] == "Give a whole number from 3 to 1000."
    assert "Mars/Olympus" in errors[ZONE_BLOCK] and "Europe/Berlin" in errors[ZONE_BLOCK]
    assert errors[URGENT_BLOCK] == "Give a whole number from 0 to 50."
    assert errors[RETENTION_BLOCK] == "Give a whole number from 1 to 3650."
    with deps.read_session_factory() as session:
        assert workspace_settings.get(session=session, team_id=TEAM_ID) is None
    assert _dms(fake_slack, ADMIN) == []


def test_an_admin_demoted_while_the_form_was_open_changes_nothing(
    live: LiveServer, fake_slack: FakeSlack, deps: Deps
) -> None:
    modal = _open(live, fake_slack, ADMIN)
    assert modal is not None
    fake_slack.update_user(ADMIN, is_admin=False)

    answer = _submit(live, ADMIN, modal, {URGENT_BLOCK: {"value": "9"}})

    assert answer == {
        "response_action": "errors",
        "errors": {START_BLOCK: "Only workspace admins and owners can change these."},
    }
    with deps.read_session_factory() as session:
        assert workspace_settings.get(session=session, team_id=TEAM_ID) is None


def test_help_lists_every_command(live: LiveServer) -> None:
    shown = live.post_form(command_form("/handoff", "help")).json()
    text = shown["text"] + json.dumps(shown["blocks"])

    for command in (
        "/handoff admin",
        "/handoff emoji",
        "/handoff hours",
        "/handoff notices",
        "/decision",
        "/decisions",
    ):
        assert command in text
    for command in live.handoff.surfaces.commands:
        assert command in text, f"{command} is missing from /handoff help"


def test_retention_days_chosen_by_a_workspace_apply_to_it_alone(deps: Deps) -> None:
    now = deps.clock.now()
    with deps.session_factory.begin() as session:
        workspace_settings.change(session=session, team_id=TEAM_ID, actor_id=ADMIN, now=now, traffic_retention_days=30)
        for team in (TEAM_ID, "T0002"):
            posted = now - timedelta(days=20)
            ts = f"{int(posted.timestamp())}.000100"
            traffic.record_message(session=session, message=IncomingMessage(team, "C1", ts, "old news"), now=now)

    report = TickReport(now=now)
    run_retention(deps, now, report)

    assert report.counts["pruned_messages"] == 1
    with deps.read_session_factory() as session:
        assert session.scalars(select(Message.team_id)).all() == [TEAM_ID]
