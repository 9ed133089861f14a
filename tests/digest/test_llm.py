"""The LLM summarizer over real HTTP against the fake OpenAI server: structured points, fallbacks, calls."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from typing import Any

import jsonschema  # type: ignore[import-untyped, unused-ignore]
import openai
import pytest
from hypothesis import given
from hypothesis import strategies as st
from openai.types.chat import ChatCompletion

from digest.extractive import ExtractiveSummarizer
from digest.llm import EmptyAnswer, LLMSummarizer, pack, parsed_answer
from digest.model import ChannelWindow
from tests.digest.windows import msg, ts_at, window
from tests.fakes.openai_api import FakeOpenAI, Reply, message_text, strict_schema_errors

# The transcript's numbers: 1 the question, 2 its answer (a reply), 3 the request, 4 a reply to a bot's post.
ANSWER = {
    "points": [
        {"category": "decided", "text": "<@U2> said the export jobs go on SQS, not Kafka.", "messages": [2, 1]},
        {
            "category": "question",
            "text": "<@U1> asks <@U3> to review the billing migration & <script> by noon?",
            "messages": [3],
        },
        {"category": "other", "text": "<@U4> says hello", "messages": [4]},
    ]
}


def structured(answer: dict[str, Any]) -> Any:
    return lambda messages, model: json.dumps(answer)


@pytest.fixture
def client(fake_openai: FakeOpenAI) -> Iterator[openai.OpenAI]:
    # No retries: a test sees each injected fault once and never waits on a backoff.
    with openai.OpenAI(base_url=fake_openai.url, api_key="k", max_retries=0, timeout=5.0) as c:
        yield c


def summarizer(client: openai.OpenAI, **overrides: Any) -> LLMSummarizer:
    options: dict[str, Any] = {"model": "gpt-4o-mini", "fallback": ExtractiveSummarizer(), "max_tokens": 400}
    options.update(overrides)
    return LLMSummarizer(client=client, **options)


def busy_channel() -> ChannelWindow:
    return window(
        msg(0, "U1", "Which queue for the export jobs?"),
        msg(1, "U2", "We agreed: going with SQS, not Kafka.", reply_to=0),
        msg(5, "U1", "<@U3> can you review the billing migration by noon?"),
        msg(9, "UBOT", "DEPLOY-BOT-SECRET build 4512 green", is_bot=True),
        msg(10, None, "SYSTEM-JOIN <@U4> has joined the channel", is_system=True),
        msg(11, "U4", "hello all", reply_to=9),
    )


def test_points_come_from_the_structured_answer_each_with_its_category_and_permalink(
    fake_openai: FakeOpenAI, client: openai.OpenAI
) -> None:
    fake_openai.responder = structured(ANSWER)
    llm = summarizer(client)

    summary = llm.summarize(busy_channel())

    assert summary.source == "llm"
    assert summary.message_count == 4
    assert [point.text for point in summary.points] == [
        "<@U2> said the export jobs go on SQS, not Kafka.",
        "<@U1> asks <@U3> to review the billing migration &amp; &lt;script&gt; by noon?",
        "<@U4> says hello",
    ]
    assert [point.category for point in summary.points] == ["decided", "question", None]
    assert [point.mentions for point in summary.points] == [
        frozenset({"U2"}),
        frozenset({"U1", "U3"}),
        frozenset({"U4"}),
    ]
    # Each point links to the first message it names: a reply in its thread, a top-level message by itself.
    assert [(point.ts, point.thread_ts) for point in summary.points] == [
        (ts_at(1), ts_at(0)),
        (ts_at(5), None),
        (ts_at(11), ts_at(9)),
    ]
    assert [point.score for point in summary.points] == [3.0, 2.0, 1.0]
    assert (llm.calls, llm.fallbacks) == (1, 0)


def test_the_request_asks_for_the_answer_as_strict_json_schema_output(
    fake_openai: FakeOpenAI, client: openai.OpenAI
) -> None:
    fake_openai.responder = structured(ANSWER)

    summarizer(client).summarize(busy_channel())

    (request,) = fake_openai.chat_requests()
    assert request.json is not None
    assert (request.json["model"], request.json["max_tokens"]) == ("gpt-4o-mini", 400)
    response_format = request.response_format
    assert response_format is not None and response_format["type"] == "json_schema"
    assert response_format["json_schema"]["strict"] is True
    schema = request.json_schema
    assert schema is not None and strict_schema_errors(schema) == []
    # The schema's categories are the catch-up's; the answer above is one it admits, and a made-up category is not.
    jsonschema.validate(ANSWER, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"points": [{"category": "urgent", "text": "x", "messages": [1]}]}, schema)
    system = message_text(request.messages[0])
    for category in ("decided", "blocked", "incident", "question", "change"):
        assert category in system
    assert "Skip small talk" in system


def test_prompt_numbers_people_and_never_carries_bot_or_system_text(
    fake_openai: FakeOpenAI, client: openai.OpenAI
) -> None:
    fake_openai.responder = structured(ANSWER)

    summarizer(client).summarize(busy_channel())

    prompt = fake_openai.all_prompt_text()
    assert '[1] <@U1>: "Which queue for the export jobs?"' in prompt
    assert '\u21b3 [2] <@U2>: "We agreed: going with SQS, not Kafka."' in prompt
    assert '[4] <@U4>: "hello all"' in prompt
    assert "DEPLOY-BOT-SECRET" not in prompt
    assert "SYSTEM-JOIN" not in prompt


def test_points_beyond_the_cap_are_dropped(fake_openai: FakeOpenAI, client: openai.OpenAI) -> None:
    points = [{"category": "change", "text": f"<@U1> notes point {n}", "messages": [1]} for n in range(1, 9)]
    fake_openai.responder = structured({"points": points})

    summary = summarizer(client, max_points=3).summarize(busy_channel())

    assert [point.text for point in summary.points] == [
        "<@U1> notes point 1",
        "<@U1> notes point 2",
        "<@U1> notes point 3",
    ]


def test_a_point_naming_no_message_of_the_window_is_left_out(fake_openai: FakeOpenAI, client: openai.OpenAI) -> None:
    fake_openai.responder = structured(
        {
            "points": [
                {"category": "incident", "text": "<@U1> made this up", "messages": [99, 0, -1]},
                {"category": "incident", "text": "<@U1> cited nothing", "messages": []},
                {"category": "question", "text": "<@U1> and <@UINVENTED> own the migration", "messages": [3]},
            ]
        }
    )

    (point,) = summarizer(client).summarize(busy_channel()).points

    assert point.text == "<@U1> and someone own the migration"
    assert point.mentions == frozenset({"U1"})
    assert point.ts == ts_at(5)


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
    ("reply", "error"),
    [
        ("", "EmptyAnswer"),
        ("   \n  ", "ValidationError"),
        (Reply(refusal="I can't help with that."), "RefusedAnswer"),
        ("- <@U1> asks about the queue\n- lol", "ValidationError"),
        ('{"points": [{"category": "urgent", "text": "<@U1> asks", "messages": [1]}]}', "ValidationError"),
        ('{"points": [{"category": "question", "text": "<@U1> asks"}]}', "ValidationError"),
        (
            '{"points": [{"category": "question", "text": "<@U1> asks", "messages": [1], "extra": 1}]}',
            "ValidationError",
        ),
        ('{"points": []}', "EmptyAnswer"),
        ('{"points": [{"category": "question", "text": "<@U1> asks", "messages": [42]}]}', "EmptyAnswer"),
        (
            '{"points": [{"category": "decided", "text": "Decision: the budget was approved", "messages": [1]}]}',
            "EmptyAnswer",
        ),
        (Reply(content='{"points": [{"category": "question", "te', finish_reason="length"), "LengthFinishReasonError"),
    ],
)
def test_malformed_empty_or_refused_answers_fall_back_and_are_counted(
    fake_openai: FakeOpenAI, client: openai.OpenAI, caplog: pytest.LogCaptureFixture, reply: Any, error: str
) -> None:
    fake_openai.responder = lambda messages, model: reply
    llm = summarizer(client)

    with caplog.at_level(logging.WARNING, logger="digest.llm"):
        first = llm.summarize(busy_channel())
        second = llm.summarize(busy_channel())

    assert_fell_back(first, busy_channel())
    assert_fell_back(second, busy_channel())
    assert llm.fallbacks == 2
    assert "C100" in caplog.text and error in caplog.text
    assert "(1 fallbacks so far)" in caplog.text and "(2 fallbacks so far)" in caplog.text
    # The log names what went wrong, never what the model wrote (it may quote a private channel).
    assert "asks" not in caplog.text and "budget" not in caplog.text


def test_an_answer_cut_at_max_tokens_falls_back(fake_openai: FakeOpenAI, client: openai.OpenAI) -> None:
    # The fake cuts an answer longer than max_tokens words and says so (finish_reason "length"): half a JSON document.
    long = [{"category": "change", "text": "<@U1> " + "word " * 30, "messages": [1]} for _ in range(5)]
    fake_openai.responder = structured({"points": long})

    summary = summarizer(client, max_tokens=50).summarize(busy_channel())

    assert_fell_back(summary, busy_channel())


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


def test_a_completion_without_choices_is_an_empty_answer() -> None:
    with pytest.raises(EmptyAnswer):
        parsed_answer(
            ChatCompletion.model_construct(id="c1", created=0, model="m", object="chat.completion", choices=[])
        )


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


_NUMBERED = re.compile(r"\[(\d+)\] <@")


def part_answer(messages: list[dict[str, Any]]) -> dict[str, Any]:
    """A part's notes: one point naming the first message of the part, by its number in the whole transcript."""
    first = int(_NUMBERED.search(message_text(messages[-1])).group(1))  # type: ignore[union-attr]
    return {"points": [{"category": "change", "text": f"<@U1> noted part at {first}", "messages": [first]}]}


