"""Traffic store: messages, edits, deletions, reactions and retention, whatever order Slack delivers them in."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from store import traffic
from store.models import Message, Reaction
from store.slack_time import datetime_to_ts, ts_to_datetime
from store.traffic import IncomingMessage
from tests.conftest import START

TS = datetime_to_ts(START - timedelta(hours=1))


def _message(text: str, ts: str = TS, **extra: object) -> IncomingMessage:
    return IncomingMessage(team_id="T1", channel_id="C1", ts=ts, text=text, user_id="U1", **extra)  # type: ignore[arg-type]


def test_a_redelivered_message_is_stored_once(session_factory: sessionmaker[Session]) -> None:
    for _ in range(2):
        with session_factory.begin() as session:
            traffic.record_message(session=session, message=_message("ship it"), now=START)
    with session_factory() as session:
        assert session.scalar(select(func.count()).select_from(Message)) == 1


def test_an_edit_keeps_the_previous_text_as_a_revision(session_factory: sessionmaker[Session]) -> None:
    with session_factory.begin() as session:
        traffic.record_message(session=session, message=_message("ship Monday"), now=START)
    with session_factory.begin() as session:
        traffic.record_edit(session=session, message=_message("ship Tuesday"), edited_at=START, now=START)
    with session_factory() as session:
        row = traffic.get_message(session=session, team_id="T1", channel_id="C1", ts=TS)
        assert row is not None and row.text == "ship Tuesday"
        assert [r.text for r in traffic.revisions(session=session, team_id="T1", channel_id="C1", ts=TS)] == [
            "ship Monday"
        ]


def test_an_edit_that_overtakes_its_message_wins_over_the_late_original(
    session_factory: sessionmaker[Session],
) -> None:
    with session_factory.begin() as session:
        traffic.record_edit(session=session, message=_message("final text"), edited_at=START, now=START)
    with session_factory.begin() as session:
        traffic.record_message(session=session, message=_message("first draft"), now=START)
    with session_factory() as session:
        row = traffic.get_message(session=session, team_id="T1", channel_id="C1", ts=TS)
        assert row is not None and row.text == "final text"


def test_an_older_edit_arriving_late_does_not_undo_a_newer_one(session_factory: sessionmaker[Session]) -> None:
    with session_factory.begin() as session:
        traffic.record_message(session=session, message=_message("v1"), now=START)
        traffic.record_edit(session=session, message=_message("v3"), edited_at=START, now=START)
        traffic.record_edit(session=session, message=_message("v2"), edited_at=START - timedelta(minutes=1), now=START)
    with session_factory() as session:
        row = traffic.get_message(session=session, team_id="T1", channel_id="C1", ts=TS)
        assert row is not None and row.text == "v3"


def test_a_deleted_message_loses_its_text_and_stays_deleted(session_factory: sessionmaker[Session]) -> None:
    with session_factory.begin() as session:
        traffic.record_message(session=session, message=_message("oops, secret"), now=START)
        traffic.record_edit(session=session, message=_message("oops, still secret"), edited_at=START, now=START)
    with session_factory.begin() as session:
        traffic.record_deletion(session=session, team_id="T1", channel_id="C1", ts=TS, now=START)
    with session_factory.begin() as session:
        traffic.record_message(session=session, message=_message("oops, secret"), now=START)
    with session_factory() as session:
        row = traffic.get_message(session=session, team_id="T1", channel_id="C1", ts=TS)
        assert row is not None and row.deleted_at is not None and row.text == ""
        assert traffic.revisions(session=session, team_id="T1", channel_id="C1", ts=TS) == []


def test_a_deletion_before_its_message_leaves_a_tombstone(session_factory: sessionmaker[Session]) -> None:
    with session_factory.begin() as session:
        traffic.record_deletion(session=session, team_id="T1", channel_id="C1", ts=TS, now=START)
    with session_factory.begin() as session:
        traffic.record_message(session=session, message=_message("should not come back"), now=START)
    with session_factory() as session:
        row = traffic.get_message(session=session, team_id="T1", channel_id="C1", ts=TS)
        assert row is not None and row.text == "" and row.deleted_at is not None


def test_thread_messages_are_the_root_and_its_replies_in_order(session_factory: sessionmaker[Session]) -> None:
    root = datetime_to_ts(START - timedelta(hours=3))
    replies = [datetime_to_ts(START - timedelta(hours=h)) for h in (2, 1)]
    with session_factory.begin() as session:
        traffic.record_message(session=session, message=_message("root", ts=root), now=START)
        for index, ts in enumerate(reversed(replies)):
            traffic.record_message(session=session, message=_message(f"r{index}", ts=ts, thread_ts=root), now=START)
        traffic.record_message(session=session, message=_message("elsewhere", ts=datetime_to_ts(START)), now=START)
    with session_factory() as session:
        thread = traffic.thread_messages(session=session, team_id="T1", channel_id="C1", thread_ts=root)
        assert [m.text for m in thread] == ["root", "r1", "r0"]


def test_reactions_are_recorded_once_and_removed(session_factory: sessionmaker[Session]) -> None:
    with session_factory.begin() as session:
        args = {"team_id": "T1", "channel_id": "C1", "ts": TS, "name": "memo", "user_id": "U2"}
        assert traffic.add_reaction(session=session, now=START, **args)
        assert not traffic.add_reaction(session=session, now=START, **args)
    with session_factory() as session:
        assert [r.user_id for r in traffic.reactions_on(session=session, team_id="T1", channel_id="C1", ts=TS)] == [
            "U2"
        ]
    with session_factory.begin() as session:
        assert traffic.remove_reaction(session=session, **args)
        assert not traffic.remove_reaction(session=session, **args)


def test_retention_prunes_only_traffic_older_than_the_cutoff(session_factory: sessionmaker[Session]) -> None:
    old, recent = datetime_to_ts(START - timedelta(days=15)), datetime_to_ts(START - timedelta(days=13))
    with session_factory.begin() as session:
        for ts in (old, recent):
            traffic.record_message(session=session, message=_message("hi", ts=ts), now=START)
            traffic.add_reaction(
                session=session, team_id="T1", channel_id="C1", ts=ts, name="eyes", user_id="U2", now=START
            )
        traffic.record_edit(session=session, message=_message("edited", ts=old), edited_at=START, now=START)
    with session_factory.begin() as session:
        counts = traffic.prune(session=session, before=START - timedelta(days=14))
    assert counts == {"messages": 1, "revisions": 1, "reactions": 1}
    with session_factory() as session:
        assert [m.ts for m in session.scalars(select(Message))] == [recent]
        assert [r.ts for r in session.scalars(select(Reaction))] == [recent]


def test_slack_ts_round_trips_to_the_microsecond() -> None:
    instant = START + timedelta(microseconds=123)
    assert ts_to_datetime(datetime_to_ts(instant)) == instant
