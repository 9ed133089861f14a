"""When something fails, the person is told in plain words and the request still gets a 2xx, even when
telling them fails too (their response_url unreachable)."""

from __future__ import annotations

import json
import logging
import urllib.parse
from collections.abc import Iterator

import pytest

from decisions.blocks import UNDO_ACTION
from tests.fakes.slack_api import FakeSlack
from tests.support import TEAM_ID, LiveServer, command_form, trigger_id

# Nothing listens here: posting to this response_url fails at once.
UNREACHABLE = "http://127.0.0.1:9/commands/response"


@pytest.fixture(autouse=True)
def server_errors(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """uvicorn's own log (where "Exception in ASGI application" goes) does not reach the root logger: listen to it."""
    server_log = logging.getLogger("uvicorn.error")
    server_log.addHandler(caplog.handler)
    yield
    server_log.removeHandler(caplog.handler)


def _click(live: LiveServer, *, response_url: str) -> int:
    payload = {
        "type": "block_actions",
        "team": {"id": TEAM_ID, "domain": "acme"},
        "user": {"id": "U1", "team_id": TEAM_ID},
        "api_app_id": "A0001",
        "trigger_id": trigger_id(),
        "channel": {"id": "C1"},
        "container": {"type": "message", "channel_id": "C1"},
        "response_url": response_url,
        "actions": [{"type": "button", "action_id": UNDO_ACTION, "block_id": "b", "value": "1", "action_ts": "1"}],
    }
    return live.post_form(urllib.parse.urlencode({"payload": json.dumps(payload)})).status_code


@pytest.mark.parametrize("text", ["help", "stats", "hours"])
def test_with_slack_unreachable_a_command_is_answered_with_what_to_do_not_a_500(
    live: LiveServer, fake_slack: FakeSlack, caplog: pytest.LogCaptureFixture, text: str
) -> None:
    # Slack cannot be reached (Bolt's first auth.test fails), nor the command's response_url.
    fake_slack.stop()
    with caplog.at_level(logging.WARNING):
        response = live.post_form(command_form("/handoff", text, response_url=UNREACHABLE))
        live.settle()
    assert response.status_code == 200
    answer = response.json()
    assert answer["response_type"] == "ephemeral"
    assert answer["text"].startswith("Something went wrong on Handoff's side and nothing was changed.")
    assert "try again in a minute" in answer["text"]
    assert not [r for r in caplog.records if "Exception in ASGI application" in r.getMessage()]


def test_with_slack_unreachable_a_click_is_acknowledged_and_the_failed_telling_is_only_logged(
    live: LiveServer, fake_slack: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    fake_slack.stop()
    with caplog.at_level(logging.WARNING):
        assert _click(live, response_url=UNREACHABLE) == 200
        live.settle()
    told = [r.getMessage() for r in caplog.records if "could not tell the person about the error" in r.getMessage()]
    assert len(told) == 1 and "\n" not in told[0]
    assert not [r for r in caplog.records if "Exception in ASGI application" in r.getMessage()]