def test_long_channel_is_summarized_in_chunks_then_combined(fake_openai: FakeOpenAI, client: openai.OpenAI) -> None:
    def responder(messages: list[dict[str, Any]], model: str) -> str:
        instructions = message_text(messages[0])
        if "Merge them into at most" in instructions:
            # The combining call keeps the transcript numbers the notes carry: here, the last part's.
            last = max(int(n) for n in re.findall(r"^\[(\d+)\] change:", message_text(messages[-1]), re.MULTILINE))
            return json.dumps({"points": [{"category": "change", "text": "<@U2> merged point", "messages": [last]}]})
        return json.dumps(part_answer(messages))

    fake_openai.responder = responder
    llm = summarizer(client, chunk_tokens=900)
    channel = long_channel(60)

    summary = llm.summarize(channel)

    requests = fake_openai.chat_requests()
    parts, final = requests[:-1], requests[-1]
    assert len(parts) >= 3
    assert llm.calls == len(requests)
    assert all(request.json_schema is not None for request in requests)
    assert "Merge them into at most" in final.prompt_text
    assert final.prompt_text.count("change: <@U1> noted part at") == len(parts)
    # Every message goes to the model exactly once, each part within its budget.
    for i in range(60):
        assert sum(f"message {i:03d}:" in part.prompt_text for part in parts) == 1
    assert all(len(part.prompt_text) <= 900 * 4 for part in parts)
    (point,) = summary.points
    assert point.text == "<@U2> merged point"
    # Numbered across the whole channel, so the point links to a message of the last part.
    last_part_first = int(_NUMBERED.search(parts[-1].prompt_text).group(1))  # type: ignore[union-attr]
    assert point.ts == ts_at(last_part_first - 1)
    assert summary.source == "llm"


