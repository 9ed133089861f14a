"""Each configuration value checked in plain words: what is wrong with it, said as Handoff says it.

Every function takes the raw value and returns it normalized, or raises ValueError whose message
completes "<VARIABLE> is invalid: …" (the settings loader adds the variable and how to fix it).
Secrets are never repeated back: an error message may end up in a log.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

# Slack's bot tokens; a rotating one comes wrapped as `xoxe.xoxb-…`.
BOT_TOKEN_PREFIXES = ("xoxb-", "xoxe.xoxb-")
# Other Slack tokens people paste by mistake, and what they are.
OTHER_TOKENS = {
    "xoxp-": "a user token (xoxp-)",
    "xoxe.xoxp-": "a user token (xoxp-)",
    "xapp-": "an app-level token (xapp-), which belongs in SLACK_APP_TOKEN",
    "xoxb-": "a bot token (xoxb-), which belongs in SLACK_BOT_TOKEN",
    "xoxe-": "a refresh token (xoxe-)",
}
# Basic Information shows the client id as two numbers joined by a dot.
CLIENT_ID = re.compile(r"\d+\.\d+")
# Slack's emoji names: lower-case letters, digits, and - _ + '
EMOJI_NAME = re.compile(r"[a-z0-9_+'\-]{1,100}")


def no_blanks(value: str) -> str:
    """A secret or id pasted whole: no spaces, tabs or line breaks inside (surrounding ones are dropped)."""
    value = value.strip()
    if any(ch.isspace() for ch in value):
        raise ValueError("it has spaces or line breaks inside, which no such value has (a copy-and-paste slip?)")
    if value[:1] in {'"', "'"} and value[-1:] == value[:1]:
        raise ValueError("it is wrapped in quotes, which became part of the value")
    return value


def slack_token(value: str, *, prefixes: tuple[str, ...], what: str) -> str:
    """A Slack token of one kind (`what`: "a bot token (xoxb-…)"), told apart from the other kinds."""
    value = no_blanks(value)
    if value.startswith(prefixes):
        return value
    for prefix, other in OTHER_TOKENS.items():
        if value.startswith(prefix) and not prefix.startswith(prefixes):
            raise ValueError(f"it is {other}, not {what}")
    raise ValueError(f"it is not {what}")


def client_id(value: str) -> str:
    """Basic Information's Client ID: digits, a dot, digits."""
    value = no_blanks(value)
    if not CLIENT_ID.fullmatch(value):
        raise ValueError(f"{value[:40]!r} is not a Client ID (two numbers joined by a dot)")
    return value


def http_url(value: str) -> str:
    """An http(s) URL with a host."""
    value = value.strip()
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 (reading it checks it)
    except ValueError:
        raise ValueError(f"{value[:80]!r} is not a URL") from None
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ValueError(f"{value[:80]!r} is not an http(s) URL with a host")
    return value


def database_url(value: str) -> str:
    """A SQLAlchemy URL for SQLite or PostgreSQL through psycopg 3; `postgresql://` and `postgres://` mean psycopg."""
    value = value.strip()
    for bare in ("postgres://", "postgresql://"):
        if value.startswith(bare):
            # Plain postgres URLs would pick psycopg2, which Handoff does not ship; psycopg 3 is the driver.
            value = "postgresql+psycopg://" + value.removeprefix(bare)
    try:
        url = make_url(value)
    except ArgumentError:
        raise ValueError("it is not a URL (it should start with sqlite:/// or postgresql://)") from None
    backend, driver = url.get_backend_name(), url.get_driver_name()
    if backend == "sqlite":
        if driver not in {"pysqlite", ""}:
            raise ValueError(f"it asks for the {driver} driver; Handoff reads SQLite with Python's own (sqlite:///…)")
        if url.host or url.port or url.username:
            # sqlite://handoff.db: the file name went where a host goes.
            raise ValueError(
                "the file name must follow three slashes (sqlite:///handoff.db, or four for a full path: "
                "sqlite:////var/lib/handoff.db)"
            )
        return value
    if backend == "postgresql":
        if driver != "psycopg":
            raise ValueError(
                f"it asks for the {driver} driver, which Handoff does not ship; "
                "write postgresql://… (or postgresql+psycopg://…) to use psycopg 3"
            )
        return value
    raise ValueError(f"Handoff stores its data in SQLite or PostgreSQL, not {backend}")


def emoji_names(value: str) -> str:
    """Comma-separated emoji names, colons optional; returned without colons."""
    names = [name.strip().strip(":") for name in value.split(",") if name.strip()]
    if not names:
        raise ValueError("it names no emoji")
    for name in names:
        if not EMOJI_NAME.fullmatch(name):
            raise ValueError(f"{name[:40]!r} is not an emoji name")
    return ",".join(names)


def fernet_keys(value: str) -> str | None:
    """One or more Fernet keys, comma-separated, newest first (None when blank)."""
    if not value.strip():
        return None
    from cryptography.fernet import Fernet

    keys = [key.strip() for key in value.split(",") if key.strip()]
    for position, key in enumerate(keys, start=1):
        try:
            Fernet(key)
        except (ValueError, TypeError):
            which = "the key" if len(keys) == 1 else f"key {position} of {len(keys)}"
            raise ValueError(f"{which} is not a Fernet key (32 bytes, url-safe base64)") from None
    return ",".join(keys)
