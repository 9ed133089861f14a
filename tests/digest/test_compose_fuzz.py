"""A catch-up made of anything people wrote: messages, channel names, decisions and held pings with Slack's
control sequences, look-alikes and any unicode still make a DM and a Home tab that ping no one, link only
where Handoff or the author linked, and keep Block Kit's limits."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from digest.compose import PingForCatchUp, compose
from digest.extractive import ExtractiveSummarizer
from digest.gather import ChannelInfo, DecisionEvent, Gathered, MentionRow, Reader
from digest.model import Line
from digest.render import render_dm, render_home
from digest.summaries import bucket_of, channel_window
from digest.text import escape, unescape
from digest.traffic import Traffic
from store.slack_time import datetime_to_ts
from tests.hostile_text import broadcast_words, hostile_text, mrkdwn_texts, stray_markup, unintended_tokens

START = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
END = START + timedelta(hours=23)
URL = "https://acme.slack.com/"
HOME = "slack://user?team=T1&id=UBOT"
# A well-formed mention or channel as Slack writes it into message text: a real mention, quoted as one.
_SOURCE_TOKEN = re.compile(r"<(@[UW][A-Z0-9]+|#[CG][A-Z0-9]+)(?:\|([\w.-]*))?>")
_SOURCE_LINK = re.compile(r"<((?:https?|mailto):[^\s|<>]+)>")


def gathered(messages: list[str], channel_name: str, decisions: list[str]) -> Gathered:
    """One channel, #C1, that the reader U1 is in: people's messages (every other one mentions U1), decisions."""
    traffic = Traffic(team_id="T1")
    lines = []
    for n, text in enumerate(messages):
        at = START + timedelta(minutes=n)
        lines.append(Line(datetime_to_ts(at), f"U{2 + n % 3}", text, at, reactions=n % 2))
    traffic.messages["C1"] = lines
    traffic.by_ts["C1"] = {line.ts: line for line in lines}
    found = Gathered(team_id="T1", traffic=traffic, url=URL, bot_user_id="UBOT")
    found.memberships = {"U1": {"C1"}}
    found.channels = {"C1": ChannelInfo("C1", channel_name, False, False)}
    found.mentions = {
        "U1": [MentionRow("U1", "C1", line.ts, line.user_id or "U2", line.posted_at) for line in lines[::2]]
    }
    found.decision_events = [
        DecisionEvent(n, "C1", "created", START + timedelta(minutes=n), text, "accepted", None, f"{URL}p{n}")
        for n, text in enumerate(decisions)
    ]
    found.decisions_in = {"C1": list(range(len(decisions)))}
    return found


def vouched(sources: list[str]) -> set[str]:
    """Tokens a catch-up may hold because a person wrote them as Slack markup: mentions, channels, bare links."""
    allowed = set()
    for text in sources:
        allowed |= {f"<{kind}>" for kind, _ in _SOURCE_TOKEN.findall(text)}
        allowed |= {f"<{kind}|{label}>" for kind, label in _SOURCE_TOKEN.findall(text) if label}
        # An address is shown as Slack's escaping of what it stands for.
        allowed |= {f"<{escape(unescape(link))}>" for link in _SOURCE_LINK.findall(text)}
    return allowed


@settings(max_examples=250, deadline=None)
@given(
    st.lists(hostile_text(), min_size=1, max_size=40),
    hostile_text(max_pieces=6),
    st.lists(hostile_text(), max_size=20),
    st.lists(hostile_text(), max_size=20),
)
def test_a_catch_up_of_anything_people_wrote_pings_no_one_and_keeps_slacks_limits(
    messages: list[str], channel_name: str, decisions: list[str], pings: list[str]
) -> None:
    found = gathered(messages, channel_name, decisions)
    reader = Reader("T1", "U1", "UTC", START, END)
    bucket = bucket_of(reader)
    summary = ExtractiveSummarizer().summarize(channel_window(found, "C1", bucket))
    held = [PingForCatchUp(n, "U2", text, f"{URL}archives/D1/p{n}") for n, text in enumerate(pings)]

    catchup = compose(reader, found, {("C1", bucket): summary}, pings=held)
    fallback, dm = render_dm(catchup, home_url=HOME, now=END)
    home = render_home(catchup, now=END)

    allowed = vouched([*messages, *decisions, *pings]) | {"<@U2>", "<@U3>", "<@U4>"}

    def intended(token: str) -> bool:
        return token in allowed or token.startswith(("<!date^", f"<{URL}", "<slack://user?team=T1&amp;id=UBOT|"))

    assert 0 < len(fallback) < 4_000 and len(dm) <= 50 and len(home) <= 60
    for blocks in (dm, home):
        for block in blocks:
            if block["type"] == "header":
                assert 1 <= len(block["text"]["text"]) <= 150
        for mrkdwn in mrkdwn_texts(blocks):
            assert 1 <= len(mrkdwn) <= 3_000
            assert unintended_tokens(mrkdwn, intended) == [], mrkdwn
            assert stray_markup(mrkdwn) == [], mrkdwn
            assert broadcast_words(mrkdwn) == [], mrkdwn