def test_short_channel_takes_one_call(fake_openai: FakeOpenAI, client: openai.OpenAI) -> None:
    fake_openai.responder = lambda messages, model: json.dumps(part_answer(messages))
    llm = summarizer(client, chunk_tokens=900)

    llm.summarize(long_channel(3))

    assert llm.calls == 1
    assert len(fake_openai.chat_requests()) == 1


def test_failure_midway_through_chunks_falls_back(fake_openai: FakeOpenAI, client: openai.OpenAI) -> None:
    def responder(messages: list[dict[str, Any]], model: str) -> str:
        # The first part is answered; the request after it gets a 503.
        fake_openai.fail_next(status=503)
        return json.dumps(part_answer(messages))

    fake_openai.responder = responder
    channel = long_channel(60)

    summary = summarizer(client, chunk_tokens=900).summarize(channel)

    assert_fell_back(summary, channel)
    assert [request.http_status for request in fake_openai.chat_requests()] == [200, 503]


def test_a_malformed_part_falls_back_for_the_whole_channel(fake_openai: FakeOpenAI, client: openai.OpenAI) -> None:
    def responder(messages: list[dict[str, Any]], model: str) -> str:
        # The first part is answered as asked; the second with notes that are not the schema's JSON.
        return "notes, not JSON" if len(fake_openai.chat_requests()) else json.dumps(part_answer(messages))

    fake_openai.responder = responder
    channel = long_channel(60)

    summary = summarizer(client, chunk_tokens=900).summarize(channel)

    assert_fell_back(summary, channel)
    assert len(fake_openai.chat_requests()) == 2


