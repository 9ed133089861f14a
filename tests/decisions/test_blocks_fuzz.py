"""How decisions read in Slack with anything in them: Handoff's message, the thread, search results and the
owner's reminder stay inert (no ping, no link Handoff did not make) and within Block Kit's limits."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

from hypothesis import given, settings
from hypothesis import strategies as st
from slack_sdk.models.blocks import Block

from decisions.blocks import confirmation, thread_blocks
from decisions.finder import render
from decisions.review import reminder_blocks
from store.decision_search import Hit
from store.decisions import normalize_tags
from store.models import Decision
from tests.hostile_text import broadcast_words, hostile_text, mrkdwn_texts, stray_markup, unintended_tokens

AT = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
PERMALINK = "https://acme.slack.com/archives/C1/p1772438400000100"
OTHER = "https://acme.slack.com/archives/C1/p1772438400000200"
PROPERTIES = settings(max_examples=300, deadline=None)
TEXTS = st.one_of(hostile_text(), hostile_text(max_pieces=400))


def decision(number: int, text: str, *, why: str = "", tags: str = "", status: str = "accepted") -> Decision:
    return Decision(
        id=number,
        team_id="T1",
        channel_id="C1",
        text=text,
        why=why,
        alternatives="",
        tags=normalize_tags(tags),
        logged_by="U1",
        author_id="U2",
        owner_id="U3",
        review_by=date(2026, 4, 1),
        permalink=PERMALINK if number == 1 else OTHER,
        status=status,
        source="message",
        source_deleted=number % 2 == 0,
        created_at=AT,
        updated_at=AT,
    )


def intended(token: str) -> bool:
    """What Handoff itself puts around a decision: who logged, said and owns it, dates, links to decisions
    (labelled with their escaped text), its channel."""
    return (
        token in {"<@U1>", "<@U2>", "<@U3>", "<#C1>"}
        or re.fullmatch(
            rf"<(?:!date\^\d+\^[^<>|]*|(?:{re.escape(PERMALINK)}|{re.escape(OTHER)})\|[^<>|]*)(?:\|[^<>]*)?>", token
        )
        is not None
    )


def assert_inert(texts: list[str]) -> None:
    for mrkdwn in texts:
        assert unintended_tokens(mrkdwn, intended) == [], mrkdwn
        assert stray_markup(mrkdwn) == [], mrkdwn
        assert broadcast_words(mrkdwn) == [], mrkdwn


def assert_valid(blocks: list[dict[str, object]], *, most: int = 50) -> None:
    assert 1 <= len(blocks) <= most
    for block in blocks:
        parsed = Block.parse(block)
        assert parsed is not None
        parsed.to_dict()  # slack_sdk's own validators: lengths, counts, required fields
    for mrkdwn in mrkdwn_texts(blocks):
        assert 1 <= len(mrkdwn) <= 3_000


@PROPERTIES
@given(TEXTS, TEXTS, hostile_text(max_pieces=8), st.sampled_from(["accepted", "proposed", "superseded", "retracted"]))
def test_handoffs_message_about_any_decision_is_inert_and_fits(text: str, why: str, tags: str, status: str) -> None:
    shown = decision(1, text, why=why, tags=tags, status=status)
    fallback, blocks = confirmation(shown, replaces=decision(2, why), replaced_by=decision(3, text), has_thread=True)

    assert_valid(blocks)
    assert 0 < len(fallback) < 4_000
    assert_inert([fallback, *mrkdwn_texts(blocks)])


@PROPERTIES
@given(st.lists(st.tuples(st.sampled_from([None, "U2", "W9"]), TEXTS), max_size=80))
def test_the_thread_kept_with_a_decision_is_inert_and_fits(messages: list[tuple[str | None, str]]) -> None:
    blocks = thread_blocks(decision(1, "We ship"), [(user, text, AT) for user, text in messages])

    assert_valid(blocks)
    assert_inert([text for text in mrkdwn_texts(blocks) if not text.startswith("<@W9>")])


@PROPERTIES
@given(st.lists(TEXTS, min_size=1, max_size=10), hostile_text(max_pieces=20))
def test_search_results_with_any_snippet_are_inert_and_fit(snippets: list[str], raw: str) -> None:
    hits = [Hit(decision(1, snippet), "general", snippet) for snippet in snippets]

    page = render(hits, raw=raw, offset=0, more=True)

    assert_valid(page.blocks)
    assert_inert([page.text, *mrkdwn_texts(page.blocks)])


@PROPERTIES
@given(TEXTS, TEXTS)
def test_the_owners_reminder_of_any_decision_is_inert_and_fits(text: str, why: str) -> None:
    blocks = reminder_blocks(decision(1, text, why=why))

    assert_valid(blocks)
    assert_inert(mrkdwn_texts(blocks))
