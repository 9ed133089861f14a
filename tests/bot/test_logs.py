"""Log lines: JSON objects with what the line is about, and never a credential, in either format."""

from __future__ import annotations

import json
import logging
import sys

from bot.logs import JsonFormatter, Redactor, TextFormatter
from telemetry.log_context import about

SECRET = "8f14e45fceea167a5a36dedd4bea2543"


def _record(message: str, *args: object, exc: bool = False) -> logging.LogRecord:
    exc_info = None
    if exc:
        try:
            raise RuntimeError("refused xoxb-123-456-abcdef by Slack")
        except RuntimeError:
            exc_info = sys.exc_info()
    return logging.LogRecord("handoff.test", logging.WARNING, __file__, 1, message, args, exc_info)


def test_a_json_line_says_when_what_and_about_which_event() -> None:
    formatter = JsonFormatter(Redactor())
    with about(team_id="T1", event_id="Ev1"), about(job_id=7):
        line = json.loads(formatter.format(_record("event will be retried at %s", "08:00")))
    assert line["level"] == "WARNING" and line["logger"] == "handoff.test"
    assert line["message"] == "event will be retried at 08:00"
    assert line["time"].endswith("+00:00")
    assert (line["team_id"], line["event_id"], line["job_id"]) == ("T1", "Ev1", "7")
    # Outside the work, nothing of it is left behind.
    assert "team_id" not in json.loads(formatter.format(_record("idle")))


def test_tokens_and_secrets_are_redacted_in_messages_and_exceptions() -> None:
    redact = Redactor([SECRET, "short"])
    record = _record("token %s, app xapp-1-A0-99, key sk-proj-abcdefgh123, secret %s", "xoxb-1-2-3", SECRET, exc=True)
    for formatter in (JsonFormatter(redact), TextFormatter(redact)):
        written = formatter.format(record)
        for credential in ("xoxb-", "xapp-", "sk-proj", SECRET):
            assert credential not in written, (credential, written)
        assert "[redacted]" in written
    # A short value is not treated as a secret: it would redact ordinary words.
    assert "short" in TextFormatter(redact).format(_record("a short line"))
