"""App Home: opening the tab publishes a view for that person."""

from __future__ import annotations

import json

from sqlalchemy.orm import Session, sessionmaker

from store import decisions
from store.decisions import NewDecision
from tests.conftest import START
from tests.fakes.slack_api import FakeSlack
from tests.support import TEAM_ID, LiveServer, event_body, seed_general_and_leads


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
