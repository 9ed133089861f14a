"""Events as Slack really delivers them: retried, out of order, late, for workspaces Handoff is not in."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import FixedClock
from store import traffic
from store.models import Decision, InboxEvent, Message
from store.slack_time import datetime_to_ts
from tests.conftest import START
from tests.fakes.slack_api import FakeSlack
from tests.oauth import ACME, install, oauth_world
from tests.support import TEAM_ID, LiveServer, event_body

TS = datetime_to_ts(START - timedelta(minutes=5))
EDIT_TS = datetime_to_ts(START - timedelta(minutes=2))


def _world(fake: FakeSlack) -> None:
    fake.add_user(TEAM_ID, "U1", name="ana", tz="Europe/Berlin")
    fake.add_user(TEAM_ID, "U2", name="bo", tz="America/Los_Angeles")
    fake.add_channel(TEAM_ID, "C1", name="general", members=["U1", "U2", "UBOT"])


def _count(factory: sessionmaker[Session], model: type[Any]) -> int:
    with factory() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def _message(text: str, **extra: Any) -> dict[str, Any]:
    return {"type": "message", "channel": "C1", "user": "U1", "text": text, "ts": TS, "event_ts": TS, **extra}


def _edit(text: str) -> dict[str, Any]:
    return {
        "type": "message",
        "subtype": "message_changed",
        "channel": "C1",
        "ts": EDIT_TS,
        "event_ts": EDIT_TS,
        "message": {"type": "message", "user": "U1", "text": text, "ts": TS, "edited": {"user": "U1", "ts": EDIT_TS}},
        "previous_message": {"type": "message", "user": "U1", "text": "ship Monday", "ts": TS},
    }


def _reaction(user: str) -> dict[str, Any]:
    return {
        "type": "reaction_added",
        "user": user,
        "reaction": "memo",
        "item": {"type": "message", "channel": "C1", "ts": TS},
        "event_ts": EDIT_TS,
    }


def _stored_text(factory: sessionmaker[Session]) -> str | None:
    with factory() as session:
        row = traffic.get_message(session=session, team_id=TEAM_ID, channel_id="C1", ts=TS)
        return None if row is None else row.text


def _decisions(factory: sessionmaker[Session]) -> list[Decision]:
    with factory() as session:
        return list(session.scalars(select(Decision)))


def test_an_event_is_acknowledged_before_any_work_is_done(
    live: LiveServer, fake_slack: FakeSlack, session_factory: sessionmaker[Session]
) -> None:
    _world(fake_slack)
    assert live.post_event(event_body(_message("ship Monday"))).status_code == 200
    # Acknowledged: kept in the inbox, not yet worked on (no message stored, nothing asked of
    # Slack but Bolt's own check of the token).
    with session_factory() as session:
        (event,) = session.scalars(select(InboxEvent))
        assert event.done_at is None
    assert {call.method for call in fake_slack.calls} <= {"auth.test"}
    assert _count(session_factory, Message) == 0
    live.settle()
    assert _stored_text(session_factory) == "ship Monday"


def test_an_edit_that_overtakes_its_message_wins_over_the_late_original(
    live: LiveServer, fake_slack: FakeSlack, session_factory: sessionmaker[Session]
) -> None:
    _world(fake_slack)
    assert live.post_event(event_body(_edit("ship Tuesday"))).status_code == 200
    live.settle()
    assert live.post_event(event_body(_message("ship Monday"))).status_code == 200
    live.settle()
    assert _stored_text(session_factory) == "ship Tuesday"
    assert _count(session_factory, Message) == 1


def test_a_deletion_that_overtakes_its_message_keeps_it_deleted(
    live: LiveServer, fake_slack: FakeSlack, session_factory: sessionmaker[Session]
) -> None:
    _world(fake_slack)
    deletion = {"type": "message", "subtype": "message_deleted", "channel": "C1", "ts": EDIT_TS, "deleted_ts": TS}
    assert live.post_event(event_body(deletion)).status_code == 200
    live.settle()
    assert live.post_event(event_body(_message("secret plan"))).status_code == 200
    live.settle()
    with session_factory() as session:
        row = traffic.get_message(session=session, team_id=TEAM_ID, channel_id="C1", ts=TS)
        assert row is not None and row.deleted_at is not None and row.text == ""


def test_a_decision_reaction_before_its_message_was_ingested_files_it_once(
    live: LiveServer, fake_slack: FakeSlack, session_factory: sessionmaker[Session]
) -> None:
    _world(fake_slack)
    fake_slack.add_message("C1", ts=TS, user="U1", text="We ship on Monday")
    assert live.post_event(event_body(_reaction("U2"))).status_code == 200
    live.settle()
    assert live.post_event(event_body(_message("We ship on Monday"))).status_code == 200
    live.settle()
    (decision,) = _decisions(session_factory)
    assert (decision.text, decision.logged_by, decision.author_id) == ("We ship on Monday", "U2", "U1")
    assert _count(session_factory, Message) == 1
    confirmations = [m for m in fake_slack.posted_messages("C1") if m.get("thread_ts") == TS]
    assert len(confirmations) == 1


def test_slack_retries_of_a_reaction_file_one_decision_and_confirm_once(
    live: LiveServer, fake_slack: FakeSlack, session_factory: sessionmaker[Session]
) -> None:
    _world(fake_slack)
    fake_slack.add_message("C1", ts=TS, user="U1", text="We ship on Monday")
    body = event_body(_reaction("U2"))
    for retry in range(4):
        headers = {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"} if retry else {}
        assert live.post_event(body, headers=headers).status_code == 200
    live.settle()
    assert len(_decisions(session_factory)) == 1
    assert len([m for m in fake_slack.posted_messages("C1") if m.get("thread_ts") == TS]) == 1
    assert _count(session_factory, InboxEvent) == 1


def test_events_for_a_workspace_handoff_is_not_installed_in_are_acknowledged_and_dropped(
    database_url: str, clock: FixedClock
) -> None:
    with oauth_world(database_url, clock) as world:
        install(world, "U1")
        world.fake.clear_calls()
        stranger = {"type": "message", "channel": "CX", "user": "UX", "text": "hello", "ts": TS}
        # Acknowledged (Slack would otherwise retry it for hours), and nothing kept or called.
        assert world.live.post_event(event_body(stranger, team_id="TSTRANGER")).status_code == 200
        world.live.settle()
        factory = world.deps.session_factory
        assert _count(factory, InboxEvent) == 0 and _count(factory, Message) == 0
        assert [call.method for call in world.fake.calls if call.method != "auth.test"] == []
        # The installed workspace's events still land.
        mine = {"type": "message", "channel": "C1", "user": "U1", "text": "hello", "ts": TS}
        assert world.live.post_event(event_body(mine, team_id=ACME)).status_code == 200
        world.live.settle()
        assert _count(factory, Message) == 1
