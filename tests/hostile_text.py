"""Text written to break a Slack app, and the checks that Handoff's mrkdwn kept it inert.

`hostile_text()` mixes Slack's control sequences (broadcasts, mentions, channel and link tokens,
entities), look-alikes, markdown marks, links, emoji and arbitrary unicode. `unintended_tokens()`
lists the `<…>` tokens of a rendered mrkdwn string that Handoff did not mean to put there, and
`stray_markup()` what would render as broken markup (a bare `<`, `>` or an `&` that starts no
escape).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence

from hypothesis import strategies as st

PIECES = [
    "<!channel>",
    "<!here>",
    "<!everyone>",
    "<!here|here>",
    "<!subteam^S0PS|@ops>",
    "<!date^1700000000^{date_short}|Nov 14>",
    "<@U1>",
    "<@UEVIL>",
    "<@W9|boss>",
    "<#C1>",
    "<#CSECRET|exec-comp>",
    "<https://evil.example/login|reset your password>",
    "<https://evil.example>",
    "<mailto:boss@evil.example>",
    "https://evil.example/x?a=1&b=2",
    "www.evil.example",
    "&lt;!channel&gt;",
    "&lt;@U1&gt;",
    "&amp;",
    "&lt;",
    "&gt;",
    "&#60;",
    "&nbsp;",
    "@channel",
    "@here",
    "@everyone",
    "<",
    ">",
    "&",
    "|",
    "@",
    "#",
    "!",
    "^",
    "*",
    "_",
    "~",
    "`",
    "```",
    ">>>",
    "\n",
    "\t",
    " ",
    ":memo:",
    "🎉",
    "👩🏽‍💻",
    "\u202e",
    "\u200b",
    "\u2028",
    "ǅ",
    "ﬁ",
    "İ",
    "9:00",
    "-",
    "..",
    "2026-12-24",
    "mon-fri",
    "Europe/Berlin",
    "--urgent",
    "in:",
    "from:",
    "tag:",
    "status:",
    "since:",
]

_ANY_TOKEN = re.compile(r"<[^<>]*>")
_ENTITY = re.compile(r"&(?:amp|lt|gt);")
_BROADCAST = re.compile(r"<!(?:channel|here|everyone|subteam\^[^<>]*)(?:\|[^<>]*)?>")


def hostile_text(*, max_pieces: int = 40, extra: Sequence[str] = ()) -> st.SearchStrategy[str]:
    """Strings of Slack control sequences, look-alikes and arbitrary unicode (no surrogates), plus `extra` pieces."""
    piece = st.one_of(st.sampled_from([*PIECES, *extra]), st.text(st.characters(codec="utf-8"), min_size=1, max_size=6))
    return st.lists(piece, max_size=max_pieces).map("".join)


def tokens(mrkdwn: str) -> list[str]:
    """Every `<…>` token of a mrkdwn string."""
    return _ANY_TOKEN.findall(mrkdwn)


def unintended_tokens(mrkdwn: str, intended: Callable[[str], bool]) -> list[str]:
    """The tokens `intended` does not vouch for; broadcasts (@channel, @here, @everyone, groups) never are."""
    return [token for token in tokens(mrkdwn) if _BROADCAST.fullmatch(token) or not intended(token)]


def stray_markup(mrkdwn: str) -> list[str]:
    """What renders as broken markup: a `<` or `>` outside a token (but a quote's `>` opening a line), or an
    `&` that starts no escape."""
    outside = re.sub(r"^>", "", _ANY_TOKEN.sub(" ", mrkdwn), flags=re.MULTILINE)
    found = [char for char in outside if char in "<>"]
    found += [match.group(0) for match in re.finditer(r"&(?!amp;|lt;|gt;).{0,5}", outside)]
    return found


def broadcast_words(mrkdwn: str) -> list[str]:
    """@here, @channel and @everyone as plain words: Slack may parse them (a mrkdwn text is parsed unless verbatim)."""
    return re.findall(r"@(?:here|channel|everyone)\b", mrkdwn, re.IGNORECASE)


def shown_text(mrkdwn: str) -> str:
    """What a reader sees of a mrkdwn string's plain parts: tokens dropped, escapes undone."""
    plain = _ANY_TOKEN.sub(" ", mrkdwn)
    return plain.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def one_of_tokens(allowed: Iterable[str]) -> Callable[[str], bool]:
    """A vouching rule: exactly these tokens."""
    known = frozenset(allowed)
    return known.__contains__


def mrkdwn_texts(blocks: list[dict[str, object]]) -> list[str]:
    """Every mrkdwn text of some blocks (sections, their fields, context elements)."""
    found: list[str] = []

    def visit(value: object) -> None:
        if isinstance(value, dict):
            if value.get("type") == "mrkdwn" and isinstance(value.get("text"), str):
                found.append(str(value["text"]))
            for child in value.values():
                visit(child)
        elif isinstance(value, list):
            for child in value:
                visit(child)

    visit(blocks)
    return found
