"""Message text as one safe mrkdwn line: what Slack would render, and what must stay inert."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from digest.text import inert, mentioned_users, one_line, readable
from tests.hostile_text import broadcast_words, hostile_text, stray_markup, tokens

ALLOWED_TOKEN = re.compile(r"<@[UW][A-Z0-9]+>|<#[CG][A-Z0-9]+(?:\|[\w.-]+)?>|<(?:https?|mailto):[^\s<>|]+>")


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("<@U1|ana> and <@W22>", "<@U1> and <@W22>"),
        ("in <#C5|random> and <#C6>", "in <#C5|random> and <#C6>"),
        # Shown with a full-width at sign: the words read the same and can never ping anyone.
        (
            "<!here> <!channel|@channel> <!everyone> and @here typed",
            "\uff20here \uff20channel \uff20everyone and \uff20here typed",
        ),
        ("<!subteam^S1|@design> please", "@design please"),
        ("due <!date^1700000000^{date_short}|Nov 14>", "due Nov 14"),
        ("<https://x.test/a?b=1&amp;c=2|the doc>", "the doc"),
        ("<https://x.test/a?b=1&amp;c=2>", "<https://x.test/a?b=1&amp;c=2>"),
        ("a &lt;@U1&gt; typed by hand", "a &lt;@U1&gt; typed by hand"),
        ("<script>x</script> & <b>", "&lt;script&gt;x&lt;/script&gt; &amp; &lt;b&gt;"),
        ("<#C5|bad name> <@u1>", "&lt;#C5|bad name&gt; &lt;@u1&gt;"),
        ("  two\n\nlines\t```code```  ", "two lines code"),
        ("R&amp;D", "R&amp;D"),
    ],
)
def test_slack_markup_renders_and_everything_else_is_inert(raw: str, shown: str) -> None:
    assert one_line(raw, limit=500) == shown


def test_a_mention_is_never_cut_in_half() -> None:
    assert one_line("ab " * 5 + "<@U12345678>", limit=18) == "ab ab ab ab ab…"


def test_one_long_word_is_cut_inside_rather_than_dropped() -> None:
    assert one_line("x" * 50, limit=10) == "xxxxxxxxx…"


def test_mentions_found_only_in_well_formed_tokens() -> None:
    assert mentioned_users("<@U1> <@W2|bo> @U3 &lt;@U4&gt; <@u5>") == frozenset({"U1", "W2"})


@given(st.text(alphabet=st.sampled_from(list("ab <>&|@#!^:/.UWC12\n\t?&;ltgmp")), max_size=400), st.integers(5, 300))
def test_any_text_becomes_one_inert_line_of_about_the_limit(raw: str, limit: int) -> None:
    line = one_line(raw, limit=limit)

    assert "\n" not in line and "\t" not in line
    assert "<" not in ALLOWED_TOKEN.sub("", line)
    assert ">" not in ALLOWED_TOKEN.sub("", line)
    assert re.search(r"&(?!amp;|lt;|gt;)", line) is None
    tokens = ALLOWED_TOKEN.findall(line)
    plain = re.sub(r"&(?:amp|lt|gt);", "&", ALLOWED_TOKEN.sub("", line))
    # Only a lone link longer than the limit may overrun it.
    assert sum(map(len, tokens)) + len(plain) <= limit or ALLOWED_TOKEN.fullmatch(line.removesuffix("…"))


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        ("Q&amp;A &lt;3 &gt; R&D", "Q&A <3 > R&D"),
        ("ask <@U1|ana> and <@W2> in <#C5|random> or <#C6>", "ask @ana and @W2 in #random or #C6"),
        ("<!here> <!channel|@channel> @everyone", "\uff20here \uff20channel \uff20everyone"),
        ("<!subteam^S1|@design> by <!date^1700000000^{date_short}|Nov 14>", "@design by Nov 14"),
        (
            "<https://x.test/a?b=1&amp;c=2|the doc> and <https://x.test/>",
            "the doc (https://x.test/a?b=1&c=2) and https://x.test/",
        ),
        ("line one\n&gt; line two", "line one\n> line two"),
        ("a &lt;@U1&gt; typed by hand", "a <@U1> typed by hand"),
    ],
)
def test_readable_gives_the_words_the_author_meant_with_nothing_live(raw: str, words: str) -> None:
    assert readable(raw) == words


@given(hostile_text())
def test_inert_text_holds_no_token_and_no_broadcast_and_escapes_once(raw: str) -> None:
    shown = inert(raw)

    assert tokens(shown) == [] and stray_markup(shown) == [] and broadcast_words(shown) == []
    assert shown.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&") == readable(raw)
