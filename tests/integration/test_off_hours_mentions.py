"""@mentions of people outside their hours: the sender is told once a day, the mention is kept for the catch-up."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from store.models import Mention
from store.slack_time import datetime_to_ts
from tests.conftest import START
from tests.fakes.slack_api import FakeSlack
from tests.support import TEAM_ID, LiveServer, command_form, event_body

# START is Monday 08:00 UTC: 09:00 in Berlin (ana, working), 00:00 in Los Angeles (dana, asleep),
# 13:30 in Kolkata (ravi, working).


def _world(fake: FakeSlack) -> None:
    fake.add_user(TEAM_ID, "U1", name="ana", tz="Europe/Berlin")
    fake.add_user(TEAM_ID, "U2", name="dana", tz="America/Los_Angeles")
    fake.add_user(TEAM_ID, "U3", name="ravi", tz="Asia/Kolkata")
    fake.add_user(TEAM_ID, "U4", name="kim", tz="America/Los_Angeles")
    fake.add_user(TEAM_ID, "UAPP", name="deploybot", is_bot=True)
    fake.add_channel(TEAM_ID, "C1", name="general", members=["U1", "U2", "U3", "U4", "UAPP", "UBOT"])
    fake.add_channel(TEAM_ID, "G1", name="leads", is_private=True, members=["U1", "U3", "UBOT"])


def _say(
    live: LiveServer, text: str, *, at: datetime = START, user: str = "U1", channel: str = "C1", **extra: Any
) -> str:
    ts = datetime_to_ts(at)
    event = {"type": "message", "channel": channel, "user": user, "text": text, "ts": ts, "event_ts": ts, **extra}
    assert live.post_event(event_body(event)).status_code == 200
    live.settle()
    return ts


def _notes(fake: FakeSlack) -> list[dict[str, Any]]:
    return [c.params for c in fake.calls_to("chat.postEphemeral") if c.response.get("ok")]


def _kept(factory: sessionmaker[Session]) -> list[tuple[str, str, str]]:
    with factory() as session:
        rows = session.execute(select(Mention.channel_id, Mention.ts, Mention.recipient_id).order_by(Mention.id))
        return [(c, t, r) for c, t, r in rows]


def _hours(live: LiveServer, text: str, *, user: str) -> None:
    assert live.post_form(command_form("/hours", text, user_id=user, channel_id="C1")).status_code == 200
    live.settle()


def test_mentioning_someone_asleep_tells_the_sender_when_they_are_back_and_keeps_it_for_them(
    live: LiveServer, fake_slack: FakeSlack, session_factory: sessionmaker[Session]
) -> None:
    _world(fake_slack)
    ts = _say(live, "<@U2> <@U3> can you check the migration?")
    (note,) = _notes(fake_slack)
    assert note["channel"] == "C1" and note["user"] == "U1"
    assert (
        "<@U2> is off until Mon 09:00 their time (in 9 h); they'll see this in their morning catch-up." in note["text"]
    )
    # Ravi is at work in Kolkata: no note about him, nothing kept for a catch-up.
    assert "U3" not in json.dumps(note["blocks"])
    assert "/handoff notices off" in json.dumps(note["blocks"])
    assert _kept(session_factory) == [("C1", ts, "U2")]


def test_the_sender_is_told_once_a_day_per_person_but_every_mention_is_kept(
    live: LiveServer, fake_slack: FakeSlack, session_factory: sessionmaker[Session]
) -> None:
    _world(fake_slack)
    first = _say(live, "<@U2> one thing")
    second = _say(live, "<@U2> and another", at=START + timedelta(minutes=20))
    assert len(_notes(fake_slack)) == 1
    # Someone else mentioning her is told too: once per sender.
    third = _say(live, "<@U2> from me as well", at=START + timedelta(minutes=30), user="U3")
    assert [n["user"] for n in _notes(fake_slack)] == ["U1", "U3"]
    # The next day in Berlin, ana hears about dana again (Tuesday 07:30 UTC: 08:30 Berlin, 23:30 in LA).
    _say(live, "<@U2> good morning", at=START + timedelta(hours=23, minutes=30))
    assert [n["user"] for n in _notes(fake_slack)] == ["U1", "U3", "U1"]
    assert [t for _, t, _ in _kept(session_factory)][:3] == [first, second, third]


def test_a_redelivered_event_tells_nobody_twice(
    live: LiveServer, fake_slack: FakeSlack, session_factory: sessionmaker[Session]
) -> None:
    _world(fake_slack)
    ts = datetime_to_ts(START)
    event = {"type": "message", "channel": "C1", "user": "U1", "text": "<@U2> ping", "ts": ts, "event_ts": ts}
    body = event_body(event, event_id="EvSAME")
    live.post_event(body)
    live.post_event(body)
    live.settle()
    assert len(_notes(fake_slack)) == 1
    assert len(_kept(session_factory)) == 1


def test_a_channel_can_switch_the_notes_off_and_mentions_still_reach_the_catch_up(
    live: LiveServer, fake_slack: FakeSlack, session_factory: sessionmaker[Session]
) -> None:
    _world(fake_slack)
    answer = live.post_form(command_form("/handoff", "notices off", user_id="U3", channel_id="C1"))
    assert "nobody in <#C1> will be told" in answer.text
    ts = _say(live, "<@U2> late-night thought")
    assert _notes(fake_slack) == []
    assert _kept(session_factory) == [("C1", ts, "U2")]
    shown = live.post_form(command_form("/handoff", "notices", user_id="U1", channel_id="C1"))
    assert "*off*" in shown.text
    live.post_form(command_form("/handoff", "notices on", user_id="U1", channel_id="C1"))
    _say(live, "<@U2> another", at=START + timedelta(minutes=5))
    assert len(_notes(fake_slack)) == 1


def test_notices_are_set_in_a_channel_not_in_a_dm(live: LiveServer, fake_slack: FakeSlack) -> None:
    _world(fake_slack)
    answer = live.post_form(command_form("/handoff", "notices off", user_id="U1", channel_id="D123"))
    assert "run `/handoff notices off` (or `on`) in the channel you mean" in answer.text


def test_a_reply_in_a_thread_gets_its_note_in_the_thread(
    live: LiveServer, fake_slack: FakeSlack, session_factory: sessionmaker[Session]
) -> None:
    _world(fake_slack)
    parent = datetime_to_ts(START - timedelta(hours=1))
    _say(live, "<@U2> see above", thread_ts=parent)
    (note,) = _notes(fake_slack)
    assert note["thread_ts"] == parent


def test_time_off_is_named_and_the_return_date_given(
    live: LiveServer, fake_slack: FakeSlack, session_factory: sessionmaker[Session]
) -> None:
    _world(fake_slack)
    _hours(live, "off 2026-03-02..2026-03-06", user="U4")
    _say(live, "<@U4> quick question")
    (note,) = _notes(fake_slack)
    # Los Angeles moves to daylight time on Sunday 8 March: 09:00 there is then 16:00 UTC, 7 d 8 h away.
    assert "<@U4> is away until Mon 9 Mar 09:00 their time (in 7 d 8 h)" in note["text"]


def test_people_who_will_not_see_it_are_left_out(
    live: LiveServer, fake_slack: FakeSlack, session_factory: sessionmaker[Session]
) -> None:
    _world(fake_slack)
    # An app, oneself, and dana in a private channel she is not in: no note, nothing kept.
    _say(live, "<@UAPP> deploy, <@U1> note to self")
    _say(live, "<@U2> have a look", channel="G1")
    # A bot's message mentioning her tells no one.
    ts = datetime_to_ts(START + timedelta(minutes=1))
    bot_event = {
        "type": "message",
        "subtype": "bot_message",
        "bot_id": "B1",
        "channel": "C1",
        "text": "<@U2> build failed",
        "ts": ts,
    }
    live.post_event(event_body(bot_event))
    live.settle()
    assert _notes(fake_slack) == []
    assert _kept(session_factory) == []


def test_a_message_naming_a_crowd_is_an_announcement_not_pings(
    live: LiveServer, fake_slack: FakeSlack, session_factory: sessionmaker[Session]
) -> None:
    _world(fake_slack)
    crowd = " ".join(f"<@U{n:03d}>" for n in range(100, 125))
    _say(live, f"<@U2> {crowd} all-hands moved")
    assert _notes(fake_slack) == []
    assert _kept(session_factory) == []
