"""The shape check in front of Bolt: any text at all gets an answer, and Slack's own shapes pass."""

from __future__ import annotations

import json
import urllib.parse

from hypothesis import given
from hypothesis import strategies as st

from bot.request_shapes import problem
from tests.support import command_form, event_body

FORM = "application/x-www-form-urlencoded"


@given(st.text(), st.sampled_from(["application/json", FORM, ""]))
def test_any_text_gets_a_verdict_and_never_an_exception(body: str, content_type: str) -> None:
    verdict = problem(body, content_type)
    assert verdict is None or verdict


@given(st.text())
def test_any_payload_text_gets_a_verdict(payload: str) -> None:
    problem(urllib.parse.urlencode({"payload": payload}), FORM)


def test_the_shapes_slack_sends_pass() -> None:
    event = event_body({"type": "message", "channel": "C1", "user": "U1", "text": "hi", "ts": "1.0"})
    assert problem(json.dumps(event), "application/json") is None
    assert problem(json.dumps({"type": "url_verification", "challenge": "abc"}), "application/json") is None
    assert problem(command_form("/later", "@dana hi"), FORM) is None
    assert problem("token=x&ssl_check=1", FORM) is None
    interaction = {"type": "block_actions", "user": {"id": "U1"}, "team": None, "actions": [{"action_id": "a"}]}
    assert problem(urllib.parse.urlencode({"payload": json.dumps(interaction)}), FORM) is None


def test_a_field_given_twice_is_refused() -> None:
    # Bolt would read only one of them; Slack never sends a field twice.
    assert problem(command_form("/later", "x") + "&user_id=U2", FORM) == "the field 'user_id' comes twice"
