"""Slack Connect: an event in a channel shared by two organizations that both use Handoff.

Slack delivers an event in a shared channel once, to one installation of the app (the one named
in `authorizations`), however many of the channel's workspaces installed it. Left at that, the
other workspace would miss the channel's messages in its catch-ups and could not log its own
members' decisions there. So the event worker gives every other workspace that has Handoff in
the channel a copy of the event in the inbox, addressed to its own installation, as if Slack had
delivered it there; each copy is then processed like any delivery, with that workspace's token
and scoped to that workspace's rows.

A copy's event id is the original's with the workspace appended, so giving copies again (a retry,
a crash, another worker) stores nothing twice. Copies are never copied again.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ingest.envelope import Envelope
from store import inbox
from store.inbox import Delivery
from store.models import Channel, Team

# Marks a copy in its body: a copy's event is never copied again.
COPY_OF = "handoff_copy_of"


@dataclass(frozen=True)
class Installation:
    """Another workspace with Handoff in the channel."""

    team_id: str
    enterprise_id: str | None
    bot_user_id: str | None


def channel_of(event: dict[str, Any]) -> str | None:
    """The channel an event is about: its own `channel`, or the channel of the message a reaction is on."""
    channel = event.get("channel")
    if isinstance(channel, str):
        return channel
    item = event.get("item")
    if isinstance(item, dict) and isinstance(item.get("channel"), str):
        return str(item["channel"])
    return None


def other_installations(*, session: Session, team_id: str, channel_id: str) -> list[Installation]:
    """The installed workspaces other than `team_id` whose Handoff is in `channel_id` (channel ids are
    global in Slack: a shared channel has one id in every workspace that shares it)."""
    rows = session.execute(
        select(Team.team_id, Team.enterprise_id, Team.bot_user_id)
        .join(Channel, Channel.team_id == Team.team_id)
        .where(
            Channel.channel_id == channel_id,
            Channel.team_id != team_id,
            Channel.is_member.is_(True),
            Team.uninstalled_at.is_(None),
        )
        .order_by(Team.team_id)
    )
    return [Installation(str(row.team_id), row.enterprise_id, row.bot_user_id) for row in rows]


def copy_for(body: dict[str, Any], envelope: Envelope, installation: Installation) -> Delivery:
    """The delivery Slack would have made to `installation`."""
    authorization = {
        "team_id": installation.team_id,
        "enterprise_id": installation.enterprise_id,
        "user_id": installation.bot_user_id,
        "is_bot": True,
        "is_enterprise_install": False,
    }
    copied = {
        **body,
        "team_id": installation.team_id,
        "enterprise_id": installation.enterprise_id,
        "event_id": f"{envelope.event_id}:{installation.team_id}",
        "authorizations": [authorization],
        COPY_OF: envelope.event_id,
    }
    return Delivery(
        event_id=copied["event_id"],
        team_id=installation.team_id,
        event_type=envelope.event_type,
        body=json.dumps(copied, separators=(",", ":")),
    )


def share(*, session: Session, body: dict[str, Any], envelope: Envelope, now: datetime) -> Sequence[str]:
    """Give each other workspace with Handoff in the event's shared channel its copy; returns those workspaces.

    Only for events Slack marks as from a shared channel, and never for a copy.
    """
    if not envelope.is_ext_shared_channel or COPY_OF in body:
        return ()
    channel_id = channel_of(envelope.event)
    if channel_id is None:
        return ()
    others = other_installations(session=session, team_id=envelope.team_id, channel_id=channel_id)
    if others:
        inbox.add_deliveries(session=session, deliveries=[copy_for(body, envelope, other) for other in others], now=now)
    return [other.team_id for other in others]
