"""Reading a Slack message object into the store's terms, whatever its fields hold."""

from __future__ import annotations

from typing import Any

import pytest

from ingest.traffic_events import incoming_message


@pytest.mark.parametrize("subtype", [[], ["bot_message"], {"name": "channel_join"}, 7])
def test_a_subtype_that_is_not_text_is_a_system_message_without_one(subtype: Any) -> None:
    message = incoming_message("T1", "C1", {"ts": "1700000000.000100", "user": "U1", "text": "hi", "subtype": subtype})

    assert (message.subtype, message.is_system) == (None, True)


def test_a_person_talking_and_slack_narrating_read_as_before() -> None:
    said = incoming_message("T1", "C1", {"ts": "1700000000.000100", "user": "U1", "text": "hi"})
    joined = incoming_message("T1", "C1", {"ts": "1700000000.000200", "user": "U1", "subtype": "channel_join"})

    assert (said.subtype, said.is_system) == (None, False)
    assert (joined.subtype, joined.is_system) == ("channel_join", True)
