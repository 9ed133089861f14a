"""An Events API delivery (`event_callback`), parsed into the parts Handoff routes on."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


class MalformedEnvelope(ValueError):
    """The body is not an event_callback Handoff can route."""


class NoWorkspace(MalformedEnvelope):
    """An event_callback that names no workspace: it can be for nobody Handoff serves."""


@dataclass(frozen=True)
class Envelope:
    """The outer envelope of an event and the event itself."""

    event_id: str
    team_id: str
    enterprise_id: str | None
    event: dict[str, Any]
    # Handoff's own bot user in this workspace, from the event's authorizations.
    bot_user_id: str | None = None
    # Slack Connect: the event is about a channel shared with another organization.
    is_ext_shared_channel: bool = False
    # The app is installed org-wide (Enterprise Grid): one installation for every workspace of the org.
    is_enterprise_install: bool = False

    @property
    def event_type(self) -> str:
        return str(self.event.get("type", ""))


def parse_envelope(body: dict[str, Any]) -> Envelope:
    """Read an event_callback body; MalformedEnvelope when it lacks what routing needs."""
    if body.get("type") != "event_callback":
        raise MalformedEnvelope("not an event_callback")
    event = body.get("event")
    event_id = body.get("event_id")
    if not isinstance(event, dict) or not isinstance(event_id, str) or not event.get("type"):
        raise MalformedEnvelope("event_callback without event or event_id")
    team_id = body.get("team_id")
    is_ext_shared_channel = bool(body.get("is_ext_shared_channel"))
    # For an event in a shared channel, Slack sets the envelope's enterprise_id to the organization
    # where it happened, not to the one of the installation it is delivered to: only the
    # authorization (the installation's own, as Bolt reads it) says which organization this is.
    enterprise_id = None if is_ext_shared_channel else body.get("enterprise_id")
    # In org-wide (Enterprise Grid) installs the outer team_id can be the org; the
    # authorization names the workspace the event is for.
    authorizations = body.get("authorizations") or []
    bot_user_id = None
    is_enterprise_install = False
    if authorizations and isinstance(authorizations[0], dict):
        team_id = authorizations[0].get("team_id") or team_id
        enterprise_id = authorizations[0].get("enterprise_id")
        bot_user_id = authorizations[0].get("user_id")
        is_enterprise_install = authorizations[0].get("is_enterprise_install") is True
    if not isinstance(team_id, str) or not team_id:
        raise NoWorkspace("event_callback without team_id")
    return Envelope(
        event_id=event_id,
        team_id=team_id,
        enterprise_id=enterprise_id if isinstance(enterprise_id, str) else None,
        event=event,
        bot_user_id=bot_user_id if isinstance(bot_user_id, str) else None,
        is_ext_shared_channel=is_ext_shared_channel,
        is_enterprise_install=is_enterprise_install,
    )
