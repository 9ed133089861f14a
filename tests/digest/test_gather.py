"""Gathering a batch's traffic: what composing finds, and that later batches of a round read only what is new."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from digest import traffic as traffic_module
from digest.compose import compose
from digest.gather import Reader, Round, gather
from store import channels, teams
from store import traffic as store_traffic
from store.channels import ChannelInfo
from store.slack_time import datetime_to_ts
from store.traffic import IncomingMessage
from tests.conftest import START

TEAM = "T1"
END = START + timedelta(hours=10)


def _reader(user_id: str, start: datetime = START, end: datetime = END) -> Reader:
    return Reader(TEAM, user_id, "UTC", start, end)


def _say(session: Session, text: str, at: datetime, *, user: str, thread: datetime | None = None) -> str:
    ts = datetime_to_ts(at)
    message = IncomingMessage(
        team_id=TEAM,
        channel_id="C1",
        ts=ts,
        text=text,
        user_id=user,
        thread_ts=datetime_to_ts(thread) if thread else None,
    )
    store_traffic.record_message(session=session, message=message, now=at)
    return ts


@pytest.fixture
def world(session_factory: sessionmaker[Session]) -> sessionmaker[Session]:
    with session_factory.begin() as session:
        teams.ensure_team(session=session, team_id=TEAM, now=START)
        channels.save_channel(session=session, info=ChannelInfo(TEAM, "C1", name="general"), now=START)
        channels.replace_members(session=session, team_id=TEAM, channel_id="C1", user_ids=["U1", "U2", "U3"], now=START)
    return session_factory


def test_a_reply_overnight_to_a_thread_started_last_week_is_waiting_for_its_starter(
    world: sessionmaker[Session],
) -> None:
    started = START - timedelta(days=6)
    with world.begin() as session:
        _say(session, "Who owns the billing migration?", started, user="U1")
        _say(session, "I can take it", started + timedelta(minutes=5), user="U3", thread=started)
        _say(session, "Picked it up, plan in the doc", START + timedelta(hours=2), user="U2", thread=started)

    with world() as session:
        gathered = gather(session=session, team_id=TEAM, readers=[_reader(user) for user in ("U1", "U2", "U3")])
    texts = {user: [item.text for item in compose(_reader(user), gathered, {}).waiting] for user in ("U1", "U2", "U3")}

    # Both earlier posts are older than the window: only the thread's own history says they are in it.
    assert texts["U1"] == ["1 new reply from <@U2> in your thread in #general: Picked it up, plan in the doc"]
    assert texts["U3"] == texts["U1"]
    assert texts["U2"] == []


def test_a_later_batch_reads_only_the_hours_the_first_did_not(
    world: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    with world.begin() as session:
        _say(session, "early note", START + timedelta(hours=1), user="U1")
        _say(session, "late note", END + timedelta(hours=1), user="U2")
        _say(session, "reply to early", START + timedelta(hours=3), user="U3", thread=START + timedelta(hours=1))
        _say(session, "the night before", START - timedelta(hours=1), user="U2")
        _say(
            session, "a reply from before", START - timedelta(minutes=30), user="U2", thread=START + timedelta(hours=1)
        )
    reads: list[tuple[datetime, datetime]] = []
    read_lines = traffic_module._read_lines

    def counting(*args: object, **kwargs: object) -> object:
        reads.append((args[3], args[4]))  # type: ignore[arg-type]
        return read_lines(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(traffic_module, "_read_lines", counting)
    reuse = Round(TEAM)
    with world() as session:
        gather(session=session, team_id=TEAM, readers=[_reader("U1")], reuse=reuse)
        gather(session=session, team_id=TEAM, readers=[_reader("U2")], reuse=reuse)
        later = gather(
            session=session, team_id=TEAM, readers=[_reader("U3", end=END + timedelta(hours=2))], reuse=reuse
        )
        # The lists are the round's own, which later batches extend: what this batch saw is taken now.
        seen_later = [line.text for line in later.messages["C1"]]
        earlier = gather(
            session=session, team_id=TEAM, readers=[_reader("U1", start=START - timedelta(hours=2))], reuse=reuse
        )

    # The second batch's window was read already; the others add only their extra hours.
    assert reads == [(START, END), (END, END + timedelta(hours=2)), (START - timedelta(hours=2), START)]
    assert seen_later == ["early note", "reply to early", "late note"]
    assert [line.text for line in earlier.messages["C1"]] == [
        "the night before",
        "a reply from before",
        "early note",
        "reply to early",
        "late note",
    ]
    parent = earlier.messages["C1"][2].ts
    assert [line.text for line in earlier.traffic.replies["C1"][parent]] == ["a reply from before", "reply to early"]


def test_a_deleted_reply_still_makes_its_author_part_of_the_thread(world: sessionmaker[Session]) -> None:
    with world.begin() as session:
        _say(session, "Release on Thursday?", START + timedelta(hours=1), user="U1")
        gone = _say(session, "+1", START + timedelta(hours=2), user="U3", thread=START + timedelta(hours=1))
        store_traffic.record_deletion(session=session, team_id=TEAM, channel_id="C1", ts=gone, now=START)
        _say(session, "Thursday works", START + timedelta(hours=3), user="U2", thread=START + timedelta(hours=1))

    with world() as session:
        gathered = gather(session=session, team_id=TEAM, readers=[_reader("U3")])

    assert [item.text for item in compose(_reader("U3"), gathered, {}).waiting] == [
        "1 new reply from <@U2> in your thread in #general: Thursday works"
    ]
    assert "+1" not in [line.text for line in gathered.messages["C1"]]
