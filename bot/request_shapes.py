"""Whether a signed body has the shape of something Slack sends, before Bolt reads it.

Bolt assumes Slack's shapes: a JSON body that is not an object, a `payload` that is not JSON,
or an `event` that is a string make it raise, which would answer 500 (and Slack would retry a
request that can never succeed). A body Slack signed is not always one Slack built — the
signing secret may have leaked, or a test may send anything — so each is checked here and a
bad one is refused with 400 and a reason, before anything is stored or run.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl

# Objects an interaction payload may carry, which Bolt reads with .get().
PAYLOAD_OBJECTS = ("team", "enterprise", "channel", "container", "message", "view", "state", "user")
# Fields of an event Bolt reads ids from: an id, or an object carrying one.
EVENT_IDS = ("user", "channel", "team", "item", "item_user", "bot_id")
# Interactions that always come from a person (Bolt and the listeners read user.id).
NEEDS_VIEW = {"view_submission", "view_closed"}


def problem(body: str, content_type: str) -> str | None:
    """Why this body is not one Slack would send (None: it has a Slack shape)."""
    if content_type.startswith("application/json") or body.startswith("{"):
        return _json_problem(body)
    return _form_problem(body)


def _load(text: str) -> tuple[Any, str | None]:
    try:
        return json.loads(text), None
    except ValueError:
        return None, "not valid JSON"


def _json_problem(body: str) -> str | None:
    envelope, error = _load(body)
    if error is not None:
        return f"the body is {error}"
    if not isinstance(envelope, dict) or not isinstance(envelope.get("type"), str):
        return "the body is not an object with a type"
    kind = envelope["type"]
    if kind == "url_verification" and not isinstance(envelope.get("challenge"), str):
        return "url_verification without a challenge"
    if kind == "event_callback":
        event = envelope.get("event")
        if not isinstance(event, dict) or not isinstance(event.get("type"), str):
            return "event_callback without an event object"
        for name in EVENT_IDS:
            if name in event and not isinstance(event[name], str | dict | None):
                return f"the event's {name} is neither an id nor an object"
        authorizations = envelope.get("authorizations")
        if authorizations is not None and not (
            isinstance(authorizations, list) and all(isinstance(item, dict) for item in authorizations)
        ):
            return "authorizations is not a list of objects"
    return None


def _form_problem(body: str) -> str | None:
    fields: dict[str, str] = {}
    for name, value in parse_qsl(body, keep_blank_values=True):
        if name in fields:
            return f"the field {name!r} comes twice"
        fields[name] = value
    if fields.get("ssl_check") == "1":
        return None
    if "payload" in fields:
        return _payload_problem(fields["payload"])
    if "command" in fields:
        return _command_problem(fields)
    return "neither a slash command nor an interaction"


def _payload_problem(raw: str) -> str | None:
    payload, error = _load(raw)
    if error is not None:
        return f"the payload is {error}"
    if not isinstance(payload, dict) or not isinstance(payload.get("type"), str):
        return "the payload is not an object with a type"
    for name in PAYLOAD_OBJECTS:
        if name in payload and payload[name] is not None and not isinstance(payload[name], dict):
            return f"the payload's {name} is not an object"
    user = payload.get("user")
    if not isinstance(user, dict) or not isinstance(user.get("id"), str):
        return "the payload names no user"
    actions = payload.get("actions")
    if actions is not None and not (isinstance(actions, list) and all(isinstance(item, dict) for item in actions)):
        return "the payload's actions are not a list of objects"
    if payload["type"] in NEEDS_VIEW and not isinstance(payload.get("view"), dict):
        return f"{payload['type']} without a view"
    return None


def _command_problem(fields: dict[str, str]) -> str | None:
    if not fields["command"].startswith("/"):
        return "the command does not start with /"
    missing = [name for name in ("user_id", "channel_id") if not fields.get(name)]
    if not (fields.get("team_id") or fields.get("enterprise_id")):
        missing.append("team_id")
    if missing:
        return "the command lacks " + ", ".join(missing)
    return None
