"""Channel summaries: one per channel and bucket, made once, kept for the round and in the database."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta

from bot.deps import Deps
from digest.extractive import ExtractiveSummarizer
from digest.gather import Reader, gather
from digest.model import ChannelSummary, ChannelWindow
from digest.summaries import bucket_of, summaries_for
from store import channel_summaries, channels, teams
from store import traffic as store_traffic
from store.channel_summaries import Bucket
from store.channels import ChannelInfo
from store.slack_time import datetime_to_ts
from store.traffic import IncomingMessage
from tests.conftest import START

TEAM = "T1"


class Counting:
    """The extractive summarizer, remembering which windows it was asked for."""

    def __init__(self) -> None:
        self.inner = ExtractiveSummarizer()
        self.windows: list[tuple[str, datetime]] = []

    @property
    def name(self) -> str:
        return self.inner.name

    def summarize(self, window: ChannelWindow) -> ChannelSummary:
        self.windows.append((window.channel_id, window.start))
        return self.inner.summarize(window)


def test_a_round_summarizes_each_channel_once_and_keeps_it_for_later_batches_and_rounds(deps: Deps) -> None:
    with deps.session_factory.begin() as session:
        teams.ensure_team(session=session, team_id=TEAM, now=START)
        for channel_id, name in (("C1", "general"), ("C2", "random")):
            channels.save_channel(session=session, info=ChannelInfo(TEAM, channel_id, name=name), now=START)
            channels.replace_members(
                session=session, team_id=TEAM, channel_id=channel_id, user_ids=["U1", "U2"], now=START
            )
        said = {
            5: "Deploy is blocked on the expired TLS certificate",
            10: "Production checkout is down since 02:10, rolled back to 4.11.3",
            15: "Change of plan: the launch is moved to March 24",
        }
        for minute, channel_id in ((5, "C1"), (10, "C1"), (15, "C2")):
            at = START + timedelta(minutes=minute)
            # The second message of #general answers in the first's thread.
            thread = datetime_to_ts(START + timedelta(minutes=5)) if minute == 10 else None
            message = IncomingMessage(
                TEAM, channel_id, datetime_to_ts(at), said[minute], user_id="U1", thread_ts=thread
            )
            store_traffic.record_message(session=session, message=message, now=at)
    counting = Counting()
    deps = dataclasses.replace(deps, summarizer=counting)
    first, second = (Reader(TEAM, user, "UTC", START, START + timedelta(hours=8)) for user in ("U1", "U2"))
    known: dict[tuple[str, Bucket], ChannelSummary] = {}

    with deps.read_session_factory() as session:
        gathered = gather(session=session, team_id=TEAM, readers=[first, second])
    made = summaries_for(deps, readers=[first], gathered=gathered, now=START, known=known)
    again = summaries_for(deps, readers=[second], gathered=gathered, now=START, known=known)
    # A later round (its own `known`) finds them in the database.
    later = summaries_for(deps, readers=[second], gathered=gathered, now=START, known={})

    bucket = bucket_of(first)
    assert sorted(counting.windows) == [("C1", bucket[0]), ("C2", bucket[0])]
    assert made == again == later
    assert made[("C1", bucket)].message_count == 2
    # What each point is and the thread it links into come back from the database as they were made.
    points = later[("C1", bucket)].points
    assert {(point.category, point.thread_ts) for point in points} == {
        ("blocked", None),
        ("incident", datetime_to_ts(START + timedelta(minutes=5))),
    }
    with deps.read_session_factory() as session:
        assert channel_summaries.cached(session=session, team_id=TEAM, wanted=made) == made
