"""Handoff's log lines: text for people, or one JSON object per line (HANDOFF_LOG_FORMAT=json) for collectors.

Either way a line never carries a credential: Slack tokens, OpenAI-style keys and the secrets
Handoff was given are replaced before the line is written, wherever they appear (a message, an
exception's text). Message text from Slack is never logged by Handoff's code in the first place.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable
from datetime import UTC, datetime

from telemetry.log_context import current

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# Slack tokens (bot, user, app-level, refresh, config) and OpenAI-style keys.
TOKEN_SHAPES = re.compile(r"\b(?:xox[a-z]-[A-Za-z0-9-]+|xapp-[A-Za-z0-9-]+|sk-[A-Za-z0-9_-]{8,})")
REDACTED = "[redacted]"
# Ids a line may carry when a caller passes them as `extra`.
CONTEXT_FIELDS = ("team_id", "event_id", "job_id")


class Redactor:
    """Replaces token shapes and the given secrets in a string."""

    def __init__(self, secrets: Iterable[str | None] = ()) -> None:
        # Short values would redact ordinary words; real secrets are long.
        self._secrets = sorted({s for s in secrets if s and len(s) >= 8}, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        return TOKEN_SHAPES.sub(REDACTED, text)


class TextFormatter(logging.Formatter):
    """The classic line, credentials redacted."""

    def __init__(self, redact: Redactor) -> None:
        super().__init__(TEXT_FORMAT)
        self._redact = redact

    def format(self, record: logging.LogRecord) -> str:
        return self._redact(super().format(record))


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, and team_id / event_id / job_id when known."""

    def __init__(self, redact: Redactor) -> None:
        super().__init__()
        self._redact = redact

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, str] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": self._redact(record.getMessage()),
        }
        line.update(current())
        for name in CONTEXT_FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                line[name] = str(value)
        if record.exc_info:
            line["exception"] = self._redact(self.formatException(record.exc_info))
        return json.dumps(line, ensure_ascii=False)


def configure_logging(*, level: int, fmt: str = "text", secrets: Iterable[str | None] = ()) -> None:
    """Send the process's log lines to standard error in `fmt` ("text" or "json"), from `level` up."""
    handler = logging.StreamHandler()
    redact = Redactor(secrets)
    handler.setFormatter(JsonFormatter(redact) if fmt == "json" else TextFormatter(redact))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
