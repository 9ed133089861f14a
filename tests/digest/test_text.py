"""Message text as one safe mrkdwn line: what Slack would render, and what must stay inert."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from digest.text import mentioned_users, one_line

ALLOWED_TOKEN = re.compile(r"<@[UW][A-Z0-9]+>|<#[CG][A-Z0-9]+(?:\|[\w.-]+)?>|<(?:https?|mailto):[^\s<>|]+>")


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("<@U1|ana> and <@W22>", "<@U1> and <@W22>"),
        ("in <#C5|random> and <#C6>", "in <#C5|random> and <#C6>"),
        ("<!here> <!channel|@channel> <!everyone>", "@here @channel @everyone"),
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
