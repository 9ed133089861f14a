"""Slack mrkdwn that is already escaped: cut it without breaking a token, link to a URL, count its words.

Slack's mrkdwn has two kinds of atoms a cut must never split: `<…>` tokens (mentions, channels,
date tokens, links) and `&…;` escapes. Half a token shows as raw markup; half of `&lt;` as `&l`.
"""

from __future__ import annotations

import re

from digest.text import escape

ELLIPSIS = "…"
# A cut this close to the limit may back up to the last space, so a word is not cut in two.
WORD_SLACK = 20
# Slack permalinks are about 100 characters; a longer link is dropped rather than let one line crowd a section.
LINK_CHARS = 1_000

# One atom: a whole `<…>` token, a whole `&…;` escape, or one character. Alternation order matters.
_ATOM = re.compile(r"<[^<>]*>|&(?:[A-Za-z]+|#\d+|#[xX][0-9A-Fa-f]+);|.", re.DOTALL)
_WHITESPACE = re.compile(r"\s+")
_LABELLED = re.compile(r"<[^<>|]*\|([^<>]*)>")
_TOKEN = re.compile(r"<[^<>]*>")
_ENTITY = re.compile(r"&(?:[A-Za-z]+|#\d+|#[xX][0-9A-Fa-f]+);")
_WORDISH = re.compile(r"\w")


def collapse_whitespace(text: str) -> str:
    """The text on one line: an entry is one bullet, so its newlines and runs of spaces become one space."""
    return _WHITESPACE.sub(" ", text).strip()


def cut(text: str, limit: int) -> str:
    """`text` in at most `limit` characters, ended with "…" when cut, and never inside a token or an escape."""
    if len(text) <= limit:
        return text
    room = limit - len(ELLIPSIS)
    end = 0
    last_space = -1
    for atom in _ATOM.finditer(text):
        if atom.end() > room:
            break
        end = atom.end()
        if atom.group().isspace():
            last_space = atom.start()
    if last_space > 0 and end - last_space <= WORD_SLACK:
        end = last_space
    return text[:end].rstrip() + ELLIPSIS


def link(url: str | None, label: str) -> str | None:
    """A mrkdwn link to `url`, or None when there is no usable URL (absent, blank or absurdly long)."""
    if not url or not url.strip():
        return None
    # `|` ends the URL part of a link token, so it is percent-encoded; `&<>` are escaped as in any text.
    target = escape(url.strip()).replace("|", "%7C")
    return f"<{target}|{label}>" if len(target) <= LINK_CHARS else None


def word_count(text: str) -> int:
    """Words a reader reads in mrkdwn: a link counts as its label, a mention or date token as one word."""
    visible = _LABELLED.sub(r"\1", text)
    visible = _TOKEN.sub(" x ", visible)
    visible = _ENTITY.sub("x", visible)
    return sum(1 for word in visible.split() if _WORDISH.search(word))
