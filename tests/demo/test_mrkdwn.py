"""Slack mrkdwn drawn for a terminal: emphasis kept as styles, tokens shown as what Slack shows."""

from __future__ import annotations

from datetime import UTC, datetime

from rich.style import Style
from rich.text import Text

from demo.mrkdwn import to_text

NAMES = {"U1": "Dana Reyes", "C1": "eng"}


def _styled(text: Text, part: str) -> Style:
    """The style over the characters of `part` (the first time it appears)."""
    start = text.plain.index(part)
    style = Style()
    for span in text.spans:
        if span.start <= start and start + len(part) <= span.end:
            style += span.style if isinstance(span.style, Style) else Style.parse(span.style)
    return style


def test_emphasis_markers_become_styles_and_disappear() -> None:
    text = to_text("~old~ → *new* _maybe_ `code`", names=NAMES)
    assert text.plain == "old → new maybe code"
    assert _styled(text, "old").strike
    assert _styled(text, "new").bold
    assert _styled(text, "maybe").italic
    assert not _styled(text, "→").bold


def test_tokens_show_names_labels_and_local_dates() -> None:
    midnight_utc = int(datetime(2026, 6, 10, 0, 0, tzinfo=UTC).timestamp())
    raw = (
        f"<@U1> in <#C1> · <https://x.example/a?b=1&amp;c=2|open> · "
        f"<!date^{midnight_utc}^{{date_short_pretty}} {{time}}|2026-06-10 00:00 UTC> · <@U9|sam> <!here>"
    )
    text = to_text(raw, names=NAMES, tz="Asia/Tokyo")
    assert text.plain == "@Dana Reyes in #eng · open · Wed 10 Jun 09:00 · @sam @here"
    assert _styled(text, "open").link == "https://x.example/a?b=1&c=2"
    assert to_text(raw, names=NAMES).plain.endswith("· 2026-06-10 00:00 UTC · @sam @here")


def test_emphasis_can_wrap_a_token() -> None:
    text = to_text("*<https://x.example|#eng>* · 3 messages", names=NAMES)
    assert text.plain == "#eng · 3 messages"
    assert _styled(text, "#eng").bold and not _styled(text, "3 messages").bold


def test_escaped_text_stays_text() -> None:
    text = to_text("a &lt;@U1&gt; b &amp; c 2*3*4 snake_case_name", names=NAMES)
    assert text.plain == "a <@U1> b & c 2*3*4 snake_case_name"
    assert not _styled(text, "3").bold and not _styled(text, "case").italic
