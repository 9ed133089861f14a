"""The labelled nights of bench/night_eval.py, and its reading of a catch-up through the fake model."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import openai

from bench.night_eval import CHATTER, IMPORTANT, NIGHTS, measure, nights, oracle
from digest.extractive import ExtractiveSummarizer
from digest.llm import LLMSummarizer
from tests.fakes.openai_api import FakeOpenAI


def test_the_nights_are_varied_labelled_and_well_formed() -> None:
    found = nights()
    names = {night.name for night in found}
    assert {"engineering", "incident", "product", "essay"} <= names
    labels = Counter(label for night in found for label in night.labels.values())
    assert sum(labels.values()) >= 300
    assert set(labels) == {"i", "r", "c", "b"} and labels[IMPORTANT] >= 40 and labels[CHATTER] >= 200
    for path in sorted(Path(NIGHTS).glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        for channel in data["channels"]:
            seen: set[str] = set()
            for message in channel["messages"]:
                # A reply answers a message said before it in the same channel; a bot's post is labelled as one.
                assert message.get("re") is None or message["re"] in seen, (path.name, message["id"])
                assert (message["label"] == "b") == bool(message.get("bot")), (path.name, message["id"])
                seen.add(message["id"])
    texts = [text for night in found for text in night.texts.values()]
    assert any("```" in text for text in texts) and any("<https://" in text for text in texts)
    # The essay's night: 156 notifications (its channels' messages and the pings held for its reader).
    essay = next(night for night in found if night.name == "essay")
    assert sum(len(lines) for lines in essay.messages.values()) + len(essay.pings) == 156


def test_through_the_fake_model_the_answer_is_structured_and_a_malformed_one_falls_back(
    fake_openai: FakeOpenAI,
) -> None:
    night = next(night for night in nights() if night.name == "incident")
    labelled = {" ".join(text.split()): night.labels[key] for key, text in night.texts.items()}
    with openai.OpenAI(base_url=fake_openai.url, api_key="k", max_retries=0, timeout=10.0) as client:
        fake_openai.responder = oracle(labelled)
        llm = LLMSummarizer(client=client, model="fake-model", fallback=ExtractiveSummarizer())
        answered = measure(night, llm)
        fake_openai.responder = lambda messages, model: "- checkout is down\n- lol"
        malformed = measure(night, llm)

    assert all(request.json_schema is not None for request in fake_openai.chat_requests())
    # The model's points keep their permalinks: each important line it names is shown, nothing else.
    assert (answered.recalled, answered.important, answered.chatter) == (11, 11, 0)
    assert llm.fallbacks == 1
    assert malformed == measure(night, ExtractiveSummarizer())
