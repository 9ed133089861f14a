"""App Home: opening the tab publishes a view for that person."""

from __future__ import annotations

from tests.fakes.slack_api import FakeSlack
from tests.support import TEAM_ID, LiveServer, event_body


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
