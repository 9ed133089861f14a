"""Slack mrkdwn as a terminal shows it: *bold*, _italic_, ~strike~, `code`, and tokens by their labels.

Slack renders `<@U1>` as the person's name, `<#C1>` as the channel's, `<url|label>` as a link
labelled `label` and `<!date^…|fallback>` in the reader's own time zone. The same here: names come
from a directory, dates are shown on the reader's clock when their zone is known, and links keep
their URL as a terminal hyperlink.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from rich.emoji import Emoji
from rich.style import Style
from rich.text import Text

from hours.phrases import DAY_NAMES, MONTH_NAMES

_TOKEN = re.compile(r"<([^<>]*)>")
# Slack's emphasis: the marker hugs a word on each side, and is not inside a word.
_EMPHASIS = (
    (re.compile(r"(?<![\w`])`([^`\n]+)`(?![\w`])"), Style(color="magenta")),
    (re.compile(r"(?<![\w*])\*(?=\S)([^*\n]*?\S)\*(?![\w*])"), Style(bold=True)),
    (re.compile(r"(?<![\w~])~(?=\S)([^~\n]*?\S)~(?![\w~])"), Style(strike=True, dim=True)),
    (re.compile(r"(?<![\w_])_(?=\S)([^_\n]*?\S)_(?![\w_])"), Style(italic=True)),
)
# A token stands in the flattened text as one private-use character, so emphasis can span it.
_PLACEHOLDER = 0xE000
_NAME_STYLE = Style(color="cyan")


@dataclass(frozen=True)
class _Shown:
    """What a token shows, and its link when it has one."""

    text: str
    style: Style


def to_text(mrkdwn: str, *, names: Mapping[str, str], tz: str | None = None) -> Text:
    """A rich Text of Slack mrkdwn; `names` maps user and channel ids to names, `tz` is the reader's zone."""
    shown: list[_Shown] = []
    flat: list[str] = []
    position = 0
    for match in _TOKEN.finditer(mrkdwn):
        flat.append(_plain(mrkdwn[position : match.start()]))
        shown.append(_token(match.group(1), names=names, tz=tz))
        flat.append(chr(_PLACEHOLDER + len(shown) - 1))
        position = match.end()
    flat.append(_plain(mrkdwn[position:]))
    source = "".join(flat)
    styles: list[Style | None] = [None] * len(source)
    markers: set[int] = set()
    for pattern, style in _EMPHASIS:
        for match in pattern.finditer(source):
            if match.start() in markers or match.end() - 1 in markers:
                continue
            markers.update((match.start(), match.end() - 1))
            for index in range(match.start(1), match.end(1)):
                current = styles[index]
                styles[index] = style if current is None else current + style
    runs: list[tuple[str, Style]] = []
    for index, char in enumerate(source):
        if index in markers:
            continue
        style = styles[index] or Style()
        if _PLACEHOLDER <= ord(char) < _PLACEHOLDER + len(shown):
            token = shown[ord(char) - _PLACEHOLDER]
            runs.append((token.text, style + token.style))
        elif runs and runs[-1][1] == style and not runs[-1][1].link:
            runs[-1] = (runs[-1][0] + char, style)
        else:
            runs.append((char, style))
    text = Text()
    for part, style in runs:
        text.append(part, style or None)
    return text


def _plain(text: str) -> str:
    # Slack escapes only &, < and >; emoji shortcodes are drawn as the emoji.
    return Emoji.replace(html.unescape(text)) if text else ""


def _token(body: str, *, names: Mapping[str, str], tz: str | None) -> _Shown:
    target, _, label = (html.unescape(part) for part in body.partition("|"))
    if target.startswith("@"):
        user_id = target[1:]
        return _Shown("@" + (names.get(user_id) or label or user_id), _NAME_STYLE)
    if target.startswith("#"):
        channel_id = target[1:]
        return _Shown("#" + (names.get(channel_id) or label or channel_id), _NAME_STYLE)
    if target.startswith("!date^"):
        return _Shown(_date(target, label, tz), Style())
    if target.startswith("!"):
        special = target[1:].split("^", 1)[0]
        return _Shown(label or f"@{special}", _NAME_STYLE)
    return _Shown(label or target, Style(underline=True, link=target))


def _date(target: str, fallback: str, tz: str | None) -> str:
    """A date token on the reader's clock ("Wed 10 Jun 09:00"); its fallback text when that cannot be."""
    parts = target.split("^")
    if tz is None or len(parts) < 2 or not parts[1].isdigit():
        return fallback or parts[-1]
    return wall_clock(datetime.fromtimestamp(int(parts[1]), UTC), tz)


def wall_clock(instant: datetime, tz: str) -> str:
    """An instant on a zone's clock, with its day: "Wed 10 Jun 09:00"."""
    local = instant.astimezone(ZoneInfo(tz))
    return f"{DAY_NAMES[local.weekday()]} {local.day} {MONTH_NAMES[local.month - 1]} {local:%H:%M}"
