"""Message text as a catch-up shows it: one safe mrkdwn line, mentions found, size estimated.

Slack's raw message text escapes the three characters a person typed (`&amp;`, `&lt;`, `&gt;`) and
keeps its own markup in angle brackets (`<@U1>`, `<#C1|general>`, `<https://x|label>`). A catch-up
quotes that text back inside a message of its own, so every bracket must either be one of the few
tokens Slack renders harmlessly or be escaped, whoever wrote the text (a person, or a model).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

ELLIPSIS = "…"
# How a prompt's size is estimated: about 4 characters a token for English, no tokenizer download.
CHARS_PER_TOKEN = 4

# A candidate token: anything in angle brackets without nested brackets or line breaks.
_TOKEN = re.compile(r"<([^<>\n]*)>")
_USER = re.compile(r"@([UW][A-Z0-9]+)(?:\|[^|]*)?")
_CHANNEL = re.compile(r"#([CG][A-Z0-9]+)(?:\|([\w.-]*))?")
_BROADCAST = re.compile(r"!(here|channel|everyone)(?:\|[^|]*)?")
_SPECIAL_WITH_LABEL = re.compile(r"!(?:subteam\^[A-Z0-9]+|date\^[^|]*)\|([^|]+)")
_LINK = re.compile(r"((?:https?|mailto):[^\s|]+)(?:\|([^|]*))?")
_USER_ID = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^<>]*)?>")
_USER_LABEL = re.compile(r"@([UW][A-Z0-9]+)(?:\|([^|]*))?")
# "@here" typed rather than as a token (where Slack did not escape the command text, or in a modal).
_TYPED_BROADCAST = re.compile(r"[@\uff20](here|channel|everyone)\b", re.IGNORECASE)
# How @here and its kin are shown when quoted: a full-width at sign, so the word reads the same and pings no one.
BROADCAST_AT = "\uff20"
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class _Piece:
    """A run of plain text (escaped when rendered) or a Slack token kept verbatim."""

    text: str
    is_token: bool = False


def inert(text: str) -> str:
    """A person's text (Slack's message format, or a form's plain text) as mrkdwn that reads as they wrote it
    and holds nothing live: no `<!channel>`, no `<@U…>` that pings again, no link Handoff did not make."""
    return escape(readable(text))


def readable(text: str) -> str:
    """Slack message text as the words its author meant, for quoting it where nothing in it may be live.

    Escapes are undone; a mention reads as @name (or @id), a channel as #name, a link as its label
    and address, a date as its fallback, and @here/@channel/@everyone (as tokens or typed) with a
    full-width at sign (U+FF20) that no client or parser takes for a ping. Line breaks stay. Plain text (a modal's)
    comes out as it went in, but for those broadcast words. The result is plain text: escape it
    before putting it in mrkdwn.
    """
    parts: list[str] = []
    position = 0
    for match in _TOKEN.finditer(text):
        parts.append(unescape(text[position : match.start()]))
        parts.append(_readable_token(match.group(1), match.group(0)))
        position = match.end()
    parts.append(unescape(text[position:]))
    return _TYPED_BROADCAST.sub(BROADCAST_AT + r"\1", "".join(parts))


def _readable_token(inner: str, whole: str) -> str:
    if user := _USER_LABEL.fullmatch(inner):
        return f"@{unescape(user.group(2) or user.group(1)).lstrip('@')}"
    if channel := _CHANNEL.fullmatch(inner):
        return f"#{channel.group(2) or channel.group(1)}"
    if broadcast := _BROADCAST.fullmatch(inner):
        return f"{BROADCAST_AT}{broadcast.group(1)}"
    if special := _SPECIAL_WITH_LABEL.fullmatch(inner):
        return unescape(special.group(1))
    if link := _LINK.fullmatch(inner):
        address = unescape(link.group(1))
        label = unescape(link.group(2) or "").strip()
        return f"{label} ({address})" if label and label != address else address
    return unescape(whole)


def unescape(text: str) -> str:
    """Undo Slack's escaping of &, < and > (and nothing else: `&nbsp;` stays literal)."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def escape(text: str) -> str:
    """Make plain text inert in mrkdwn."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def mentioned_users(text: str) -> frozenset[str]:
    """The user ids of the well-formed `<@U…>` mentions in a text."""
    return frozenset(match.group(1) for match in _USER_ID.finditer(text))


def one_line(text: str, *, limit: int) -> str:
    """Slack message text as one mrkdwn-safe line of about `limit` characters, cut at a word with "…"."""
    pieces = _collapse(_pieces(text))
    return "".join(piece.text if piece.is_token else escape(piece.text) for piece in _truncate(pieces, limit))


def _pieces(text: str) -> list[_Piece]:
    pieces: list[_Piece] = []
    position = 0
    for match in _TOKEN.finditer(text):
        if match.start() > position:
            pieces.append(_Piece(unescape(text[position : match.start()])))
        pieces.append(_token(match.group(1), match.group(0)))
        position = match.end()
    if position < len(text):
        pieces.append(_Piece(unescape(text[position:])))
    # A typed "@here" (a label's too) is shown like one from a token: read the same, ping no one.
    return [
        piece if piece.is_token else _Piece(_TYPED_BROADCAST.sub(BROADCAST_AT + r"\1", piece.text))
        for piece in _merged(pieces)
    ]


def _merged(pieces: list[_Piece]) -> list[_Piece]:
    """Adjacent plain pieces as one, so `<b>bold</b>` is one word when the line is cut."""
    merged: list[_Piece] = []
    for piece in pieces:
        if merged and not piece.is_token and not merged[-1].is_token:
            merged[-1] = _Piece(merged[-1].text + piece.text)
        else:
            merged.append(piece)
    return merged


def _token(inner: str, whole: str) -> _Piece:
    """What one bracketed token becomes: itself when Slack renders it harmlessly, else plain text."""
    if user := _USER.fullmatch(inner):
        # The `|name` label is legacy; Slack shows the person's current name from the id alone.
        return _Piece(f"<@{user.group(1)}>", is_token=True)
    if channel := _CHANNEL.fullmatch(inner):
        label = f"|{channel.group(2)}" if channel.group(2) else ""
        return _Piece(f"<#{channel.group(1)}{label}>", is_token=True)
    if broadcast := _BROADCAST.fullmatch(inner):
        # Quoting yesterday's @here in a catch-up must not notify anyone again: shown, not kept live.
        return _Piece(f"{BROADCAST_AT}{broadcast.group(1)}")
    if special := _SPECIAL_WITH_LABEL.fullmatch(inner):
        return _Piece(unescape(special.group(1)))
    if link := _LINK.fullmatch(inner):
        if link.group(2):
            # A one-line excerpt reads better with the label than with the address behind it.
            return _Piece(unescape(link.group(2)))
        return _Piece(f"<{escape(unescape(link.group(1)))}>", is_token=True)
    # Not Slack markup (say `<script>` from a source that did not escape it): plain text, escaped later.
    return _Piece(unescape(whole))


def _collapse(pieces: list[_Piece]) -> list[_Piece]:
    """One line: every run of whitespace (newlines included) becomes one space; code fences go."""
    collapsed = [
        piece if piece.is_token else _Piece(_SPACE.sub(" ", piece.text.replace("```", " "))) for piece in pieces
    ]
    if collapsed and not collapsed[0].is_token:
        collapsed[0] = _Piece(collapsed[0].text.lstrip())
    if collapsed and not collapsed[-1].is_token:
        collapsed[-1] = _Piece(collapsed[-1].text.rstrip())
    return [piece for piece in collapsed if piece.text]


def _truncate(pieces: list[_Piece], limit: int) -> list[_Piece]:
    """The pieces that fit in `limit` characters; plain text cut at a word, tokens never cut."""
    if sum(len(piece.text) for piece in pieces) <= limit:
        return pieces
    kept: list[_Piece] = []
    room = limit - len(ELLIPSIS)
    for piece in pieces:
        if len(piece.text) <= room:
            kept.append(piece)
            room -= len(piece.text)
            continue
        if piece.is_token and not kept:
            # A lone link longer than the line still beats an excerpt of nothing but "…".
            kept.append(piece)
        elif not piece.is_token:
            head = piece.text[: room + 1]
            cut = head.rfind(" ")
            # One word longer than the whole line, with nothing before it: cut inside the word.
            part = head[:cut] if cut > 0 else (head[:room] if not kept else "")
            if part.strip():
                kept.append(_Piece(part))
        break
    if kept and not kept[-1].is_token:
        kept[-1] = _Piece(kept[-1].text.rstrip())
    kept.append(_Piece(ELLIPSIS))
    return kept