def test_window_without_people_makes_no_call(fake_openai: FakeOpenAI, client: openai.OpenAI) -> None:
    llm = summarizer(client)

    summary = llm.summarize(window(msg(0, "UBOT", "nightly build green", is_bot=True)))

    assert (summary.points, summary.message_count, llm.calls) == ((), 0, 0)
    assert fake_openai.chat_requests() == []


def test_notes_that_do_not_fit_together_are_merged_in_rounds(fake_openai: FakeOpenAI, client: openai.OpenAI) -> None:
    def responder(messages: list[dict[str, Any]], model: str) -> str:
        instructions = message_text(messages[0])
        if "Merge them into at most" in instructions:
            return json.dumps({"points": [{"category": "change", "text": "<@U1> final point", "messages": [1]}]})
        if "Merge them into fewer points" in instructions:
            return json.dumps({"points": [{"category": "change", "text": "<@U1> merged notes", "messages": [1]}]})
        # Each part's notes fill about a third of the room a call has, so they cannot all be combined in one.
        return json.dumps({"points": [{"category": "change", "text": "<@U1> " + "rollout " * 80, "messages": [1]}]})

    fake_openai.responder = responder
    # Room for two or three parts' notes per call, after the instructions.
    llm = summarizer(client, chunk_tokens=1_010, max_tokens=110)

    summary = llm.summarize(long_channel(60))

    kinds = [message_text(request.messages[0]) for request in fake_openai.chat_requests()]
    parts = sum("one part of a longer" in kind for kind in kinds)
    rounds = sum("Merge them into fewer points" in kind for kind in kinds)
    assert parts >= 3 and 1 <= rounds < parts
    assert "Merge them into at most" in kinds[-1]
    assert llm.calls == parts + rounds + 1
    assert [point.text for point in summary.points] == ["<@U1> final point"]


def test_notes_that_never_get_shorter_fall_back(
    fake_openai: FakeOpenAI, client: openai.OpenAI, caplog: pytest.LogCaptureFixture
) -> None:
    # Every note fills a chunk on its own: combining could never finish, so the summary falls back.
    note = {"category": "change", "text": "<@U1> " + "abcdefghijklmnopqrst " * 160, "messages": [1]}
    fake_openai.responder = structured({"points": [note]})
    channel = long_channel(60)

    with caplog.at_level(logging.WARNING, logger="digest.llm"):
        summary = summarizer(client, chunk_tokens=900, max_tokens=400).summarize(channel)

    assert_fell_back(summary, channel)
    assert "TooLong" in caplog.text


def test_calls_tokens_and_errors_are_counted_for_metrics(fake_openai: FakeOpenAI, client: openai.OpenAI) -> None:
    from prometheus_client import REGISTRY

    def sample(name: str, **labels: str) -> float:
        return REGISTRY.get_sample_value(name, labels) or 0.0

    before = {
        "ok": sample("handoff_llm_calls_total", outcome="ok"),
        "error": sample("handoff_llm_calls_total", outcome="error"),
        "prompt": sample("handoff_llm_tokens_total", kind="prompt"),
        "completion": sample("handoff_llm_tokens_total", kind="completion"),
    }
    fake_openai.responder = structured(ANSWER)
    summarizer(client).summarize(busy_channel())
    fake_openai.fail_next(status=500)
    assert summarizer(client).summarize(busy_channel()).source != "llm"
    assert sample("handoff_llm_calls_total", outcome="ok") - before["ok"] == 1
    assert sample("handoff_llm_calls_total", outcome="error") - before["error"] == 1
    assert sample("handoff_llm_tokens_total", kind="prompt") > before["prompt"]
    assert sample("handoff_llm_tokens_total", kind="completion") > before["completion"]
    assert sample("handoff_llm_errors_total", error="InternalServerError") >= 1
