"""Tenants stay apart: Slack Connect and Enterprise Grid with two standalone workspaces and a Grid org of two.

Each test tries, as a partner organization would, to reach into another organization's rows: by
sharing a channel, by installing or uninstalling org-wide, by being an owner in its own org.
"""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from bot.admins import is_admin_now
from bot.clock import FixedClock
from decisions.blocks import EDIT_ACTION
from ingest.envelope import parse_envelope
from ingest.shared_channels import copy_for
from store import channels, inbox, people
from store.installations import WorkspaceBot
from store.models import Decision, Message, Team
from tests.oauth import ACME, GLOBEX, INITECH, ORG, OAuthWorld, install, oauth_world
from tests.support import command_form, event_body, trigger_id
from tests.tenants import (
    HOOLI,
    add_hooli,
    deliver,
    installations_of,
    org_uninstall,
    rows_of,
    share_channel,
    shared_event,
    uninstalled_at,
)

TS = "1772434800.000100"


@pytest.fixture
def world(database_url: str, clock: FixedClock) -> Iterator[OAuthWorld]:
    with oauth_world(database_url, clock) as built:
        add_hooli(built)
        yield built


def _said(
    channel: str, user: str, ts: str = TS, text: str = "We ship the joint release on the 5th"
) -> dict[str, object]:
    return {"type": "message", "channel": channel, "user": user, "text": text, "ts": ts, "event_ts": ts}


def _messages(world: OAuthWorld, channel: str) -> list[str]:
    with world.deps.read_session_factory() as session:
        return sorted(session.scalars(select(Message.team_id).where(Message.channel_id == channel)))


def test_an_org_wide_uninstall_of_a_partner_org_leaves_a_standalone_workspace_alone(world: OAuthWorld) -> None:
    # Acme shares a channel with Initech (Grid org E0001); Slack delivers Initech's message to Acme's
    # installation with the envelope naming E0001, the org where it happened.
    install(world, "U1")
    install(world, "W1", org_wide=True)
    share_channel(world, "CAI", ACME, INITECH, handoff_in=(ACME,))
    deliver(world, shared_event(_said("CAI", "W1"), to=ACME, happened_in=ORG))
    with world.deps.read_session_factory() as session:
        acme = session.get(Team, ACME)
    assert acme is not None and acme.enterprise_id is None
    before = rows_of(world, ACME)
    assert before.get("messages") == 1 and installations_of(world, ACME) == 1

    world.fake.oauth.uninstall(INITECH)
    org_uninstall(world)

    assert rows_of(world, ACME) == before
    assert uninstalled_at(world, ACME) is None
    assert uninstalled_at(world, INITECH) is not None


def test_an_org_wide_uninstall_spares_a_workspace_of_the_org_with_its_own_installation(world: OAuthWorld) -> None:
    install(world, "W1", org_wide=True)
    install(world, "W2")  # Hooli installs Handoff itself as well
    deliver(world, event_body(_said("C3", "W1"), team_id=INITECH, enterprise_id=ORG, is_enterprise_install=True))
    deliver(world, event_body(_said("C4", "W2"), team_id=HOOLI, enterprise_id=ORG, bot_user_id="UBOT4"))
    hooli = rows_of(world, HOOLI)
    assert hooli.get("messages") == 1 and installations_of(world, HOOLI) == 1

    world.fake.oauth.uninstall(INITECH)
    org_uninstall(world)

    assert rows_of(world, HOOLI) == hooli
    assert uninstalled_at(world, HOOLI) is None
    assert "messages" not in rows_of(world, INITECH)
    # Hooli's Handoff still acts there, with Hooli's own token.
    assert world.deps.slack.for_team(HOOLI).auth_test()["team_id"] == HOOLI


def test_an_org_wide_reinstall_does_not_cancel_a_partners_uninstall_nor_lend_it_a_token(world: OAuthWorld) -> None:
    install(world, "U1")
    share_channel(world, "CAI", ACME, INITECH, handoff_in=(ACME,))
    deliver(world, shared_event(_said("CAI", "W1"), to=ACME, happened_in=ORG))
    world.fake.oauth.uninstall(ACME)
    for event in ({"type": "app_uninstalled"}, {"type": "tokens_revoked", "tokens": {"oauth": [], "bot": ["UBOT"]}}):
        assert world.live.post_event(event_body(event, team_id=ACME)).status_code == 200
    world.live.settle()
    left = uninstalled_at(world, ACME)
    assert left is not None

    install(world, "W1", org_wide=True)

    # Acme's decision log still goes when its grace period ends, and Initech's token never acts for Acme.
    assert uninstalled_at(world, ACME) == left
    assert world.deps.installations is not None
    assert world.deps.installations.bot_for_team(team_id=ACME, enterprise_id=ORG) is None


def test_a_member_of_another_grid_org_is_an_outsider_in_a_standalone_workspace(world: OAuthWorld) -> None:
    # Wes owns Initech (Grid org E0001); in Acme's shared channel he is a partner, not one of Acme's.
    install(world, "U1")
    share_channel(world, "CAI", ACME, INITECH, handoff_in=(ACME,))
    world.fake.add_message("CAI", ts=TS, user="U1", text="We ship the joint release on the 5th")
    reaction = {
        "type": "reaction_added",
        "user": "W1",
        "reaction": "memo",
        "item": {"type": "message", "channel": "CAI", "ts": TS},
        "event_ts": "1772434900.000200",
    }
    deliver(world, shared_event(reaction, to=ACME, happened_in=ORG))

    with world.deps.read_session_factory() as session:
        filed = list(session.scalars(select(Decision.team_id).where(Decision.channel_id == "CAI")))
        wes = people.get_person(session=session, team_id=ACME, user_id="W1")
    assert filed == []
    assert [m["user"] for m in world.fake.ephemeral_messages(channel="CAI", user="W1")] == ["W1"]
    # Stored as an outsider: no catch-up, no weekly report, whatever he is in his own org.
    assert wes is None or wes.is_external
    assert not is_admin_now(world.deps.slack.for_team(ACME), "W1")


