"""Sorting Slack's failures: wait, try later, pause the workspace, or give up."""

from __future__ import annotations

from datetime import timedelta
from urllib.error import URLError

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.slack_failures import PERMANENT, RATE_LIMITED, TRANSIENT, WORKSPACE, classify
from tests.fakes.slack_api import FakeSlack
from tests.support import BOT_TOKEN


def _failure(fake: FakeSlack, **fault: object) -> SlackApiError:
    fake.fail_next("chat.postMessage", **fault)  # type: ignore[arg-type]
    with pytest.raises(SlackApiError) as raised:
        WebClient(token=BOT_TOKEN, base_url=fake.url).chat_postMessage(channel="C1", text="hi")
    return raised.value


@pytest.mark.parametrize(
    ("fault", "kind", "error"),
    [
        ({"status": 429, "retry_after": 7}, RATE_LIMITED, "ratelimited"),
        ({"status": 503}, TRANSIENT, "service_unavailable (HTTP 503)"),
        ({"status": 500}, TRANSIENT, "internal_error (HTTP 500)"),
        ({"error": "channel_not_found"}, TRANSIENT, "channel_not_found"),
        ({"error": "invalid_auth"}, WORKSPACE, "invalid_auth"),
        ({"error": "token_revoked"}, WORKSPACE, "token_revoked"),
        ({"error": "account_inactive"}, WORKSPACE, "account_inactive"),
        ({"error": "user_not_found"}, PERMANENT, "user_not_found"),
    ],
)
def test_slacks_answers_are_sorted(fake_slack: FakeSlack, fault: dict[str, object], kind: str, error: str) -> None:
    failure = classify(_failure(fake_slack, **fault), permanent=frozenset({"user_not_found"}))
    assert (failure.kind, failure.error) == (kind, error)
    assert failure.retry_after == (timedelta(seconds=7) if kind == RATE_LIMITED else None)


def test_timeouts_and_dropped_connections_are_worth_another_try_and_their_outcome_is_unknown() -> None:
    for exc in (TimeoutError("timed out"), URLError(TimeoutError("timed out"))):
        failure = classify(exc, permanent=frozenset())
        assert failure.kind == TRANSIENT and failure.error.startswith("timeout") and failure.outcome_unknown
    refused = classify(ConnectionRefusedError(111, "Connection refused"), permanent=frozenset())
    assert refused.kind == TRANSIENT and refused.error.startswith("connection") and refused.outcome_unknown
