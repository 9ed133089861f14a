"""`/later` with anything typed: read or refused, and what the recipient gets reads as the sender wrote it,
inert and within Block Kit's limits."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from digest.text import escape
from pings.blocks import PING_TEXT_LIMIT, dm_messages, receipt
from pings.later_command import LaterInputError, LaterRequest, parse_later
from tests.hostile_text import broadcast_words, hostile_text, mrkdwn_texts, stray_markup, unintended_tokens

SENT = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
PERMALINK = "https://acme.slack.com/archives/C1/p1772438400000100"
MENTIONS = st.sampled_from(["<@U2|dana>", "<@U3>", "@ravi", "<@W4|ana>", "@", "<@u5>", "<!here>", "<#C1|general>"])
COMMANDS = st.tuples(st.lists(MENTIONS, max_size=3), hostile_text(), st.sampled_from(["", " --urgent", " -u"])).map(
    lambda parts: " ".join(parts[0]) + " " + parts[1] + parts[2]
)


@dataclass(frozen=True)
class Ping:
    """A held ping as the DM reads it."""

    sender_id: str
    text: str
    created_at: datetime
    urgent: bool = False
    source_channel_id: str | None = "C1"
    permalink: str | None = PERMALINK


def intended(token: str) -> bool:
    """What Handoff itself puts in a ping's DM: the sender, the date, the source channel and link."""
    return token in {"<@U1>", "<#C1>", f"<{PERMALINK}|open the conversation>"} or token.startswith("<!date^")


def assert_within_limits(messages: list[tuple[str, list[dict[str, object]]]]) -> None:
    for text, blocks in messages:
        assert 0 < len(text) < 4_000
        assert 1 <= len(blocks) <= 50
        for block in blocks:
            if block["type"] == "header":
                assert 1 <= len(block["text"]["text"]) <= 150  # type: ignore[index]
        for mrkdwn in mrkdwn_texts(blocks):
            assert 1 <= len(mrkdwn) <= 3_000


@settings(max_examples=800, deadline=None)
@given(COMMANDS)
def test_any_later_command_is_read_or_refused_and_never_raises_anything_else(text: str) -> None:
    try:
        request = parse_later(text)
    except LaterInputError:
        return
    assert isinstance(request, LaterRequest)
    assert request.recipients or request.names
    assert all(re.fullmatch(r"[UW][A-Z0-9]+", user) for user in request.recipients)
    assert 0 < len(request.text) <= PING_TEXT_LIMIT


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(hostile_text(), st.booleans()), min_size=1, max_size=60), st.booleans())
def test_a_ping_dm_of_any_text_is_inert_and_keeps_block_kits_limits(pings: list[tuple[str, bool]], held: bool) -> None:
    messages = dm_messages([Ping("U1", text or "x", SENT, urgent) for text, urgent in pings], held=held)

    assert_within_limits(messages)
    for text, blocks in messages:
        for mrkdwn in [text, *mrkdwn_texts(blocks)]:
            assert unintended_tokens(mrkdwn, intended) == [], mrkdwn
            assert stray_markup(mrkdwn) == [], mrkdwn
            assert broadcast_words(mrkdwn) == [], mrkdwn


@settings(max_examples=300, deadline=None)
@given(st.text(st.characters(codec="utf-8", exclude_categories=("Cc", "Cs")), min_size=1, max_size=300))
def test_the_recipient_reads_what_the_sender_typed(typed: str) -> None:
    # The words that mean "urgent" are the command's, not the message's.
    assume(not {word.lower() for word in typed.split()} & {"--urgent", "-u", "!urgent", "urgent!"})
    typed = f"Note: {typed}"
    # Slack escapes &, < and > in a command's text; Handoff must show the characters, not the escapes.
    request = parse_later(f"<@U2|dana> {escape(typed)}")

    ((_, blocks),) = dm_messages([Ping("U1", request.text, SENT)], held=False)

    quote = blocks[0]["text"]["text"].split("\n", 1)[1]
    shown = "\n".join(line.removeprefix(">") for line in quote.splitlines())
    shown = shown.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    expected = re.sub(r"@(here|channel|everyone)\b", "\uff20\\1", " ".join(typed.split()), flags=re.IGNORECASE)
    assert " ".join(shown.split()) == expected


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["U2", "W3"]), hostile_text(max_pieces=10)), min_size=1, max_size=40))
def test_the_senders_receipt_quotes_outcomes_inertly(lines: list[tuple[str, str]]) -> None:
    text, blocks = receipt([(user, escape(outcome) or "held", None) for user, outcome in lines])

    for mrkdwn in [text, *mrkdwn_texts(blocks)]:
        assert unintended_tokens(mrkdwn, lambda token: token in {"<@U2>", "<@W3>"}) == [], mrkdwn
        assert stray_markup(mrkdwn) == []


def test_a_nul_in_the_text_is_dropped_so_the_ping_can_be_kept() -> None:
    assert parse_later("<@U2|dana> budget\x00 review").text == "budget review"
