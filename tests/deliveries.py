"""What people received, read back from the fake Slack: each held ping and each catch-up, counted."""

from __future__ import annotations

import json
import re
from collections import Counter

from digest.delivery import METADATA_TYPE as CATCHUP_METADATA
from tests.fakes.slack_api import FakeSlack

# Seeded pings carry this token in their text, so a ping is found wherever it went (its own DM or
# inside a catch-up).
PING_TOKEN = re.compile(r"ping-(\d{5})")


def ping_text(number: int) -> str:
    """The text of seeded ping `number`."""
    return f"ping-{number:05d}: could you look at this when you are in?"


def pings_received(fake: FakeSlack) -> Counter[int]:
    """How many messages carried each seeded ping (a message counts a ping once)."""
    seen: Counter[int] = Counter()
    for message in fake.posted_messages():
        seen.update({int(n) for n in PING_TOKEN.findall(json.dumps(message.get("blocks") or []))})
    return seen


def catchups_received(fake: FakeSlack) -> Counter[str]:
    """How many catch-ups each person got (by the DM they went to: the fake names a DM D<user>)."""
    return Counter(
        str(message["channel"])[1:]
        for message in fake.posted_messages()
        if (message.get("metadata") or {}).get("event_type") == CATCHUP_METADATA
    )
