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
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.deps import Deps
from ingest.envelope import Envelope
from store import inbox, installations, teams
from store.inbox import Delivery
from store.installations import WorkspaceBot
from store.models import Channel, ChannelMember

# Marks a copy in its body: a copy's event is never copied again.
COPY_OF = "handoff_copy_of"

# The events whose meaning is the same for every workspace in the channel, and only those: what
# people said (messages, their edits and deletions are `message` subtypes), their reactions, and
# people joining or leaving. The rest speak of the receiving installation itself (`channel_left`
# and `group_left` mean "this bot was removed") or are delivered to each workspace on its own.
COPIED_EVENTS = frozenset(
    {"message", "reaction_added", "reaction_removed", "member_joined_channel", "member_left_channel"}
)


def channel_of(event: dict[str, Any]) -> str | None:
    """The channel an event is about: its own `channel`, or the channel of the message a reaction is on."""
    channel = event.get("channel")
    if isinstance(channel, str):
        return channel
    item = event.get("item")
    if isinstance(item, dict) and isinstance(item.get("channel"), str):
        return str(item["channel"])
    return None


def other_installations(
    *, session: Session, client_id: str, team_id: str, channel_id: str, joined: str | None = None
) -> list[WorkspaceBot]:
    """The other workspaces with their own Handoff in `channel_id`.

    Channel ids are global in Slack: a shared channel has the same id in every workspace that shares
    it, and its member list (as `conversations.members` gives it to any of them) holds the members of
    every organization, bots included. So another workspace's Handoff is in the channel when its bot
    user is among the members this workspace knows, when the event is that bot joining (`joined`), or
    when that workspace has the channel on record as one its Handoff is in. That workspace's own
    record wins over this workspace's member list, which may be older: a workspace whose Slack said
    its Handoff is not in the channel, or stopped letting it read the channel (disconnected from a
    shared channel), gets no copy until its bot joins again.
    """
    bots = installations.workspace_bots(session=session, client_id=client_id, other_than=team_id)
    if not bots:
        return []
    members = set(
        session.scalars(
            select(ChannelMember.user_id).where(
                ChannelMember.team_id == team_id,
                ChannelMember.channel_id == channel_id,
                ChannelMember.user_id.in_([bot.bot_user_id for bot in bots]),
            )
        )
    )
    records = {
        str(team): bool(is_member) and lost is None
        for team, is_member, lost in session.execute(
            select(Channel.team_id, Channel.is_member, Channel.access_lost_at).where(
                Channel.channel_id == channel_id, Channel.team_id.in_([bot.team_id for bot in bots])
            )
        )
    }
    return [bot for bot in bots if bot.bot_user_id == joined or records.get(bot.team_id, bot.bot_user_id in members)]


def copy_for(body: dict[str, Any], envelope: Envelope, installation: WorkspaceBot) -> Delivery:
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


def orphaned_copy(*, deps: Deps, body: dict[str, Any], envelope: Envelope) -> bool:
    """A copy whose workspace has no installation of its own any more (uninstalled, purged) since it was given.

    Such a copy is dropped unprocessed: processing it would store the channel's content again in
    a workspace that was just purged, with no token to vouch for who may see it.
    """
    if COPY_OF not in body:
        return False
    with deps.read_session_factory() as session:
        return not teams.has_own_installation(session=session, team_id=envelope.team_id)


def share(*, deps: Deps, body: dict[str, Any], envelope: Envelope, now: datetime) -> tuple[str, ...]:
    """Give each other workspace with Handoff in the event's shared channel its copy; returns those workspaces.

    Only in OAuth mode (one token cannot act for two workspaces), only for events Slack marks as
    from a shared channel and of a type in COPIED_EVENTS, and never for a copy: any other event
    costs no database work here.
    """
    channel_id = channel_of(envelope.event)
    if (
        deps.installations is None
        or not envelope.is_ext_shared_channel
        or envelope.event_type not in COPIED_EVENTS
        or COPY_OF in body
        or channel_id is None
    ):
        return ()
    event = envelope.event
    joined = str(event.get("user")) if event.get("type") == "member_joined_channel" else None
    with deps.session_factory.begin() as session:
        others = other_installations(
            session=session,
            client_id=deps.installations.client_id,
            team_id=envelope.team_id,
            channel_id=channel_id,
            joined=joined,
        )
        copies = [copy_for(body, envelope, other) for other in others]
        if copies:
            inbox.record_events(connection=session.connection(), deliveries=copies, now=now)
    return tuple(other.team_id for other in others)
