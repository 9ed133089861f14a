"""`/decisions` queries: words to search for, and filters (in:, from:, tag:, since:, before:, status:)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from digest.text import escape, readable

FILTERS = ("in", "from", "tag", "since", "before", "status")
STATUSES = ("proposed", "accepted", "superseded", "retracted")
# Slack escapes mentions in command text as <#C123|name> and <@U123|name> when it escapes at all.
_CHANNEL_REF = re.compile(r"^<#([CGD][A-Z0-9]+)(?:\|[^>]*)?>$")
_USER_REF = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$")


class QueryError(ValueError):
    """The query cannot be run as written; the message says how to fix it."""

    @property
    def message(self) -> str:
        """The text to show the person, as mrkdwn: what they typed is quoted in it, inert (no token, no ping)."""
        return escape(readable(str(self.args[0])))


@dataclass(frozen=True)
class DecisionQuery:
    """A parsed query. Channel and user are ids, or names still to resolve (`#general`, `@ana`)."""

    words: str = ""
    channel: str | None = None
    author: str | None = None
    tags: tuple[str, ...] = ()
    since: date | None = None
    before: date | None = None
    statuses: tuple[str, ...] = field(default=("proposed", "accepted", "superseded"))


def is_channel_id(value: str) -> bool:
    """True for a Slack conversation id (C…, G…, D…), as opposed to a channel name."""
    return value[:1] in {"C", "G", "D"} and value.isupper()


def is_user_id(value: str) -> bool:
    """True for a Slack user id (U…, W…), as opposed to a handle."""
    return value[:1] in {"U", "W"} and value.isupper()


def parse(text: str) -> DecisionQuery:
    """Read a query; QueryError says what is wrong. Any other text is words to search for."""
    words: list[str] = []
    values: dict[str, object] = {}
    tags: list[str] = []
    # A NUL ends an FTS5 string early and PostgreSQL refuses it in text: it can only be noise here.
    for token in text.replace("\x00", " ").split():
        name, colon, value = token.partition(":")
        key = name.lower()
        if not colon or not name.isalpha() or token.startswith(("<", "http")):
            words.append(token)
            continue
        if key not in FILTERS:
            raise QueryError(
                f"I don't know the filter `{name}:`. Try in:#channel, from:@person, tag:x, "
                "since:2026-11-01, before:2026-12-01 or status:superseded."
            )
        if not value:
            raise QueryError(f"`{name}:` needs a value, like `{key}:{_example(key)}`.")
        if key == "in":
            match = _CHANNEL_REF.match(value)
            values["channel"] = match.group(1) if match else value.lstrip("#").lower()
        elif key == "from":
            match = _USER_REF.match(value)
            values["author"] = match.group(1) if match else value.lstrip("@").lower()
        elif key == "tag":
            tags.append(value.lstrip("#").lower())
        elif key in {"since", "before"}:
            try:
                values[key] = date.fromisoformat(value)
            except ValueError:
                raise QueryError(f"`{key}:` takes a date like {key}:2026-11-01.") from None
        else:
            status = value.lower()
            if status not in STATUSES:
                raise QueryError(f"`status:` is one of {', '.join(STATUSES)}.")
            values["statuses"] = (status,)
    return DecisionQuery(words=" ".join(words), tags=tuple(tags), **values)  # type: ignore[arg-type]


def _example(key: str) -> str:
    return {"in": "#general", "from": "@ana", "tag": "infra", "since": "2026-11-01", "before": "2026-12-01"}.get(
        key, "superseded"
    )


def fts5_match(words: str) -> str:
    """An FTS5 query that means "all these words", whatever characters they hold.

    Every term is quoted (quotes inside doubled), so operators, parentheses, `*`, `-` and NEAR(
    in user input are just text, and any input is a valid query.
    """
    terms = [term for term in re.split(r"\s+", words.strip()) if term]
    return " ".join('"' + term.replace('"', '""') + '"' for term in terms)
