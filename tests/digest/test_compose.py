"""Composing one reader's catch-up from gathered values, without a database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from digest.compose import compose
from digest.gather import ChannelInfo, Gathered, Reader
from digest.links import message_link
from digest.model import Line
from digest.traffic import Traffic
from store.slack_time import datetime_to_ts

START = datetime(2026, 3, 2, 18, 0, tzinfo=UTC)
URL = "https://acme.slack.com/"


def line(minute: int, user: str, text: str, *, thread: Line | None = None) -> Line:
    at = START + timedelta(minutes=minute)
    return Line(datetime_to_ts(at), user, text, at, thread_ts=thread.ts if thread else None)


def test_new_replies_in_your_thread_quote_the_latest_that_says_something_not_the_thanks_after_it() -> None:
    question = line(-600, "U1", "Who can renew the TLS certificate for static.acme.dev?")
    answer = line(30, "U2", "Renewed it, valid until June; the CDN picked it up", thread=question)
    thanks = [line(31, "U3", "thanks!! 🙏", thread=question), line(32, "U4", "lol finally", thread=question)]
    traffic = Traffic(team_id="T1")
    traffic.messages["C1"] = [answer, *thanks]
    traffic.by_ts["C1"] = {each.ts: each for each in (question, answer, *thanks)}
    traffic.replies["C1"] = {question.ts: [answer, *thanks]}
    traffic.threads_of["U1"] = [("C1", question.ts)]
    gathered = Gathered(team_id="T1", traffic=traffic, url=URL)
    gathered.memberships = {"U1": {"C1"}}
    gathered.channels = {"C1": ChannelInfo("C1", "ops", False, False)}

    catchup = compose(Reader("T1", "U1", "UTC", START, START + timedelta(hours=14)), gathered, {})

    (item,) = catchup.waiting
    assert item.text == (
        "3 new replies from 3 people in your thread in #ops: Renewed it, valid until June; the CDN picked it up"
    )
    assert item.link == message_link(URL, "T1", "C1", answer.ts, question.ts)
