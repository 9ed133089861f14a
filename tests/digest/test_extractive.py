"""The built-in summarizer, as a reader of the morning catch-up sees its points."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from digest import extractive
from digest.extractive import ExtractiveSummarizer
from digest.model import ChannelSummary, Line
from tests.digest.windows import msg, ts_at, window

# What may stand in angle brackets in a point: people, channels and plain links.
ALLOWED_TOKEN = re.compile(r"<@[UW][A-Z0-9]+>|<#[CG][A-Z0-9]+(?:\|[\w.-]+)?>|<(?:https?|mailto):[^\s<>|]+>")


def texts(summary: ChannelSummary) -> list[str]:
    return [point.text for point in summary.points]


def test_decision_thread_outranks_chit_chat() -> None:
    summary = ExtractiveSummarizer().summarize(
        window(
            msg(0, "U1", "anyone watching the match tonight?", reactions=4),
            msg(1, "U2", "yes!", reply_to=0),
            msg(2, "U3", "wouldn't miss it", reply_to=0),
            msg(600, "U4", "lunch place ideas for friday", reactions=2),
            msg(601, "U5", "tacos", reply_to=600),
            msg(30, "U1", "Which queue for the export jobs?"),
            msg(31, "U2", "After the benchmark we agreed: going with SQS, not Kafka.", reply_to=30),
        )
    )

    # The decision answers the thread's question: quoted after it, linked in the thread; the chit-chat never shows.
    (point,) = summary.points
    assert point.text == (
        "<@U1> asked: Which queue for the export jobs? → "
        "<@U2>: After the benchmark we agreed: going with SQS, not Kafka."
    )
    assert (point.ts, point.thread_ts, point.category) == (ts_at(31), ts_at(30), "decided")
    assert summary.source == "extractive"


def test_filed_decision_beats_a_livelier_thread_and_is_the_line_quoted() -> None:
    busy = [
        msg(100 + i, f"U{i % 4 + 2}", f"more opinions on tabs vs spaces, round {i}", reply_to=100) for i in range(1, 9)
    ]
    summary = ExtractiveSummarizer().summarize(
        window(
            msg(100, "U1", "tabs or spaces?", reactions=6),
            *busy,
            msg(10, "U1", "Release train for March"),
            msg(11, "U2", "I think Thursday works", reply_to=10),
            msg(12, "U3", "Release on Thursday 14:00 UTC, freeze Wednesday", reply_to=10),
            decisions=(12,),
        )
    )

    first = summary.points[0]
    assert first.text == "<@U3>: Release on Thursday 14:00 UTC, freeze Wednesday"
    assert (first.ts, first.thread_ts, first.category) == (ts_at(12), ts_at(10), "decided")
    assert all(first.score > point.score for point in summary.points[1:])


def test_a_question_to_someone_outranks_an_unaddressed_remark() -> None:
    summary = ExtractiveSummarizer().summarize(
        window(
            msg(500, "U1", "the office plants look great today"),
            msg(10, "U2", "<@U7> can you review the billing migration before noon?"),
        )
    )

    assert texts(summary)[0] == "<@U2>: <@U7> can you review the billing migration before noon?"
    assert summary.points[0].mentions == frozenset({"U7"})


def test_more_recent_line_first_when_otherwise_equal() -> None:
    summary = ExtractiveSummarizer().summarize(
        window(
            msg(5, "U1", "Deploy is blocked on the expired TLS certificate"),
            msg(700, "U2", "Deploy is blocked on the expired VPN certificate"),
        )
    )

    assert texts(summary) == [
        "<@U2>: Deploy is blocked on the expired VPN certificate",
        "<@U1>: Deploy is blocked on the expired TLS certificate",
    ]


def test_bot_and_system_messages_never_appear_nor_count() -> None:
    summary = ExtractiveSummarizer().summarize(
        window(
            msg(0, None, "<@U9> has joined the channel", is_system=True),
            msg(1, "U9", "set the channel topic: ROTA", is_system=True),
            msg(2, "UBOTUSER", "DEPLOY 4512 finished: all green", is_bot=True, reactions=9),
            msg(3, "U1", "Deploy looked fine from here", reply_to=2),
            msg(4, "UBOTUSER", "ALERT disk 91% on db-2", is_bot=True, reply_to=2),
            msg(5, "U2", "we will move the cron to 02:00"),
            msg(6, "UBOTUSER", "Reminder: standup", reply_to=5, is_bot=True),
        )
    )

    shown = "\n".join(texts(summary))
    for noise in ("joined", "ROTA", "DEPLOY", "ALERT", "Reminder"):
        assert noise not in shown
    assert summary.message_count == 2
    # The reply to the bot's post says nothing anyone must know: it is counted, not quoted.
    assert texts(summary) == ["<@U2>: we will move the cron to 02:00"]


def test_repeated_pastes_collapse_into_one_point_and_plus_ones_only_count() -> None:
    paste = "Deploy failed: connection reset by peer while fetching s3 bucket artifacts, pipeline is blocked"
    summary = ExtractiveSummarizer().summarize(
        window(
            msg(0, "U1", "+1"),
            msg(1, "U2", "+1"),
            msg(2, "U3", ":+1:"),
            msg(10, "U4", paste + " on build 1187"),
            msg(11, "U4", paste + " on build 1188"),
            msg(12, "U5", paste.upper() + " ON BUILD 1189!"),
            msg(20, "U6", "Can someone look at the flaky build?"),
            msg(21, "U6", "Can someone look at the flaky build?", reply_to=20),
            msg(22, "U6", "can someone look at the flaky build", reply_to=20),
        )
    )

    assert len(summary.points) == 2
    assert not any("+1" in text for text in texts(summary))
    assert sum("connection reset" in text.lower() for text in texts(summary)) == 1
    # The same person repeating themselves in a thread is not a reply.
    assert "<@U6>: Can someone look at the flaky build?" in texts(summary)
    assert summary.message_count == 9


def test_reply_summary_counts_replies_and_people() -> None:
    summary = ExtractiveSummarizer().summarize(
        window(
            msg(0, "U1", "Who owns the on-call handbook? <@U2> <@U3>"),
            msg(1, "U2", "not me, ask <@U4>", reply_to=0),
            msg(2, "U4", "me, will update it", reply_to=0),
            msg(3, "U2", "thanks!", reply_to=0),
            msg(4, "U5", "+1", reply_to=0),
            msg(50, "U6", "shipping the docs site now"),
            msg(51, "U7", "nice", reply_to=50),
        )
    )

    # "not me", "me, will update it", thanks and "+1" answer nothing: the question still waits, its replies counted.
    (first,) = summary.points
    assert first.text == "<@U1>: Who owns the on-call handbook? <@U2> <@U3> (4 replies from 3 people)"
    assert first.mentions == frozenset({"U2", "U3", "U4"})
    assert first.category == "question"


def test_points_are_capped_per_channel() -> None:
    services = ["billing", "search", "ingest", "export", "auth", "mailer", "cron", "gateway", "ledger", "audit"]
    many = window(
        *(
            msg(i * 10, f"U{i}", f"Deploy of {service}-{'x' * i} is blocked on the expired {service} certificate")
            for i, service in enumerate(services + [name + "-eu" for name in services], start=1)
        )
    )

    assert len(ExtractiveSummarizer().summarize(many).points) == 12
    assert len(ExtractiveSummarizer(max_points=2).summarize(many).points) == 2


def test_long_message_is_cut_at_a_word_with_an_ellipsis() -> None:
    text = " ".join(f"word{i:03d}" for i in range(100))

    (point,) = ExtractiveSummarizer(excerpt_chars=200).summarize(window(msg(0, "U1", text))).points

    excerpt = point.text.removeprefix("<@U1>: ")
    assert excerpt.endswith(" word024…")
    assert len(excerpt) == 200
    assert text.startswith(excerpt.removesuffix("…"))


def test_multi_line_message_reads_as_one_line() -> None:
    (point,) = ExtractiveSummarizer().summarize(window(msg(0, "U1", "Plan:\n1. migrate\n\n2. verify"))).points

    assert point.text == "<@U1>: Plan: 1. migrate 2. verify"


def test_excerpt_is_safe_mrkdwn_and_keeps_mentions() -> None:
    raw = (
        "<script>alert(1)</script> R&D &amp; ops &lt;b&gt; ask <@U22|dana> in <#C9|general>, "
        "see <https://example.com/a?b=1&amp;c=2|the runbook> <!channel> <https://example.com/x>"
    )

    (point,) = ExtractiveSummarizer(excerpt_chars=400).summarize(window(msg(0, "U1", raw))).points

    assert point.text == (
        "<@U1>: &lt;script&gt;alert(1)&lt;/script&gt; R&amp;D &amp; ops &lt;b&gt; ask <@U22> in <#C9|general>, "
        "see the runbook \uff20channel <https://example.com/x>"
    )
    assert point.mentions == frozenset({"U22"})


def test_same_window_gives_the_same_summary() -> None:
    chat = window(
        msg(0, "U1", "a"),
        msg(0, "U2", "b"),
        msg(3, "U3", "c <@U1>?"),
        msg(4, "U4", "d", reply_to=3),
    )

    assert ExtractiveSummarizer().summarize(chat) == ExtractiveSummarizer().summarize(chat)


def test_empty_or_bot_only_window_has_no_points() -> None:
    summary = ExtractiveSummarizer().summarize(window(msg(0, "UB", "beep", is_bot=True)))

    assert summary == ChannelSummary(channel_id="C100", message_count=0, points=(), source="extractive")


_lines = st.builds(
    msg,
    minute=st.integers(0, 800),
    user_id=st.sampled_from(["U1", "U2", "U3", None]),
    text=st.text(alphabet=st.sampled_from(list("ab <>&|@#!:/U1C2\n?+")), max_size=300),
    reply_to=st.sampled_from([None, 0, 5]),
    reactions=st.integers(0, 3),
    is_bot=st.booleans(),
    is_system=st.booleans(),
)


@given(st.lists(_lines, max_size=30), st.integers(1, 6))
def test_any_window_gives_capped_single_line_safe_points(lines: list[Line], cap: int) -> None:
    summary = ExtractiveSummarizer(max_points=cap).summarize(window(*lines))

    assert len(summary.points) <= cap
    assert summary.message_count == sum(1 for line in lines if line.user_id and not (line.is_bot or line.is_system))
    for point in summary.points:
        assert "\n" not in point.text
        assert "<" not in ALLOWED_TOKEN.sub("", point.text)
        assert ">" not in ALLOWED_TOKEN.sub("", point.text)
        assert re.search(r"&(?!amp;|lt;|gt;)", point.text) is None


def test_an_edited_message_is_ranked_and_quoted_by_its_new_text() -> None:
    summarizer = ExtractiveSummarizer()
    before = window(msg(0, "U1", "lunch at noon?"), msg(5, "U2", "maybe"))
    edited = window(msg(0, "U1", "We agreed: going with Postgres"), msg(5, "U2", "maybe"))

    summarizer.summarize(before)
    summary = summarizer.summarize(edited)

    # The same message (channel and ts) with new text: its features are the new text's, not the cached ones.
    assert texts(summary)[0] == "<@U1>: We agreed: going with Postgres"


def test_the_feature_cache_stays_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(extractive, "FEATURE_CACHE_SIZE", 10)
    summarizer = ExtractiveSummarizer()
    chatty = window(*(msg(i, f"U{i % 3}", f"note number {i}") for i in range(40)))

    first = summarizer.summarize(chatty)

    assert len(summarizer._features) <= 10
    assert summarizer.summarize(chatty) == first == ExtractiveSummarizer().summarize(chatty)


@given(st.lists(_lines, max_size=30), st.integers(1, 6))
def test_a_second_summary_of_the_same_window_is_the_same(lines: list[Line], cap: int) -> None:
    summarizer = ExtractiveSummarizer(max_points=cap)

    assert summarizer.summarize(window(*lines)) == summarizer.summarize(window(*lines))
