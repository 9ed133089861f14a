"""The fake Slack's timing faults: calls held (before or after their effect), answered late, hung up on, matched."""

from __future__ import annotations

import http.client
import threading
from collections.abc import Iterator

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from tests.fakes.slack_api import FakeSlack


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    fake = FakeSlack()
    fake.add_team("T1", bot_token="xoxb-1", bot_user_id="UBOT")
    fake.add_user("T1", "U1")
    fake.add_user("T1", "U2")
    fake.start()
    yield fake
    fake.stop()


def _client(slack: FakeSlack, timeout: int = 30) -> WebClient:
    return WebClient(token="xoxb-1", base_url=slack.url, timeout=timeout, retry_handlers=[])


def _post_in_background(slack: FakeSlack, channel: str) -> threading.Thread:
    thread = threading.Thread(target=lambda: _client(slack).chat_postMessage(channel=channel, text="hi"), daemon=True)
    thread.start()
    return thread


def test_a_call_held_after_its_effect_is_in_slack_while_its_answer_waits(slack: FakeSlack) -> None:
    held = slack.hold("chat.postMessage", after=True)
    thread = _post_in_background(slack, "U1")
    assert held.wait_reached(timeout=10)
    assert [m["text"] for m in slack.posted_messages()] == ["hi"]
    # Other calls are answered meanwhile.
    assert _client(slack).auth_test()["ok"]
    assert thread.is_alive()
    held.release()
    thread.join(timeout=10)
    assert not thread.is_alive()


def test_a_call_held_before_its_effect_has_done_nothing_until_released(slack: FakeSlack) -> None:
    held = slack.hold("chat.postMessage", after=False, match=lambda params: params.get("channel") == "U2")
    _client(slack).chat_postMessage(channel="U1", text="not held")
    thread = _post_in_background(slack, "U2")
    assert held.wait_reached(timeout=10)
    assert [m["text"] for m in slack.posted_messages()] == ["not held"]
    held.release()
    thread.join(timeout=10)
    assert len(slack.posted_messages()) == 2


def test_a_delay_past_the_clients_timeout_is_a_timeout_after_the_effect(slack: FakeSlack) -> None:
    slack.delay("chat.postMessage", 3)
    with pytest.raises(TimeoutError):
        _client(slack, timeout=1).chat_postMessage(channel="U1", text="slow")
    assert [m["text"] for m in slack.posted_messages()] == ["slow"]


def test_a_hang_up_after_the_effect_closes_the_connection_unanswered(slack: FakeSlack) -> None:
    slack.hang_up("chat.postMessage")
    with pytest.raises(http.client.RemoteDisconnected):
        _client(slack).chat_postMessage(channel="U1", text="dropped")
    assert [m["text"] for m in slack.posted_messages()] == ["dropped"]
    assert slack.server_errors == []


def test_faults_can_match_some_calls_only_and_be_cleared(slack: FakeSlack) -> None:
    slack.fail_next("conversations.open", error="user_not_found", match=lambda params: params.get("users") == "U2")
    assert _client(slack).conversations_open(users="U1")["ok"]
    with pytest.raises(SlackApiError):
        _client(slack).conversations_open(users="U2")
    assert _client(slack).conversations_open(users="U2")["ok"]
    slack.fail_next("auth.test", status=503, times=5)
    slack.clear_faults()
    assert _client(slack).auth_test()["ok"]
