"""What Handoff believes about a channel's privacy and membership follows Slack, and fails closed — over HTTP.

A channel made private is hidden from non-members at once (search, `in:#name`, export, App Home,
stats, the filing modal's picker); a private channel Handoff was removed from is hidden from
everyone until Handoff is back, and its members are told once why; a workspace disconnected from a
shared channel stops receiving it; a look-up never makes Handoff a member of a channel.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import FixedClock
from decisions.hidden_channels import notice_text
from store import channels
from store.models import Channel, Decision, Message
from tests.conftest import START
from tests.fakes.slack_api import FakeSlack
from tests.oauth import ACME, GLOBEX, INITECH, OAuthWorld, install, oauth_world
from tests.support import TEAM_ID, LiveServer, command_form, event_body
from tests.workers import handoff_env, tick, tick_together

PEOPLE = ("U1", "U2", "U3")


def _people(fake: FakeSlack) -> None:
    for user in PEOPLE:
        fake.add_user(TEAM_ID, user, name=f"person{user[1:]}")


def _command(live: LiveServer, fake: FakeSlack, command: str, text: str, *, user: str, channel: str = "C1") -> str:
    """What the person sees: the acknowledgement and any private answer that follows, as one text."""
    key = f"{user}-{len(fake.response_url_posts())}-{command}"
    form = command_form(command, text, user_id=user, channel_id=channel, response_url=fake.response_url(key))
    response = live.post_form(form)
    assert response.status_code == 200
    live.settle()
    return response.text + json.dumps(fake.response_url_posts(key), ensure_ascii=False)


def _event(live: LiveServer, event: dict[str, Any], *, team_id: str = TEAM_ID, bot: str = "UBOT") -> None:
    assert live.post_event(event_body(event, team_id=team_id, bot_user_id=bot)).status_code == 200
    live.settle()


def _home(live: LiveServer, fake: FakeSlack, user: str) -> str:
    _event(live, {"type": "app_home_opened", "user": user, "channel": f"D{user}", "tab": "home"})
    return json.dumps(fake.home_view(user), ensure_ascii=False)


def _export(live: LiveServer, fake: FakeSlack, user: str) -> str:
    before = len(fake.files())
    _command(live, fake, "/decisions", "export", user=user)
    return "\n".join((file.content or b"").decode() for file in fake.files()[before:])


def _picker(live: LiveServer, fake: FakeSlack, user: str, channel: str) -> str:
    """The filing modal `/decision` opens in a channel, with the earlier decisions it offers to replace."""
    before = len(fake.calls_to("views.open"))
    _command(live, fake, "/decision", "", user=user, channel=channel)
    (opened,) = fake.calls_to("views.open")[before:]
    return json.dumps(opened.params["view"], ensure_ascii=False)


def test_a_channel_made_private_is_hidden_from_its_non_members_at_once_everywhere(
    live: LiveServer, fake_slack: FakeSlack
) -> None:
    _people(fake_slack)
    fake_slack.add_channel(TEAM_ID, "C9", name="plans", members=["U1", "UBOT"])
    _command(live, fake_slack, "/decision", "Freeze the API on Friday", user="U1", channel="C9")

    # Public: Bo, who is not in #plans, finds it everywhere.
    assert "API on Friday" in _command(live, fake_slack, "/decisions", "freeze", user="U2")
    assert "Freeze the API" in _export(live, fake_slack, "U2")
    assert "Freeze the API" in _home(live, fake_slack, "U2")
    assert "Team outcomes · #plans" in _command(live, fake_slack, "/handoff", "stats #plans", user="U2")
    assert "Freeze the API" in _picker(live, fake_slack, "U2", "C9")

    # Ann makes #plans private. Slack keeps its id and says so with a message subtype.
    fake_slack.update_channel("C9", is_private=True)
    converted = {
        "type": "message",
        "subtype": "channel_convert_to_private",
        "user": "U1",
        "text": "made this channel *private*. Now, it can only be viewed or joined by invitation.",
        "channel": "C9",
        "channel_type": "group",
        "ts": "1772434800.000100",
        "event_ts": "1772434800.000100",
    }
    _event(live, converted)

    assert "API on Friday" not in _command(live, fake_slack, "/decisions", "freeze", user="U2")
    hidden = live.post_form(command_form("/decisions", "in:#plans", user_id="U2")).text
    assert "I don't know a channel called #plans that you can see" in hidden
    assert hidden.replace("#plans", "#nowhere") == live.post_form(command_form("/decisions", "in:#nowhere")).text
    assert "Freeze the API" not in _export(live, fake_slack, "U2")
    assert "Freeze the API" not in _home(live, fake_slack, "U2")
    stats = _command(live, fake_slack, "/handoff", "stats #plans", user="U2")
    assert "I can't show figures for #plans" in stats and "Team outcomes" not in stats
    assert "Freeze the API" not in _picker(live, fake_slack, "U2", "C9")
    # Ann, who is in it, still sees it.
    assert "API on Friday" in _command(live, fake_slack, "/decisions", "freeze", user="U1")

    # Made public again: everyone sees it again.
    fake_slack.update_channel("C9", is_private=False)
    _event(live, {**converted, "subtype": "channel_convert_to_public", "channel_type": "channel"})
    assert "API on Friday" in _command(live, fake_slack, "/decisions", "freeze", user="U2")


def test_in_channel_answers_alike_for_a_channel_hidden_from_you_and_one_that_does_not_exist(
    live: LiveServer, fake_slack: FakeSlack
) -> None:
    _people(fake_slack)
    fake_slack.add_channel(TEAM_ID, "G1", name="leads", members=["U1", "UBOT"], is_private=True)
    _command(live, fake_slack, "/decision", "Reorg in Q2", user="U1", channel="G1")

    def said(text: str, user: str = "U3") -> str:
        key = f"in-{len(fake_slack.response_url_posts())}"
        form = command_form(
            "/decisions", text, user_id=user, channel_id="C1", response_url=fake_slack.response_url(key)
        )
        return live.post_form(form).text

    by_name, nowhere = said("in:#leads"), said("in:#nowhere")
    assert "#leads" in by_name and by_name.replace("#leads", "#nowhere") == nowhere
    by_id, no_such_id = said("in:<#G1|leads>"), said("in:<#G9|nope>")
    assert "#G1" in by_id and by_id.replace("#G1", "#G9") == no_such_id
    assert "Reorg" in said("in:#leads", user="U1")
    # The same for the catch-up's channel names: leaving out a hidden channel says what a missing one does.
    hidden = _command(live, fake_slack, "/catchup", "exclude #leads", user="U3")
    missing = _command(live, fake_slack, "/catchup", "exclude #nowhere", user="U3")
    assert "I don't know #leads" in hidden and hidden.replace("leads", "nowhere") == missing


def test_a_private_channel_handoff_was_removed_from_hides_and_its_members_are_told_once(
    live: LiveServer, fake_slack: FakeSlack, database_url: str, tmp_path: Path
) -> None:
    _people(fake_slack)
    fake_slack.add_channel(TEAM_ID, "G1", name="leads", members=["U1", "U2", "UBOT"], is_private=True)
    _command(live, fake_slack, "/decision", "Reorg in Q2", user="U1", channel="G1")
    assert "in Q2" in _command(live, fake_slack, "/decisions", "reorg", user="U2")

    # Someone removes Handoff from #leads. Slack tells it nothing about #leads any more.
    fake_slack.update_channel("G1", members=["U1", "U2"])
    _event(live, {"type": "group_left", "channel": "G1", "actor_id": "U1", "event_ts": "1772434800.000200"})

    for user in ("U1", "U2"):
        assert "in Q2" not in _command(live, fake_slack, "/decisions", "reorg", user=user)
        assert "Reorg in Q2" not in _home(live, fake_slack, user)
    assert "I can't show figures for #leads" in _command(live, fake_slack, "/handoff", "stats #leads", user="U1")

    # Three replicas tick at once, then again: each former member gets the notice once.
    env = handoff_env(database_url, fake_slack.url)
    at = START + timedelta(minutes=1)
    tick_together(env, tmp_path, at, processes=3)
    tick(env, tmp_path, at + timedelta(minutes=1))
    notices = [m for m in fake_slack.posted_messages() if "Handoff was removed from #leads" in m.get("text", "")]
    assert sorted(m["channel"] for m in notices) == ["DU1", "DU2"]
    assert notices[0]["text"] == notice_text({"name": "leads"})
    assert "/invite @Handoff" in notices[0]["text"]

    # Handoff is added back; Bo left meanwhile. The members are read again: Ann sees the log, Bo no more.
    fake_slack.update_channel("G1", members=["U1", "UBOT"])
    _event(live, {"type": "member_joined_channel", "channel": "G1", "user": "UBOT", "channel_type": "G"})
    assert "in Q2" in _command(live, fake_slack, "/decisions", "reorg", user="U1")
    assert "in Q2" not in _command(live, fake_slack, "/decisions", "reorg", user="U2")


def test_a_look_up_from_a_command_does_not_make_handoff_a_member(
    live: LiveServer, fake_slack: FakeSlack, session_factory: sessionmaker[Session]
) -> None:
    _people(fake_slack)
    fake_slack.add_channel(TEAM_ID, "C7", name="random", members=["U1"])
    said = _command(live, fake_slack, "/decision", "Lunch moves to noon", user="U1", channel="C7")
    assert "I'm not in this channel" in said
    with session_factory() as session:
        row = channels.get_channel(session=session, team_id=TEAM_ID, channel_id="C7")
        assert row is not None and not row.is_member


# -- Slack Connect (OAuth mode) ---------------------------------------------------------------------

SHARED = "CSHARED"


def _deliver(world: OAuthWorld, event: dict[str, Any], *, team_id: str, bot: str, shared: bool = True) -> None:
    body = event_body(event, team_id=team_id, bot_user_id=bot)
    body["is_ext_shared_channel"] = shared
    assert world.live.post_event(body).status_code == 200
    world.live.settle()


def _message(world: OAuthWorld, ts: str, text: str) -> None:
    """A message of Ann's in the shared channel, as Slack delivers it: once, to Acme's installation."""
    event = {"type": "message", "channel": SHARED, "user": "U1", "text": text, "ts": ts, "event_ts": ts}
    _deliver(world, event, team_id=ACME, bot="UBOT")


def _stored(world: OAuthWorld, ts: str) -> list[str]:
    with world.deps.read_session_factory() as session:
        return sorted(session.scalars(select(Message.team_id).where(Message.channel_id == SHARED, Message.ts == ts)))


@pytest.fixture
def three(database_url: str, clock: FixedClock) -> Iterator[OAuthWorld]:
    """Acme's channel shared with Globex and Initech; Acme and Globex use Handoff, and both are in it."""
    with oauth_world(database_url, clock) as built:
        built.fake.add_channel(
            ACME,
            SHARED,
            name="acme-partners",
            members=["UBOT", "U1", "UBOT2", "V1", "W1"],
            is_ext_shared=True,
            shared_team_ids=[GLOBEX, INITECH],
        )
        install(built, "U1")
        install(built, "V1")
        for team_id, bot in ((ACME, "UBOT"), (GLOBEX, "UBOT2")):
            joined = {"type": "member_joined_channel", "user": bot, "channel": SHARED, "event_ts": "1.1"}
            _deliver(built, joined, team_id=team_id, bot=bot)
        yield built


