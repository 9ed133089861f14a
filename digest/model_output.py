"""What a model's answer may put in a catch-up: the window's people, channel and permalinks, nothing more.

A model reads messages anyone in the workspace wrote, and a message can tell it to mention people,
ping the channel, add a link or announce a decision. So its answer is untrusted text, handled like
a person's: every bracketed Slack token is checked against what the window holds, plain text is
escaped, and a point that claims a decision in the model's own voice is left out (decisions in a
catch-up come from the decision log, never from a summary).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from digest.extractive import human_messages
from digest.links import message_link
from digest.model import ChannelWindow
from digest.mrkdwn import collapse_whitespace, cut
from digest.text import escape, mentioned_users

# Shown where a link the window does not hold was: the reader sees something was there, not where it led.
LINK_REMOVED = "(link removed)"
UNKNOWN_PERSON = "someone"
UNKNOWN_CHANNEL = "another channel"

_TOKEN = re.compile(r"<([^<>\n]*)>")
_USER = re.compile(r"@([UW][A-Z0-9]+)(?:\|[^|]*)?")
_CHANNEL = re.compile(r"#([CG][A-Z0-9]+)(?:\|([^|]*))?")
_LINK = re.compile(r"([a-z][a-z0-9+.-]*:[^\s|]+)(?:\|([^|]*))?", re.IGNORECASE)
_CHANNEL_ID = re.compile(r"<#([CG][A-Z0-9]+)(?:\|[^<>]*)?>")
# Bare addresses Slack would turn into links by itself (a mrkdwn text is parsed unless verbatim). No
# word boundary before them: "ǅhttps://…" is a link after its first letter.
_BARE_LINK = re.compile(r"(?:[a-z][a-z0-9+.-]*://|www\.|mailto:)[^\s<>]*", re.IGNORECASE)
# "@here" typed out rather than as a token: written without its "@", so nothing can read it as one.
# Any run of at signs: dropping one of "@@channel" must not leave "@channel".
_BROADCAST_WORD = re.compile(r"@+(here|channel|everyone)\b", re.IGNORECASE)
_TRAILING = ".,;:!?)]}'\""
# A point that says something was settled. Deliberately broad: such a point is kept only when it
# starts with who said so, since a summary reports what people said and the log says what was decided.
_DECISION_WORDS = re.compile(
    r"\b(?:decid\w*|decision\w*|approv\w*|agree\w*|sign(?:ed|s)?[- ]?off|finali[sz]\w*|green[- ]?lit\w*|"
    r"resolved|settled|chose|chosen|go(?:ing)? with)\b",
    re.IGNORECASE,
)
_LEADING_MENTION = re.compile(r"^\W*<@([UW][A-Z0-9]+)>")


@dataclass(frozen=True)
class Sources:
    """What a point may refer to: the window's people and channels, and its messages' permalinks."""

    people: frozenset[str]
    channels: frozenset[str]
    links: frozenset[str]


@dataclass(frozen=True)
class CleanPoint:
    """One point as a catch-up shows it: safe mrkdwn, and the people of the window it names."""

    text: str
    mentions: frozenset[str]


def sources_of(window: ChannelWindow) -> Sources:
    """The people (authors and those they mention), channels and permalinks of the window's human messages."""
    messages = human_messages(window)
    people = {message.user_id for message in messages if message.user_id}
    channels = {window.channel_id}
    links: set[str] = set()
    for message in messages:
        people |= mentioned_users(message.text)
        channels.update(_CHANNEL_ID.findall(message.text))
        links.add(message_link(window.url, window.team_id, window.channel_id, message.ts))
        if message.thread_ts:
            links.add(message_link(window.url, window.team_id, window.channel_id, message.ts, message.thread_ts))
    return Sources(people=frozenset(people), channels=frozenset(channels), links=frozenset(links))


def clean_point(line: str, sources: Sources, *, limit: int) -> CleanPoint | None:
    """A line of a model's answer as safe mrkdwn of about `limit` characters; None when it claims a decision."""
    parts: list[str] = []
    mentions: set[str] = set()
    position = 0
    for match in _TOKEN.finditer(line):
        parts.append(_plain(line[position : match.start()], sources))
        parts.append(_token(match.group(1), sources, mentions))
        position = match.end()
    parts.append(_plain(line[position:], sources))
    # Once more over the whole line: a removed token can join "@" to "channel" around it.
    text = collapse_whitespace(_BROADCAST_WORD.sub(r"\1", "".join(parts)).replace("```", " "))
    if not text or _claims_decision(text, sources):
        return None
    return CleanPoint(text=cut(text, limit), mentions=frozenset(mentions))


def _token(inner: str, sources: Sources, mentions: set[str]) -> str:
    """One bracketed token: kept when it names what the window holds, else plain words in its place."""
    if user := _USER.fullmatch(inner):
        if user.group(1) in sources.people:
            mentions.add(user.group(1))
            return f"<@{user.group(1)}>"
        return UNKNOWN_PERSON
    if channel := _CHANNEL.fullmatch(inner):
        if channel.group(1) in sources.channels:
            return f"<#{channel.group(1)}>"
        return escape(f"#{channel.group(2)}") if channel.group(2) else UNKNOWN_CHANNEL
    if inner.startswith("!"):
        # <!here>, <!channel>, <!everyone>, <!subteam^…>, <!date^…>: a model has no business pinging anyone.
        return ""
    if link := _LINK.fullmatch(inner):
        url, label = link.group(1), link.group(2)
        if url in sources.links:
            return f"<{escape(url)}|{escape(label.strip())}>" if label and label.strip() else f"<{escape(url)}>"
        return _plain(label, sources) if label and label.strip() else LINK_REMOVED
    # Not Slack markup (a model's "<b>" or "< 5 >"): shown as typed.
    return _plain(f"<{inner}>", sources)


def _plain(text: str, sources: Sources) -> str:
    """Plain text, escaped, with bare addresses that are not the window's permalinks taken out."""
    parts: list[str] = []
    position = 0
    for match in _BARE_LINK.finditer(text):
        address = match.group(0).rstrip(_TRAILING)
        parts.append(_words(text[position : match.start()]))
        parts.append(f"<{escape(address)}>" if address in sources.links else LINK_REMOVED)
        position = match.start() + len(address)
    parts.append(_words(text[position:]))
    return "".join(parts)


def _words(text: str) -> str:
    return escape(_BROADCAST_WORD.sub(r"\1", text))


def _claims_decision(text: str, sources: Sources) -> bool:
    """A point that says something was decided without starting with who said it (a question asks, not claims)."""
    if not _DECISION_WORDS.search(text) or text.rstrip("…").rstrip().endswith("?"):
        return False
    leading = _LEADING_MENTION.match(text)
    return leading is None or leading.group(1) not in sources.people
