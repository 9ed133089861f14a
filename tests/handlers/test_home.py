"""App Home: opening the tab publishes a view for that person."""

from __future__ import annotations

import json
import urllib.parse
from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from handlers.home import CHANNEL_FILTER_ACTION, CLEAR_FILTERS_ACTION, STATUS_FILTER_ACTION
from store import decisions
from store.decisions import NewDecision
from tests.blockkit import assert_valid_view
from tests.conftest import START
from tests.fakes.slack_api import FakeSlack
from tests.support import TEAM_ID, LiveServer, event_body, seed_channel, seed_general_and_leads, trigger_id


def test_opening_the_home_tab_publishes_the_home_view(live: LiveServer, fake_slack: FakeSlack) -> None:
    fake_slack.add_user(TEAM_ID, "U1", name="ana")
    response = live.post_event(
        event_body({"type": "app_home_opened", "user": "U1", "channel": "D1", "tab": "home", "event_ts": "1.0"})
    )
    assert response.status_code == 200
    live.settle()
    (call,) = fake_slack.calls_to("views.publish")
    assert call.params["user_id"] == "U1"
    view = call.params["view"]
    assert view["type"] == "home"
    rendered = str(view["blocks"])
    assert "<@U1>" in rendered and "/handoff help" in rendered


def test_the_home_tab_shows_the_hours_of_someone_handoff_had_not_met_in_their_slack_zone(
    live: LiveServer, fake_slack: FakeSlack
) -> None:
    fake_slack.add_user(TEAM_ID, "U1", name="ana", tz="Asia/Tokyo")
    shown = json.dumps(_open_home(live, fake_slack, "U1"), ensure_ascii=False)
    assert "Your working hours" in shown
    assert "09:00\u201317:00, Mon\u2013Fri, Asia/Tokyo (from your Slack profile)" in shown
    # 08:00 UTC on Monday is 17:00 in Tokyo: the day is over.
    assert "*Next start:* Tue 09:00 Asia/Tokyo (in 16 h)." in shown
    assert "Change hours\u2026" in shown


def test_opening_the_messages_tab_publishes_nothing(live: LiveServer, fake_slack: FakeSlack) -> None:
    live.post_event(
        event_body({"type": "app_home_opened", "user": "U1", "channel": "D1", "tab": "messages", "event_ts": "1.0"})
    )
    live.settle()
    assert fake_slack.calls_to("views.publish") == []


def test_the_home_tab_lists_the_latest_decisions_the_person_may_see(
    live: LiveServer, fake_slack: FakeSlack, session_factory: sessionmaker[Session]
) -> None:
    with session_factory.begin() as session:
        seed_general_and_leads(session)
        for channel_id, text in (("C1", "Adopt trunk-based development"), ("G1", "Promote Ana to lead")):
            decisions.file(
                session=session,
                new=NewDecision(team_id=TEAM_ID, channel_id=channel_id, text=text, logged_by="U1", source="command"),
                now=START,
            )
    for user in ("U1", "U2"):
        live.post_event(
            event_body({"type": "app_home_opened", "user": user, "channel": "D1", "tab": "home", "event_ts": "1.0"})
        )
    live.settle()
    views = {call.params["user_id"]: json.dumps(call.params["view"]) for call in fake_slack.calls_to("views.publish")}
    assert "trunk-based" in views["U1"] and "Promote Ana" in views["U1"]
    assert "trunk-based" in views["U2"] and "Promote Ana" not in views["U2"]


def _seed_reviews_and_statuses(session_factory: sessionmaker[Session], fake: FakeSlack) -> None:
    for user in ("U1", "U2"):
        fake.add_user(TEAM_ID, user, name=user.lower())
    with session_factory.begin() as session:
        seed_general_and_leads(session)
        seed_channel(session, "C2", "random", ["U1", "U2"])
        rows = (
            ("C1", "Adopt trunk-based development", "accepted", "U2", 10),
            ("C1", "Try pairing on Fridays", "proposed", "U2", 3),
            ("G1", "Promote Ana to lead", "accepted", "U2", 1),
            ("C2", "Lunch is at noon", "superseded", None, None),
        )
        for channel_id, text, status, owner, days in rows:
            decision, _ = decisions.file(
                session=session,
                new=NewDecision(team_id=TEAM_ID, channel_id=channel_id, text=text, logged_by="U1", source="command"),
                now=START,
            )
            decision.status = status
            decision.owner_id = owner
            decision.review_by = START.date() + timedelta(days=days) if days is not None else None