def test_a_workspace_disconnected_from_a_shared_channel_stops_receiving_it_and_hides_it(three: OAuthWorld) -> None:
    form = command_form("/decision", "Partner launch in May", user_id="V1", channel_id=SHARED, team_id=GLOBEX)
    assert three.live.post_form(form).status_code == 200
    three.live.settle()
    _message(three, "1772434800.000100", "Kick-off on Monday")
    assert _stored(three, "1772434800.000100") == [ACME, GLOBEX]

    def globex_sees() -> bool:
        form = command_form("/decisions", "partner", user_id="V1", channel_id="C2", team_id=GLOBEX)
        return "launch in May" in three.live.post_form(form).text

    assert globex_sees()

    # Acme disconnects Globex; the channel stays shared with Initech. Slack tells both workspaces.
    three.fake.update_channel(SHARED, members=["UBOT", "U1", "W1"], shared_team_ids=[INITECH])
    unshared = {"type": "channel_unshared", "channel": SHARED, "previously_connected_team_id": GLOBEX}
    _deliver(three, {**unshared, "event_ts": "1.2"}, team_id=GLOBEX, bot="UBOT2")
    _deliver(three, {**unshared, "event_ts": "1.3"}, team_id=ACME, bot="UBOT")

    _message(three, "1772434900.000100", "Acme only from now on")
    assert _stored(three, "1772434900.000100") == [ACME]
    assert not globex_sees()
    # A late delivery straight to Globex's installation is not kept either.
    late = {"type": "message", "channel": SHARED, "user": "U1", "text": "late", "ts": "1772435000.000100"}
    _deliver(three, {**late, "event_ts": late["ts"]}, team_id=GLOBEX, bot="UBOT2", shared=False)
    assert _stored(three, "1772435000.000100") == []
    with three.deps.read_session_factory() as session:
        row = channels.get_channel(session=session, team_id=GLOBEX, channel_id=SHARED)
        assert row is not None and row.access_lost_at is not None and not row.is_member

    # Connected again, and Globex's Handoff back in: Slack lets Globex read it, and it shows again.
    three.fake.update_channel(SHARED, members=["UBOT", "U1", "UBOT2", "V1", "W1"], shared_team_ids=[GLOBEX, INITECH])
    joined = {"type": "member_joined_channel", "user": "UBOT2", "channel": SHARED, "event_ts": "1.4"}
    _deliver(three, joined, team_id=GLOBEX, bot="UBOT2")
    assert globex_sees()
    _message(three, "1772435100.000100", "Welcome back")
    assert _stored(three, "1772435100.000100") == [ACME, GLOBEX]


def test_a_workspace_whose_handoff_was_never_added_to_a_shared_channel_receives_none_of_it(
    database_url: str, clock: FixedClock
) -> None:
    with oauth_world(database_url, clock) as world:
        world.fake.add_channel(
            ACME, SHARED, name="acme-globex", members=["UBOT", "U1", "V1"], is_ext_shared=True, shared_team_ids=[GLOBEX]
        )
        install(world, "U1")
        install(world, "V1")
        joined = {"type": "member_joined_channel", "user": "UBOT", "channel": SHARED, "event_ts": "1.1"}
        _deliver(world, joined, team_id=ACME, bot="UBOT")
        # Vic (Globex) runs /decision there: Globex's Handoff looks the channel up, and is not in it.
        form = command_form("/decision", "We agree", user_id="V1", channel_id=SHARED, team_id=GLOBEX)
        assert world.live.post_form(form).status_code == 200
        world.live.settle()
        with world.deps.read_session_factory() as session:
            row = session.get(Channel, (GLOBEX, SHARED))
            assert row is not None and not row.is_member
            assert session.scalars(select(Decision.team_id)).all() == [GLOBEX]
        _message(world, "1772434800.000100", "Acme's news")
        assert _stored(world, "1772434800.000100") == [ACME]
