"""Which summarizer a deployment gets from its settings."""

from __future__ import annotations

import json

from digest.extractive import ExtractiveSummarizer
from digest.llm import LLMSummarizer
from digest.summarizers import build_summarizer
from tests.digest.windows import msg, window
from tests.fakes.openai_api import FakeOpenAI
from tests.support import make_settings

NO_SLACK = "http://127.0.0.1:9/api/"


def test_without_an_llm_configured_the_summarizer_is_extractive() -> None:
    settings = make_settings(database_url="sqlite://", slack_api_url=NO_SLACK, HANDOFF_LLM_MODEL="gpt-4o-mini")

    summarizer = build_summarizer(settings)

    assert isinstance(summarizer, ExtractiveSummarizer)
    assert summarizer.name == "extractive"


def test_with_key_and_model_the_llm_summarizes_through_the_configured_endpoint(fake_openai: FakeOpenAI) -> None:
    fake_openai.responder = lambda messages, model: json.dumps(
        {"points": [{"category": "decided", "text": f"<@U1> said, summarized by {model}", "messages": [1]}]}
    )
    settings = make_settings(
        database_url="sqlite://",
        slack_api_url=NO_SLACK,
        OPENAI_API_KEY="sk-test",
        OPENAI_BASE_URL=fake_openai.url,
        HANDOFF_LLM_MODEL="small-model",
    )

    summarizer = build_summarizer(settings, max_points=3)
    summary = summarizer.summarize(window(msg(0, "U1", "we will ship on Friday")))

    assert isinstance(summarizer, LLMSummarizer)
    assert isinstance(summarizer.fallback, ExtractiveSummarizer)
    assert (summarizer.max_points, summarizer.fallback.max_points) == (3, 3)
    assert summary.source == "llm"
    assert [point.text for point in summary.points] == ["<@U1> said, summarized by small-model"]
    (request,) = fake_openai.chat_requests()
    assert request.authorization == "Bearer sk-test"
    summarizer.client.close()
