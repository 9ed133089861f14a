"""A catch-up is about what the reader missed: their own messages are not counted, a channel where only they
spoke is left out, and the channel summaries stay one per channel and bucket, shared by every reader."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta

from bot.deps import Deps
from digest.compose import compose
from digest.gather import Reader, gather
from digest.model import ChannelSummary
from digest.summaries import summaries_for
from store import channels, teams
from store import traffic as store_traffic
from store.channel_summaries import Bucket
from store.channels import ChannelInfo
from store.slack_time import datetime_to_ts
from store.traffic import IncomingMessage
from tests.conftest import START
from tests.digest.test_summaries import Counting

TEAM = "T1"
END = START + timedelta(hours=8)


def _say(deps: Deps, channel_id: str, user: str, minute: int, text: str, *, thread: int | None = None) -> None:
    at = START + timedelta(minutes=minute)
    thread_ts = datetime_to_ts(START + timedelta(minutes=thread)) if thread is not None else None
    with deps.session_factory.begin() as session:
        message = IncomingMessage(TEAM, channel_id, datetime_to_ts(at), text, user_id=user, thread_ts=thread_ts)
        store_traffic.record_message(session=session, message=message, now=at)


def _world(deps: Deps) -> None:
    with deps.session_factory.begin() as session:
        teams.ensure_team(session=session, team_id=TEAM, now=START)
        for channel_id, name in (("C1", "general"), ("C2", "notes")):
            channels.save_channel(session=session, info=ChannelInfo(TEAM, channel_id, name=name), now=START)
            channels.replace_members(
                session=session, team_id=TEAM, channel_id=channel_id, user_ids=["U1", "U2"], now=START
            )


def _catch_ups(deps: Deps, readers: list[Reader]) -> tuple[dict[str, dict[str, tuple[int, list[str]]]], Counting]:
    """Each reader's channels: name → (message count, points), made in one batch as delivery makes them."""
    counting = Counting()
    deps = dataclasses.replace(deps, summarizer=counting)
    with deps.read_session_factory() as session:
        gathered = gather(session=session, team_id=TEAM, readers=readers)
    known: dict[tuple[str, Bucket], ChannelSummary] = {}
    summaries = summaries_for(deps, readers=readers, gathered=gathered, now=END, known=known)
    shown = {
        reader.user_id: {
            digest.name: (digest.message_count, [point.text for point in digest.points])
            for digest in compose(reader, gathered, summaries).channels
        }
        for reader in readers
    }
    return shown, counting


def _reader(user: str, start: datetime = START) -> Reader:
    return Reader(TEAM, user, "UTC", start, END)


def test_own_messages_are_not_counted_and_a_channel_only_the_reader_spoke_in_is_left_out(deps: Deps) -> None:
    _world(deps)
    _say(deps, "C1", "U1", 5, "Should we freeze deploys this week?")
    _say(deps, "C1", "U2", 10, "Yes, decided: freeze until Friday", thread=5)
    _say(deps, "C1", "U1", 15, "Heads up: the release notes are blocked on the legal review")
    _say(deps, "C1", "U2", 20, "Can someone review the rollout plan before Friday?")
    _say(deps, "C2", "U1", 30, "Note to self: rotate the keys")

    shown, counting = _catch_ups(deps, [_reader("U1"), _reader("U2")])

    # The summaries are still one per channel and bucket, shared by both readers.
    assert sorted(channel for channel, _ in counting.windows) == ["C1", "C2"]
    ana, bo = shown["U1"], shown["U2"]
    # Ana wrote two of #general's four messages and everything in #notes.
    assert ana["general"][0] == 2 and "notes" not in ana
    assert bo["general"][0] == 2 and bo["notes"][0] == 1
    # Her thread with Bo's answer is news to her; her lone note is not. Bo sees everything but his own.
    assert any("freeze" in point for point in ana["general"][1])
    assert not any("release notes" in point for point in ana["general"][1])
    assert any("release notes" in point for point in bo["general"][1])
    assert not any("rollout plan" in point for point in bo["general"][1])


def test_a_reader_who_said_nothing_sees_the_shared_summary_unchanged(deps: Deps) -> None:
    _world(deps)
    _say(deps, "C1", "U2", 10, "Can someone review the rollout plan before Friday?")
    _say(deps, "C1", "U2", 20, "Heads up: the release notes moved to Friday")

    shown, _ = _catch_ups(deps, [_reader("U1"), _reader("U2")])

    assert shown["U1"]["general"][0] == 2 and len(shown["U1"]["general"][1]) == 2
    assert shown["U2"] == {}
