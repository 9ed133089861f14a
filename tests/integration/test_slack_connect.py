"""Slack Connect with Handoff in both organizations: Slack delivers a shared channel's event once, to
one installation; each workspace still gets the channel's traffic and files its own members' decisions."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from bot.clock import FixedClock
from store.models import Decision, Message
from tests.oauth import ACME, GLOBEX, OAuthWorld, install, oauth_world
from tests.support import event_body

SHARED = "CSHARED"
TS = "1772434800.000100"


# How Globex learns its Handoff is in the channel: Slack tells its own installation that its bot joined;
# Slack tells Acme's instead (one delivery for a shared channel); or nobody tells it, and Acme's member
# list of the channel (every organization's members, bots included) shows Globex's bot.
JOINS = {
    "own": ((ACME, "UBOT", ACME), (GLOBEX, "UBOT2", GLOBEX)),
    "via-acme": ((ACME, "UBOT", ACME), (ACME, "UBOT2", GLOBEX)),
    "members": ((ACME, "UBOT", ACME),),
}


@pytest.fixture(params=sorted(JOINS))
def world(request: pytest.FixtureRequest, database_url: str, clock: FixedClock) -> Iterator[OAuthWorld]:
    with oauth_world(database_url, clock) as built:
        built.fake.add_channel(
            ACME,
            SHARED,
            name="acme-globex",
            members=["UBOT", "U1", "U2", "UBOT2", "V1"],
            is_ext_shared=True,
            shared_team_ids=[GLOBEX],
        )
        built.fake.add_message(SHARED, ts=TS, user="U1", text="We ship the joint release on the 5th")
        install(built, "U1")
        install(built, "V1")
        # Each organization adds its own Handoff to the channel.
        for delivered_to, bot, _ in JOINS[request.param]:
            joined = {"type": "member_joined_channel", "user": bot, "channel": SHARED, "event_ts": TS}
            receiver = "UBOT" if delivered_to == ACME else "UBOT2"
            _deliver(built, event_body(joined, team_id=delivered_to, bot_user_id=receiver), shared=True)
        yield built


def _deliver(world: OAuthWorld, body: dict[str, Any], *, shared: bool = False) -> None:
    body["is_ext_shared_channel"] = shared
    assert world.live.post_event(body).status_code == 200
    world.live.settle()


def _message_event() -> dict[str, Any]:
    """Ann's message, as Slack delivers it: once, to Acme's installation."""
    event = {"type": "message", "channel": SHARED, "user": "U1", "text": "We ship the joint release on the 5th"}
    return event_body({**event, "ts": TS, "event_ts": TS}, team_id=ACME, bot_user_id="UBOT")


def _stored_in(world: OAuthWorld) -> list[str]:
    with world.deps.read_session_factory() as session:
        return sorted(session.scalars(select(Message.team_id).where(Message.channel_id == SHARED, Message.ts == TS)))


def _decisions(world: OAuthWorld) -> list[tuple[str, str]]:
    with world.deps.read_session_factory() as session:
        rows = session.execute(select(Decision.team_id, Decision.logged_by).where(Decision.channel_id == SHARED))
        return sorted((str(row.team_id), str(row.logged_by)) for row in rows)


def test_a_message_delivered_to_one_organization_reaches_both_once(world: OAuthWorld) -> None:
    body = _message_event()
    _deliver(world, body, shared=True)
    assert _stored_in(world) == [ACME, GLOBEX]

    # Slack retries the same delivery, and the copy is never copied back: still one each.
    _deliver(world, dict(body), shared=True)
    assert _stored_in(world) == [ACME, GLOBEX]


def test_a_reaction_by_the_other_organization_files_its_decision_there_without_a_note(world: OAuthWorld) -> None:
    _deliver(world, _message_event(), shared=True)
    reaction = {
        "type": "reaction_added",
        "user": "V1",
        "reaction": "memo",
        "item": {"type": "message", "channel": SHARED, "ts": TS},
        "event_ts": "1772434900.000200",
    }
    # Vic is Globex's, but Slack names Acme's installation on the event.
    _deliver(world, event_body(reaction, team_id=ACME, bot_user_id="UBOT"), shared=True)

    assert _decisions(world) == [(GLOBEX, "V1")]
    # Acme's Handoff does not tell Vic that only its own members can file decisions here: his did.
    assert world.fake.ephemeral_messages(channel=SHARED, user="V1") == []

    # Ann (Acme) files the same message in Acme's log, delivered this time to Globex's installation.
    ann = {**reaction, "user": "U1", "event_ts": "1772435000.000300"}
    _deliver(world, event_body(ann, team_id=GLOBEX, bot_user_id="UBOT2"), shared=True)
    assert _decisions(world) == [(ACME, "U1"), (GLOBEX, "V1")]


def test_a_channel_not_shared_is_never_copied(world: OAuthWorld) -> None:
    world.fake.add_channel(ACME, "CACME", name="acme-only", members=["UBOT", "U1"])
    event = {"type": "message", "channel": "CACME", "user": "U1", "text": "internal", "ts": TS, "event_ts": TS}
    _deliver(world, event_body(event, team_id=ACME, bot_user_id="UBOT"))
    with world.deps.read_session_factory() as session:
        teams = list(session.scalars(select(Message.team_id).where(Message.channel_id == "CACME")))
    assert teams == [ACME]
