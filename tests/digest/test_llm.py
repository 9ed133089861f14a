"""The LLM summarizer over real HTTP against the fake OpenAI server: its points, its fallbacks, its calls."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import openai
import pytest
from hypothesis import given
from hypothesis import strategies as st
from openai.types.chat import ChatCompletion

from digest.extractive import ExtractiveSummarizer
from digest.llm import EmptyAnswer, LLMSummarizer, RefusedAnswer, answer_text, pack
from digest.model import ChannelWindow
from tests.digest.windows import msg, window
from tests.fakes.openai_api import FakeOpenAI, message_text

ANSWER = (
    "- <@U2> decided: the export jobs go on SQS, not Kafka.\n"
    "- <@U1> asks <@U3> to review the billing migration & <script> by noon?\n"
    "* Open question: who owns the on-call handbook?"
)


@pytest.fixture
def client(fake_openai: FakeOpenAI) -> Iterator[openai.OpenAI]:
    # No retries: a test sees each injected fault once and never waits on a backoff.
    with openai.OpenAI(base_url=fake_openai.url, api_key="k", max_retries=0, timeout=5.0) as c:
        yield c


def summarizer(client: openai.OpenAI, **overrides: Any) -> LLMSummarizer:
    options: dict[str, Any] = {"model": "gpt-4o-mini", "fallback": ExtractiveSummarizer(), "max_tokens": 120}
    options.update(overrides)
    return LLMSummarizer(client=client, **options)


def answer_with(text: str) -> Any:
    return lambda messages, model: text


def busy_channel() -> ChannelWindow:
    return window(
        msg(0, "U1", "Which queue for the export jobs?"),
        msg(1, "U2", "We agreed: going with SQS, not Kafka.", reply_to=0),
        msg(5, "U1", "<@U3> can you review the billing migration by noon?"),
        msg(9, "UBOT", "DEPLOY-BOT-SECRET build 4512 green", is_bot=True),
        msg(10, None, "SYSTEM-JOIN <@U4> has joined the channel", is_system=True),
        msg(11, "U4", "hello all", reply_to=9),
    )


def test_points_come_from_the_model_answer(fake_openai: FakeOpenAI, client: openai.OpenAI) -> None:
    fake_openai.responder = answer_with(ANSWER)
    llm = summarizer(client)

    summary = llm.summarize(busy_channel())

    assert summary.source == "llm"
    assert summary.message_count == 4
    assert [point.text for point in summary.points] == [
        "<@U2> decided: the export jobs go on SQS, not Kafka.",
        "<@U1> asks <@U3> to review the billing migration &amp; &lt;script&gt; by noon?",
        "Open question: who owns the on-call handbook?",
    ]
    assert [point.mentions for point in summary.points] == [frozenset({"U2"}), frozenset({"U1", "U3"}), frozenset()]
    assert all(point.ts is None for point in summary.points)
    assert llm.calls == 1
    (request,) = fake_openai.chat_requests()
    assert request.json is not None
    assert (request.json["model"], request.json["max_tokens"]) == ("gpt-4o-mini", 120)


def test_prompt_carries_people_and_never_bot_or_system_text(fake_openai: FakeOpenAI, client: openai.OpenAI) -> None:
    summarizer(client).summarize(busy_channel())

    prompt = fake_openai.all_prompt_text()
    assert '<@U2>: "We agreed: going with SQS, not Kafka."' in prompt
    assert '<@U4>: "hello all"' in prompt
    assert "DEPLOY-BOT-SECRET" not in prompt
    assert "SYSTEM-JOIN" not in prompt


def test_headings_and_extra_bullets_are_dropped_to_the_cap(fake_openai: FakeOpenAI, client: openai.OpenAI) -> None:
    bullets = "\n".join(f"{n}. point number {n}" for n in range(1, 9))
    fake_openai.responder = answer_with(f"**Decisions:**\n\n{bullets}")

    summary = summarizer(client, max_points=3).summarize(busy_channel())

    assert [point.text for point in summary.points] == ["point number 1", "point number 2", "point number 3"]
    assert [point.score for point in summary.points] == [3.0, 2.0, 1.0]


def test_mentions_of_people_not_in_the_channel_window_are_not_kept(
    fake_openai: FakeOpenAI, client: openai.OpenAI
) -> None:
    fake_openai.responder = answer_with("- <@U1> and <@UINVENTED> own the migration")

    (point,) = summarizer(client).summarize(busy_channel()).points

    assert point.mentions == frozenset({"U1"})


def assert_fell_back(summary: Any, window: ChannelWindow) -> None:
    assert summary == ExtractiveSummarizer().summarize(window)
    assert summary.source == "extractive"


@pytest.mark.parametrize(("status", "error"), [(500, "InternalServerError"), (429, "RateLimitError")])
def test_api_errors_fall_back_to_the_extractive_summary(
    fake_openai: FakeOpenAI, client: openai.OpenAI, caplog: pytest.LogCaptureFixture, status: int, error: str
) -> None:
    fake_openai.fail_next(status=status)

    with caplog.at_level(logging.WARNING, logger="digest.llm"):
        summary = summarizer(client).summarize(busy_channel())

    assert_fell_back(summary, busy_channel())
    assert "C100" in caplog.text and error in caplog.text


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        ("", "EmptyAnswer"),
        ("   \n  ", "EmptyAnswer"),
        ("I'm sorry, but I can't help with summarizing this conversation.", "RefusedAnswer"),
        ("I can\u2019t share details of private conversations.", "RefusedAnswer"),
        ("Summary:\n**Open questions:**", "EmptyAnswer"),
    ],
)
def test_empty_or_refused_answers_fall_back_to_the_extractive_summary(
    fake_openai: FakeOpenAI, client: openai.OpenAI, caplog: pytest.LogCaptureFixture, answer: str, error: str
) -> None:
    fake_openai.responder = answer_with(answer)

    with caplog.at_level(logging.WARNING, logger="digest.llm"):
        summary = summarizer(client).summarize(busy_channel())

    assert_fell_back(summary, busy_channel())
    assert "C100" in caplog.text and error in caplog.text


def test_unreachable_endpoint_falls_back(caplog: pytest.LogCaptureFixture) -> None:
    gone = FakeOpenAI()
    gone.start()
    url = gone.url
    gone.stop()

    with (
        openai.OpenAI(base_url=url, api_key="k", max_retries=0, timeout=2.0) as dead,
        caplog.at_level(logging.WARNING, logger="digest.llm"),
    ):
        summary = summarizer(dead).summarize(busy_channel())

    assert_fell_back(summary, busy_channel())
    assert "APIConnectionError" in caplog.text


def completion(message: dict[str, Any], finish_reason: str = "stop") -> ChatCompletion:
    """A chat completion as an OpenAI-compatible server might send it (the fake cannot send these)."""
    choice = {"index": 0, "message": {"role": "assistant", **message}, "finish_reason": finish_reason}
    return ChatCompletion.model_validate(
        {"id": "c1", "object": "chat.completion", "created": 0, "model": "m", "choices": [choice]}
    )


def test_a_refusal_field_is_not_a_summary() -> None:
    with pytest.raises(RefusedAnswer):
        answer_text(completion({"content": None, "refusal": "I can't help with that."}))


def test_an_answer_cut_at_max_tokens_loses_its_half_bullet() -> None:
    cut = completion({"content": "- ship on Friday\n- freeze on Wed"}, finish_reason="length")

    assert answer_text(cut) == "- ship on Friday"


def test_a_malformed_completion_is_an_empty_answer() -> None:
    with pytest.raises(EmptyAnswer):
        answer_text(ChatCompletion.model_construct(id="c1", created=0, model="m", object="chat.completion", choices=[]))


@given(st.lists(st.text(alphabet="ab ", max_size=120), max_size=40), st.integers(5, 40))
def test_chunks_keep_every_line_in_order_within_the_budget(lines: list[str], budget: int) -> None:
    chunks = pack(lines, budget)

    assert all(len(chunk) <= budget * 4 for chunk in chunks)
    assert "\n".join(chunks) == "\n".join(line[: budget * 4] for line in lines)


def long_channel(messages: int) -> ChannelWindow:
    return window(
        *(
            msg(i, f"U{i % 5 + 1}", f"message {i:03d}: " + "the rollout plan needs another look " * 3)
            for i in range(messages)
        )
    )


def test_long_channel_is_summarized_in_chunks_then_combined(fake_openai: FakeOpenAI, client: openai.OpenAI) -> None:
    def responder(messages: list[dict[str, Any]], model: str) -> str:
        instructions = message_text(messages[0])
        return "- merged point" if "Merge them into at most" in instructions else "- a part's note"

    fake_openai.responder = responder
    llm = summarizer(client, chunk_tokens=600)
    channel = long_channel(60)

    summary = llm.summarize(channel)

    requests = fake_openai.chat_requests()
    parts, final = requests[:-1], requests[-1]
    assert len(parts) >= 3
    assert llm.calls == len(requests)
    assert "Merge them into at most" in final.prompt_text
    assert final.prompt_text.count("a part's note") == len(parts)
    # Every message goes to the model exactly once, each part within its budget.
    for i in range(60):
        assert sum(f"message {i:03d}:" in part.prompt_text for part in parts) == 1
    assert all(len(part.prompt_text) <= 600 * 4 for part in parts)
    assert [point.text for point in summary.points] == ["merged point"]
    assert summary.source == "llm"


def test_short_channel_takes_one_call(fake_openai: FakeOpenAI, client: openai.OpenAI) -> None:
    llm = summarizer(client, chunk_tokens=600)

    llm.summarize(long_channel(3))

    assert llm.calls == 1
    assert len(fake_openai.chat_requests()) == 1


def test_failure_midway_through_chunks_falls_back(fake_openai: FakeOpenAI, client: openai.OpenAI) -> None:
    def responder(messages: list[dict[str, Any]], model: str) -> str:
        # The first part is answered; the request after it gets a 503.
        fake_openai.fail_next(status=503)
        return "- note"

    fake_openai.responder = responder
    channel = long_channel(60)

    summary = summarizer(client, chunk_tokens=600).summarize(channel)

    assert_fell_back(summary, channel)
    assert [request.http_status for request in fake_openai.chat_requests()] == [200, 503]


def test_window_without_people_makes_no_call(fake_openai: FakeOpenAI, client: openai.OpenAI) -> None:
    llm = summarizer(client)

    summary = llm.summarize(window(msg(0, "UBOT", "nightly build green", is_bot=True)))

    assert (summary.points, summary.message_count, llm.calls) == ((), 0, 0)
    assert fake_openai.chat_requests() == []


def test_notes_that_do_not_fit_together_are_merged_in_rounds(fake_openai: FakeOpenAI, client: openai.OpenAI) -> None:
    def responder(messages: list[dict[str, Any]], model: str) -> str:
        instructions = message_text(messages[0])
        if "Merge them into at most" in instructions:
            return "- final point"
        if "Merge them into shorter notes" in instructions:
            return "- merged notes"
        # Each part's notes fill about a third of the room a call has, so they cannot all be combined in one.
        return "- " + "rollout " * 80

    fake_openai.responder = responder
    # Room for two or three parts' notes per call, after the instructions.
    llm = summarizer(client, chunk_tokens=800, max_tokens=110)

    summary = llm.summarize(long_channel(60))

    kinds = [message_text(request.messages[0]) for request in fake_openai.chat_requests()]
    parts = sum("one part of a longer" in kind for kind in kinds)
    rounds = sum("Merge them into shorter notes" in kind for kind in kinds)
    assert parts >= 3 and 1 <= rounds < parts
    assert "Merge them into at most" in kinds[-1]
    assert llm.calls == parts + rounds + 1
    assert [point.text for point in summary.points] == ["final point"]


def test_notes_that_never_get_shorter_fall_back(
    fake_openai: FakeOpenAI, client: openai.OpenAI, caplog: pytest.LogCaptureFixture
) -> None:
    # Every note fills a chunk on its own: combining could never finish, so the summary falls back.
    fake_openai.responder = answer_with("- " + "abcdefghijklmnopqrst " * 120)
    channel = long_channel(60)

    with caplog.at_level(logging.WARNING, logger="digest.llm"):
        summary = summarizer(client, chunk_tokens=600, max_tokens=120).summarize(channel)

    assert_fell_back(summary, channel)
    assert "TooLong" in caplog.text