def test_a_grid_colleague_of_a_sibling_workspace_is_one_of_the_org(world: OAuthWorld) -> None:
    install(world, "W1", org_wide=True)
    world.fake.update_user("W2", is_admin=True)
    assert is_admin_now(world.deps.slack.for_team(INITECH, ORG), "W2")


def test_handoff_leaving_a_shared_channel_in_one_workspace_is_not_copied_to_the_other(world: OAuthWorld) -> None:
    install(world, "U1")
    install(world, "V1")
    share_channel(world, "CAG", ACME, GLOBEX, handoff_in=(ACME, GLOBEX))
    _both_join(world)
    world.fake.update_channel("CAG", members=["U1", "V1", "UBOT2"])

    # Acme removed its Handoff: Slack tells Acme's installation "you left".
    deliver(world, shared_event({"type": "channel_left", "channel": "CAG", "event_ts": TS}, to=ACME))
    # Globex's Handoff is still there: its record says so, so the channel's content stays its members'.
    with world.deps.read_session_factory() as session:
        globex = channels.get_channel(session=session, team_id=GLOBEX, channel_id="CAG")
        acme = channels.get_channel(session=session, team_id=ACME, channel_id="CAG")
    assert globex is not None and globex.is_member and globex.access_lost_at is None
    assert acme is not None and not acme.is_member
    # Slack now delivers the channel's messages to Globex's installation alone.
    deliver(world, shared_event(_said("CAG", "V1", ts="1772435000.000100"), to=GLOBEX))
    assert _messages(world, "CAG") == [GLOBEX]


def _both_join(world: OAuthWorld) -> None:
    """Each organization adds its own Handoff to the shared channel CAG; Slack tells each installation."""
    for bot, to in (("UBOT", ACME), ("UBOT2", GLOBEX)):
        joined = {"type": "member_joined_channel", "user": bot, "channel": "CAG", "event_ts": TS}
        deliver(world, shared_event(joined, to=to))


def test_a_copy_processed_after_its_workspace_was_purged_stores_nothing(world: OAuthWorld) -> None:
    install(world, "U1")
    install(world, "V1")
    share_channel(world, "CAG", ACME, GLOBEX, handoff_in=(ACME, GLOBEX))
    _both_join(world)
    deliver(world, shared_event(_said("CAG", "U1"), to=ACME))
    assert _messages(world, "CAG") == [ACME, GLOBEX]

    # Globex uninstalls while a later message's copy for it is on its way.
    late = shared_event(_said("CAG", "U1", ts="1772435000.000100"), to=ACME)
    world.fake.oauth.uninstall(GLOBEX)
    for event in ({"type": "app_uninstalled"}, {"type": "tokens_revoked", "tokens": {"oauth": [], "bot": ["UBOT2"]}}):
        assert world.live.post_event(event_body(event, team_id=GLOBEX, bot_user_id="UBOT2")).status_code == 200
    world.live.settle()
    purged = rows_of(world, GLOBEX)
    copy = copy_for(late, parse_envelope(late), WorkspaceBot(GLOBEX, None, "UBOT2"))
    with world.deps.session_factory.begin() as session:
        inbox.record_events(connection=session.connection(), deliveries=[copy], now=world.clock.now())
    world.live.settle()

    assert {name: n for name, n in rows_of(world, GLOBEX).items() if name != "inbox_events"} == {
        name: n for name, n in purged.items() if name != "inbox_events"
    }


def test_an_owner_of_another_grid_org_cannot_edit_your_decision_in_a_shared_channel(world: OAuthWorld) -> None:
    install(world, "U1")
    share_channel(world, "CAI", ACME, INITECH, handoff_in=(ACME,))
    form = command_form("/decision", "Joint release on the 5th", channel_id="CAI", user_id="U1", team_id=ACME)
    assert world.live.post_form(form).status_code == 200
    world.live.settle()
    with world.deps.read_session_factory() as session:
        (decision_id,) = session.scalars(select(Decision.id).where(Decision.team_id == ACME))
    # Wes owns Initech (and Slack calls him an enterprise user): he clicks *Edit…* on Acme's decision.
    payload = {
        "type": "block_actions",
        "team": {"id": ACME},
        "user": {"id": "W1", "team_id": INITECH},
        "api_app_id": "A0001",
        "trigger_id": trigger_id(),
        "channel": {"id": "CAI"},
        "response_url": world.fake.response_url("wes"),
        "actions": [{"type": "button", "action_id": EDIT_ACTION, "value": str(decision_id), "action_ts": "1"}],
    }
    assert world.live.post_form(urllib.parse.urlencode({"payload": json.dumps(payload)})).status_code == 200
    world.live.settle()

    assert world.fake.calls_to("views.open") == []
    (answer,) = world.fake.response_url_posts("wes")
    assert "shared with another organization" in answer["text"]
