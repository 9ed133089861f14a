"""Events over real signed HTTP: acknowledged, stored in the inbox first, ingested once."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.deps import Deps
from store import channels, people, traffic, visibility
from store.models import InboxEvent, Message
from store.slack_time import datetime_to_ts
from tests.conftest import START
from tests.fakes.slack_api import FakeSlack
from tests.support import TEAM_ID, LiveServer, event_body

TS = datetime_to_ts(START - timedelta(minutes=5))


def _world(fake_slack: FakeSlack) -> None:
    fake_slack.add_user(TEAM_ID, "U1", name="ana", tz="Europe/Berlin")
    fake_slack.add_user(TEAM_ID, "U2", name="bo", tz="America/Los_Angeles")
    fake_slack.add_user(TEAM_ID, "U3", name="cy", tz="Asia/Kolkata")
    fake_slack.add_channel(TEAM_ID, "C1", name="general", members=["U1", "U2", "U3", "UBOT"])
    fake_slack.add_channel(TEAM_ID, "G1", name="leads", is_private=True, members=["U1", "UBOT"])


def _message_event(text: str, *, channel: str = "C1", user: str = "U1", ts: str = TS, **extra: Any) -> dict[str, Any]:
    return {"type": "message", "channel": channel, "user": user, "text": text, "ts": ts, "event_ts": ts, **extra}


def _count(factory: sessionmaker[Session], model: type[Any]) -> int:
    with factory() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_a_message_is_acknowledged_and_ingested_with_its_channel_and_author(
    live: LiveServer, fake_slack: FakeSlack, session_factory: sessionmaker[Session]
) -> None:
    _world(fake_slack)
    response = live.post_event(event_body(_message_event("Going with Postgres for the store")))
    assert response.status_code == 200
    live.settle()
    with session_factory() as session:
        message = traffic.get_message(session=session, team_id=TEAM_ID, channel_id="C1", ts=TS)
        assert message is not None and message.text == "Going with Postgres for the store"
        assert message.user_id == "U1" and not message.is_bot and not message.is_system
        channel = channels.get_channel(session=session, team_id=TEAM_ID, channel_id="C1")
        assert channel is not None and channel.name == "general" and not channel.is_private
        assert channels.member_ids(session=session, team_id=TEAM_ID, channel_id="C1") == ["U1", "U2", "U3", "UBOT"]
        person = people.get_person(session=session, team_id=TEAM_ID, user_id="U1")
        assert person is not None and person.tz == "Europe/Berlin"
        inbox_row = session.scalars(select(InboxEvent)).one()
        assert inbox_row.done_at is not None and inbox_row.last_error is None


def test_a_channel_is_read_from_slack_once_not_per_message(
    live: LiveServer, fake_slack: FakeSlack, session_factory: sessionmaker[Session]
) -> None:
    _world(fake_slack)
    for minute in range(5):
        ts = datetime_to_ts(START - timedelta(minutes=minute))
        assert live.post_event(event_body(_message_event(f"m{minute}", ts=ts))).status_code == 200
        live.settle()
    assert len(fake_slack.calls_to("conversations.info")) == 1
    assert len(fake_slack.calls_to("conversations.members")) == 1
    assert len(fake_slack.calls_to("users.info")) == 1
    assert _count(session_factory, Message) == 5


def test_a_redelivered_event_is_acknowledged_and_handled_once(
    live: LiveServer, fake_slack: FakeSlack, session_factory: sessionmaker[Session]
) -> None:
    _world(fake_slack)
    body = event_body(_message_event("once"), event_id="EvSAME")
    assert live.post_event(body).status_code == 200
    live.settle()
    for retry in (1, 2, 3):
        response = live.post_event(body, headers={"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "timeout"})
        assert response.status_code == 200
    live.settle()
    assert _count(session_factory, InboxEvent) == 1
    assert _count(session_factory, Message) == 1


def test_private_channel_membership_and_privacy_are_recorded(
    live: LiveServer, fake_slack: FakeSlack, session_factory: sessionmaker[Session]
) -> None:
    _world(fake_slack)
    live.post_event(event_body(_message_event("salary bands", channel="G1")))
    live.settle()
    with session_factory() as session:
        assert visibility.can_see(session=session, team_id=TEAM_ID, channel_id="G1", user_id="U1")
        assert not visibility.can_see(session=session, team_id=TEAM_ID, channel_id="G1", user_id="U2")
    live.post_event(
        event_body(
            {"type": "member_joined_channel", "channel": "G1", "user": "U2", "channel_type": "G", "team": TEAM_ID}
        )
    )
    live.settle()
    with session_factory() as session:
        assert visibility.can_see(session=session, team_id=TEAM_ID, channel_id="G1", user_id="U2")
    live.post_event(event_body({"type": "member_left_channel", "channel": "G1", "user": "U2", "channel_type": "G"}))
    live.settle()
    with session_factory() as session:
        assert not visibility.can_see(session=session, team_id=TEAM_ID, channel_id="G1", user_id="U2")


def test_edits_and_deletions_follow_the_message(
    live: LiveServer, fake_slack: FakeSlack, session_factory: sessionmaker[Session]
) -> None:
    _world(fake_slack)
    live.post_event(event_body(_message_event("ship Monday")))
    live.settle()
    edit_ts = datetime_to_ts(START)
    live.post_event(
        event_body(
            {
                "type": "message",
                "subtype": "message_changed",
                "channel": "C1",
                "ts": edit_ts,
                "event_ts": edit_ts,
                "message": {
                    "type": "message",
                    "user": "U1",
                    "text": "ship Tuesday",
                    "ts": TS,
                    "edited": {"user": "U1", "ts": edit_ts},
                },
                "previous_message": {"type": "message", "user": "U1", "text": "ship Monday", "ts": TS},
            }
        )
    )
    live.settle()
    with session_factory() as session:
        message = traffic.get_message(session=session, team_id=TEAM_ID, channel_id="C1", ts=TS)
        assert message is not None and message.text == "ship Tuesday"
        assert [r.text for r in traffic.revisions(session=session, team_id=TEAM_ID, channel_id="C1", ts=TS)] == [
            "ship Monday"
        ]
    live.post_event(
        event_body(
            {
                "type": "message",
                "subtype": "message_deleted",
                "channel": "C1",
                "ts": edit_ts,
                "deleted_ts": TS,
                "previous_message": {"type": "message", "user": "U1", "text": "ship Tuesday", "ts": TS},
            }
        )
    )
    live.settle()
    with session_factory() as session:
        message = traffic.get_message(session=session, team_id=TEAM_ID, channel_id="C1", ts=TS)
        assert message is not None and message.deleted_at is not None and message.text == ""


def test_bot_and_system_messages_are_flagged(
    live: LiveServer, fake_slack: FakeSlack, session_factory: sessionmaker[Session]
) -> None:
    _world(fake_slack)
    bot_ts, join_ts = datetime_to_ts(START - timedelta(minutes=2)), datetime_to_ts(START - timedelta(minutes=1))
    live.post_event(
        event_body(
            {
                "type": "message",
                "subtype": "bot_message",
                "bot_id": "BCI",
                "text": "build green",
                "channel": "C1",
                "ts": bot_ts,
            }
        )
    )
    live.post_event(
        event_body(_message_event("<@U3> has joined the channel", user="U3", ts=join_ts, subtype="channel_join"))
    )
    live.settle()
    with session_factory() as session:
        bot = traffic.get_message(session=session, team_id=TEAM_ID, channel_id="C1", ts=bot_ts)
        join = traffic.get_message(session=session, team_id=TEAM_ID, channel_id="C1", ts=join_ts)
        assert bot is not None and bot.is_bot and not bot.is_system
        assert join is not None and join.is_system and not join.is_bot


def test_reactions_are_ingested_and_removed(
    live: LiveServer, fake_slack: FakeSlack, session_factory: sessionmaker[Session]
) -> None:
    _world(fake_slack)
    item = {"type": "message", "channel": "C1", "ts": TS}
    live.post_event(
        event_body({"type": "reaction_added", "user": "U2", "reaction": "memo", "item": item, "event_ts": TS})
    )
    live.settle()
    with session_factory() as session:
        assert [
            (r.name, r.user_id) for r in traffic.reactions_on(session=session, team_id=TEAM_ID, channel_id="C1", ts=TS)
        ] == [("memo", "U2")]
    live.post_event(
        event_body({"type": "reaction_removed", "user": "U2", "reaction": "memo", "item": item, "event_ts": TS})
    )
    live.settle()
    with session_factory() as session:
        assert traffic.reactions_on(session=session, team_id=TEAM_ID, channel_id="C1", ts=TS) == []


def test_a_profile_change_updates_the_time_zone_without_an_api_call(
    live: LiveServer, fake_slack: FakeSlack, session_factory: sessionmaker[Session]
) -> None:
    _world(fake_slack)
    user = {
        "id": "U1",
        "team_id": TEAM_ID,
        "name": "ana",
        "real_name": "Ana",
        "tz": "Asia/Kathmandu",
        "tz_offset": 20700,
        "profile": {"display_name": "ana"},
    }
    live.post_event(event_body({"type": "user_change", "user": user, "event_ts": TS}))
    live.settle()
    with session_factory() as session:
        person = people.get_person(session=session, team_id=TEAM_ID, user_id="U1")
        assert person is not None and person.tz == "Asia/Kathmandu" and person.tz_offset == 20700
    assert fake_slack.calls_to("users.info") == []


def test_a_channel_rename_and_archive_are_followed(
    live: LiveServer, fake_slack: FakeSlack, session_factory: sessionmaker[Session]
) -> None:
    _world(fake_slack)
    live.post_event(event_body(_message_event("hello")))
    live.settle()
    live.post_event(
        event_body({"type": "channel_rename", "channel": {"id": "C1", "name": "town-square", "created": 1}})
    )
    live.post_event(event_body({"type": "channel_archive", "channel": "C1", "user": "U1"}))
    live.settle()
    with session_factory() as session:
        channel = channels.get_channel(session=session, team_id=TEAM_ID, channel_id="C1")
        assert channel is not None and channel.name == "town-square" and channel.is_archived


def test_a_slack_outage_during_processing_keeps_the_event_for_a_retry(
    live: LiveServer, fake_slack: FakeSlack, session_factory: sessionmaker[Session], deps: Deps
) -> None:
    _world(fake_slack)
    fake_slack.fail_next("conversations.info", status=429, retry_after=30)
    assert live.post_event(event_body(_message_event("first words"))).status_code == 200
    live.settle()
    with session_factory() as session:
        row = session.scalars(select(InboxEvent)).one()
        assert row.done_at is None and row.lease_owner is None
        assert row.due_at == START + timedelta(seconds=30)
        assert row.last_error is not None and "ratelimited" in row.last_error
    assert _count(session_factory, Message) == 0