def _open_home(live: LiveServer, fake: FakeSlack, user: str) -> dict[str, Any]:
    live.post_event(
        event_body({"type": "app_home_opened", "user": user, "channel": "D1", "tab": "home", "event_ts": "1.0"})
    )
    live.settle()
    return _home(fake, user)


def _home(fake: FakeSlack, user: str) -> dict[str, Any]:
    view = fake.home_view(user)
    assert view is not None
    assert_valid_view(view)
    return view


def _pick(live: LiveServer, fake: FakeSlack, user: str, view: dict[str, Any], action: dict[str, Any]) -> dict[str, Any]:
    payload = {
        "type": "block_actions",
        "team": {"id": TEAM_ID, "domain": "acme"},
        "user": {"id": user, "team_id": TEAM_ID},
        "api_app_id": "A0001",
        "token": "legacy",
        "trigger_id": trigger_id(),
        "container": {"type": "view", "view_id": "VHOME"},
        "view": {"id": "VHOME", "type": "home", "private_metadata": view.get("private_metadata", "")},
        "actions": [{"block_id": "home_filters", "action_ts": "1", **action}],
    }
    assert live.post_form(urllib.parse.urlencode({"payload": json.dumps(payload)})).status_code == 200
    live.settle()
    return _home(fake, user)


def test_home_shows_the_persons_own_reviews_soonest_first_and_only_where_they_may_see(
    live: LiveServer, fake_slack: FakeSlack, session_factory: sessionmaker[Session]
) -> None:
    _seed_reviews_and_statuses(session_factory, fake_slack)
    shown = json.dumps(_open_home(live, fake_slack, "U2"))
    assert "up for review" in shown
    # U2 owns the #leads decision but is not in #leads: it is not shown to them, even as its owner.
    assert "Promote Ana" not in shown
    assert shown.index("Try pairing on Fridays") < shown.index("Adopt trunk-based development")
    assert "up for review" not in json.dumps(_open_home(live, fake_slack, "U1"))


def test_home_filters_narrow_the_decisions_by_status_and_channel_and_are_kept(
    live: LiveServer, fake_slack: FakeSlack, session_factory: sessionmaker[Session]
) -> None:
    _seed_reviews_and_statuses(session_factory, fake_slack)
    view = _open_home(live, fake_slack, "U1")
    latest = json.dumps(view["blocks"][view["blocks"].index(_header(view, "Latest decisions")) :])
    assert "Lunch is at noon" in latest and "Promote Ana" in latest
    view = _pick(
        live,
        fake_slack,
        "U1",
        view,
        {"type": "static_select", "action_id": STATUS_FILTER_ACTION, "selected_option": {"value": "proposed"}},
    )
    latest = json.dumps(view["blocks"][view["blocks"].index(_header(view, "Latest decisions")) :])
    assert "Try pairing on Fridays" in latest
    assert "Adopt trunk-based" not in latest and "Lunch is at noon" not in latest
    view = _pick(
        live,
        fake_slack,
        "U1",
        view,
        {"type": "static_select", "action_id": STATUS_FILTER_ACTION, "selected_option": {"value": "superseded"}},
    )
    view = _pick(
        live,
        fake_slack,
        "U1",
        view,
        {"type": "conversations_select", "action_id": CHANNEL_FILTER_ACTION, "selected_conversation": "C1"},
    )
    latest = json.dumps(view["blocks"][view["blocks"].index(_header(view, "Latest decisions")) :])
    # Superseded, and in #general: nothing — and the tab says so rather than showing everything.
    assert "No decisions match" in latest and "Lunch is at noon" not in latest
    # Reopening the tab keeps the filters; Clear drops them.
    live.post_event(
        event_body(
            {
                "type": "app_home_opened",
                "user": "U1",
                "channel": "D1",
                "tab": "home",
                "event_ts": "2.0",
                "view": {"private_metadata": view["private_metadata"]},
            }
        )
    )
    live.settle()
    assert "No decisions match" in json.dumps(_home(fake_slack, "U1"))
    view = _pick(live, fake_slack, "U1", view, {"type": "button", "action_id": CLEAR_FILTERS_ACTION, "value": "clear"})
    assert "Lunch is at noon" in json.dumps(view) and "Adopt trunk-based" in json.dumps(view)


def _header(view: dict[str, Any], starts: str) -> dict[str, Any]:
    return next(b for b in view["blocks"] if b["type"] == "header" and b["text"]["text"].startswith(starts))
