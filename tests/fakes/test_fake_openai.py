"""Tests of the fake OpenAI server, driven through the real openai client."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import openai
import pytest

from tests.fakes.openai_api import FakeOpenAI


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    server = FakeOpenAI()
    server.start()
    yield server
    server.stop()
    assert server.server_errors == []


@pytest.fixture
def client(fake: FakeOpenAI) -> Iterator[openai.OpenAI]:
    with openai.OpenAI(base_url=fake.url, api_key="k", max_retries=0) as c:
        yield c


def test_chat_completion_uses_default_responder(fake: FakeOpenAI, client: openai.OpenAI) -> None:
    completion = client.chat.completions.create(
        model="gpt-4o-mini",
        messages=[
            {"role": "system", "content": "You summarise Slack threads."},
            {"role": "user", "content": "one two three four five six seven eight nine ten eleven twelve thirteen"},
        ],
    )

    assert completion.object == "chat.completion"
    assert completion.model == "gpt-4o-mini"
    choice = completion.choices[0]
    assert (choice.index, choice.finish_reason, choice.message.role) == (0, "stop", "assistant")
    assert choice.message.content == "Summary: one two three four five six seven eight nine ten eleven twelve"
    assert completion.usage is not None
    assert (completion.usage.prompt_tokens, completion.usage.completion_tokens) == (17, 13)
    assert completion.usage.total_tokens == 30

    (request,) = fake.chat_requests()
    assert request.authorization == "Bearer k"
    assert request.json is not None and request.json["model"] == "gpt-4o-mini"
    assert request.messages[0]["role"] == "system"
    assert request.http_status == 200


def test_custom_responder_sees_messages_and_model(fake: FakeOpenAI, client: openai.OpenAI) -> None:
    seen: list[tuple[list[dict[str, Any]], str]] = []

    def responder(messages: list[dict[str, Any]], model: str) -> str:
        seen.append((messages, model))
        return f"{len(messages)} messages for {model}"

    fake.responder = responder
    completion = client.chat.completions.create(
        model="small", messages=[{"role": "user", "content": [{"type": "text", "text": "parts"}]}]
    )

    assert completion.choices[0].message.content == "1 messages for small"
    assert seen[0][1] == "small"
    assert "parts" in fake.all_prompt_text()


def test_prompts_can_be_checked_for_leaks(fake: FakeOpenAI, client: openai.OpenAI) -> None:
    client.chat.completions.create(model="m", messages=[{"role": "user", "content": "public roadmap chat"}])
    assert "public roadmap" in fake.all_prompt_text()
    assert "secret salary" not in fake.all_prompt_text()


def test_injected_429_raises_rate_limit_error(fake: FakeOpenAI, client: openai.OpenAI) -> None:
    fake.fail_next(status=429, retry_after=0)

    with pytest.raises(openai.RateLimitError) as info:
        client.chat.completions.create(model="m", messages=[{"role": "user", "content": "hi"}])

    assert info.value.status_code == 429
    assert info.value.response.headers["retry-after"] == "0"
    assert info.value.code == "rate_limit_exceeded"
    assert [r.http_status for r in fake.requests] == [429]
    assert client.chat.completions.create(model="m", messages=[{"role": "user", "content": "hi"}]).choices


def test_injected_500_raises_internal_server_error(fake: FakeOpenAI, client: openai.OpenAI) -> None:
    fake.fail_next(status=500, times=2)
    for _ in range(2):
        with pytest.raises(openai.InternalServerError):
            client.chat.completions.create(model="m", messages=[{"role": "user", "content": "hi"}])
    assert [r.http_status for r in fake.requests] == [500, 500]


def test_retrying_client_recovers_with_retry_after_ms(fake: FakeOpenAI) -> None:
    fake.fail_next(status=429, retry_after_ms=1)
    with openai.OpenAI(base_url=fake.url, api_key="k", max_retries=1) as retrying:
        completion = retrying.chat.completions.create(model="m", messages=[{"role": "user", "content": "x"}])
    assert completion.choices[0].message.content == "Summary: x"
    assert [r.http_status for r in fake.requests] == [429, 200]
    assert fake.requests[1].headers["x-stainless-retry-count"] == "1"


def test_wrong_api_key_is_rejected(fake: FakeOpenAI) -> None:
    fake.api_key = "right"
    with (
        openai.OpenAI(base_url=fake.url, api_key="wrong", max_retries=0) as wrong,
        pytest.raises(openai.AuthenticationError),
    ):
        wrong.models.list()


def test_models_list(client: openai.OpenAI) -> None:
    assert [m.id for m in client.models.list()] == ["gpt-4o-mini"]


def test_missing_messages_is_bad_request(client: openai.OpenAI) -> None:
    with pytest.raises(openai.BadRequestError):
        client.post("/chat/completions", body={"model": "m"}, cast_to=object)


def test_streaming_chunks(fake: FakeOpenAI, client: openai.OpenAI) -> None:
    stream = client.chat.completions.create(
        model="m",
        messages=[{"role": "user", "content": "alpha beta"}],
        stream=True,
        stream_options={"include_usage": True},
    )
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == "Summary: alpha beta"
    assert chunks[-1].usage is not None and chunks[-1].usage.completion_tokens == 3
