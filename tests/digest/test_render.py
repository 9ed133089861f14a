"""The catch-up's DM and App Home blocks: order, wording, links, and Block Kit's limits for any catch-up."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from slack_sdk.models.blocks import Block

from digest.model import CATEGORIES, CatchUp, ChannelDigest, Item
from digest.mrkdwn import cut
from digest.render import (
    ALL_CAUGHT_UP,
    CHANNELS_TITLE,
    DECISIONS_TITLE,
    DM_CHARS,
    HOME_BLOCKS,
    LATE_NOTE,
    MESSAGE_BLOCKS,
    WAITING_TITLE,
    reading_minutes,
    render_dm,
    render_home,
)
from digest.stored import from_json, to_json

NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
HOME_URL = "slack://app?team=T1&id=A1&tab=home"
# In the DM the link's `&` is escaped, as in any mrkdwn.
HOME_LINK = "<slack://app?team=T1&amp;id=A1&amp;tab=home|Handoff App Home>"
# Slack's undocumented total for a message's blocks is about 12,000 characters (slackapi/bolt-js#2509).
MESSAGE_TEXT_TOTAL = 11_000
PROPERTY_SETTINGS = settings(max_examples=150, deadline=None)

# Every entry's text starts with a marker naming it, so a test can tell which entries are shown.
_MARKER = re.compile(r"\[(w|d|p)(\d+)(?:\.(\d+))?\]")
# Channels are named c<index>-…, so the heading of a channel without points can be found too.
_CHANNEL_NAME = re.compile(r"#c(\d+)-")
_TOKEN = re.compile(r"<[^<>]*>")
_STRAY_AMPERSAND = re.compile(r"&(?!amp;|lt;|gt;)")
_MORE_IN_HOME = re.compile(r"^…and ([\d,]+) more in your (.*)$")
_MORE_IN_VIEW = re.compile(r"^…and ([\d,]+) more that did not fit here\.$")


def catchup(**fields: Any) -> CatchUp:
    base: dict[str, Any] = {
        "team_id": "T1",
        "user_id": "U1",
        "tz": "Asia/Tokyo",
        "window_start": NOW - timedelta(hours=14),
        "window_end": NOW,
    }
    return CatchUp(**(base | fields))


def texts(blocks: list[dict[str, Any]]) -> list[str]:
    """Every mrkdwn or plain text in the blocks, in order."""
    found: list[str] = []
    for block in blocks:
        if "text" in block:
            found.append(block["text"]["text"])
        found.extend(element["text"] for element in block.get("elements", []))
    return found


def section_text(blocks: list[dict[str, Any]]) -> str:
    return "\n".join(block["text"]["text"] for block in blocks if block["type"] == "section")


def assert_valid_blocks(blocks: list[dict[str, Any]], *, max_blocks: int) -> None:
    """Blocks Slack would take: known types with their required fields, and every limit that applies."""
    assert 1 <= len(blocks) <= max_blocks, f"{len(blocks)} blocks"
    for block in blocks:
        parsed = Block.parse(block)
        assert parsed is not None, f"unknown block {block}"
        # to_dict() runs slack_sdk's validators (required fields, lengths, counts); the round trip
        # shows no field was unknown to it.
        assert parsed.to_dict() == block
        kind = block["type"]
        assert kind in {"header", "context", "section", "divider"}
        if kind == "header":
            assert block["text"]["type"] == "plain_text"
            assert 1 <= len(block["text"]["text"]) <= 150
        if kind == "section":
            assert block["text"]["type"] == "mrkdwn"
            assert 1 <= len(block["text"]["text"]) <= 3_000
        if kind == "context":
            assert 1 <= len(block["elements"]) <= 10
            assert all(1 <= len(element["text"]) <= 3_000 for element in block["elements"])
    for text in texts(blocks):
        assert_markup_whole(text)


def assert_markup_whole(text: str) -> None:
    """No half token: outside whole `<…>` tokens no bracket is left, and every `&` starts an escape."""
    rest = _TOKEN.sub("", text)
    assert "<" not in rest and ">" not in rest, f"a broken token in {text[:200]!r}"
    assert not _STRAY_AMPERSAND.search(text), f"a broken escape in {text[:200]!r}"


def assert_dm_limits(fallback: str, blocks: list[dict[str, Any]]) -> None:
    assert_valid_blocks(blocks, max_blocks=MESSAGE_BLOCKS)
    assert 0 < len(fallback) < 4_000
    assert sum(len(text) for text in texts(blocks)) <= MESSAGE_TEXT_TOTAL


def left_out(blocks: list[dict[str, Any]], pattern: re.Pattern[str]) -> int:
    """The N of the last "…and N more" line, 0 when there is none."""
    last = blocks[-1]
    if last["type"] != "context":
        return 0
    match = pattern.match(last["elements"][0]["text"])
    return int(match.group(1).replace(",", "")) if match else 0


@dataclass(frozen=True)
class Shown:
    """Which entries the blocks show, by marker and channel heading."""

    markers: list[tuple[str, int, int | None]]
    headings: list[int]


def shown(blocks: list[dict[str, Any]]) -> Shown:
    text = section_text(blocks)
    markers = [(kind, int(index), int(point) if point else None) for kind, index, point in _MARKER.findall(text)]
    return Shown(markers, [int(index) for index in _CHANNEL_NAME.findall(text)])


def entries(value: CatchUp) -> int:
    """The entries the "…and N more" line counts: items, channel points, channels without points."""
    return len(value.waiting) + len(value.decisions) + sum(max(1, len(c.points)) for c in value.channels)


def shown_entries(value: CatchUp, seen: Shown) -> int:
    pointless = {index for index, channel in enumerate(value.channels) if not channel.points}
    return len(seen.markers) + sum(1 for index in seen.headings if index in pointless)


def assert_counted_once(value: CatchUp, blocks: list[dict[str, Any]], more: int) -> None:
    """Each entry is shown at most once, and shown plus left out is every entry, exactly."""
    seen = shown(blocks)
    assert len(seen.markers) == len(set(seen.markers)), "an entry shown twice"
    assert len(seen.headings) == len(set(seen.headings)), "a channel shown twice"
    assert shown_entries(value, seen) + more == entries(value)
    # Sections are cut at their tail: what is shown of each is a prefix of it.
    for kind, items in (("w", value.waiting), ("d", value.decisions)):
        indexes = [index for marker_kind, index, _ in seen.markers if marker_kind == kind]
        assert indexes == list(range(len(indexes))), f"{kind} is not a prefix"
        assert len(indexes) <= len(items)
    points = [(index, point) for kind, index, point in seen.markers if kind == "p"]
    expected = [(index, point) for index, channel in enumerate(value.channels) for point in grouped_order(channel)]
    assert points == expected[: len(points)], "channel points are not a prefix"
    # A point is never shown without its channel's heading.
    assert {index for index, _ in points} <= set(seen.headings)


def assert_sections_in_order(text: str, titles: list[str]) -> None:
    positions = [text.index(title) for title in titles]
    assert positions == sorted(positions)


def point(channel: int, index: int, text: str = "A point", link: str | None = None, group: str | None = None) -> Item:
    """A channel's point, marked `[p<channel>.<index>]`."""
    return Item(f"[p{channel}.{index}] {text}", link, group)


def grouped_order(channel: ChannelDigest) -> list[int]:
    """The order a channel's points are shown in: by group (Decided … Changes, then the rest) when grouped."""
    indexes = list(range(len(channel.points)))
    if len(indexes) < 2 or not any(item.group in CATEGORIES for item in channel.points):
        return indexes
    rank = {group: n for n, group in enumerate(CATEGORIES)}
    return sorted(indexes, key=lambda n: rank.get(channel.points[n].group or "", len(rank)))


def small() -> CatchUp:
    return catchup(
        waiting=(
            Item("[w0] <@U2> asked you to review the rollout plan", "https://acme.slack.com/archives/C1/p100"),
            Item("[w1] A held ping from <@U3>: the budget &amp; the dates", "https://acme.slack.com/archives/D1/p101"),
        ),
        decisions=(Item("[d0] Deploys move to Thursdays (was Fridays)", "https://acme.slack.com/archives/C2/p102"),),
        channels=(
            ChannelDigest(
                "C1",
                "c0-eng",
                42,
                (point(0, 0, "Release 1.4 shipped", "https://acme.slack.com/archives/C1/p103"), point(0, 1)),
                link="https://acme.slack.com/archives/C1",
            ),
            ChannelDigest("C3", "c1-random", 1, ()),
        ),
    )


def test_dm_shows_waiting_then_decisions_then_channels() -> None:
    fallback, blocks = render_dm(small(), home_url=HOME_URL, now=NOW)

    assert_dm_limits(fallback, blocks)
    assert [block["type"] for block in blocks[:2]] == ["header", "context"]
    assert_sections_in_order(section_text(blocks), [WAITING_TITLE, DECISIONS_TITLE, CHANNELS_TITLE])
    assert "*<https://acme.slack.com/archives/C1|#c0-eng>* · 42 messages" in section_text(blocks)
    assert "*#c1-random* · 1 message" in section_text(blocks)
    assert fallback == "Your catch-up: 2 waiting on you, 1 decision or change, 2 channels."


def test_a_channel_a_model_summarized_says_so_in_its_heading() -> None:
    generated = ChannelDigest("C1", "c0-eng", 3, (point(0, 0),), generated_by="gpt-4o_mini*")
    quoted = ChannelDigest("C2", "c1-ops", 2, (point(1, 0),))

    _, blocks = render_dm(catchup(channels=(generated, quoted)), home_url=HOME_URL, now=NOW)

    text = section_text(blocks)
    # The name's own formatting marks are dropped, so the label's italics hold.
    assert "*#c0-eng* · 3 messages · _summary generated by gpt-4omini_" in text
    assert "*#c1-ops* · 2 messages\n" in text
    assert render_home(catchup(channels=(generated,)), now=NOW) == render_home(
        from_json(to_json(catchup(channels=(generated,)))), now=NOW
    )


def test_home_shows_the_same_sections_in_the_same_order() -> None:
    blocks = render_home(small(), now=NOW)

    assert_valid_blocks(blocks, max_blocks=HOME_BLOCKS)
    assert_sections_in_order(section_text(blocks), [WAITING_TITLE, DECISIONS_TITLE, CHANNELS_TITLE])
    assert blocks[1]["elements"][1]["text"].startswith(f"Updated <!date^{int(NOW.timestamp())}^")


def test_empty_sections_are_left_out() -> None:
    _, blocks = render_dm(catchup(decisions=(Item("[d0] Decided"),)), home_url=HOME_URL, now=NOW)

    text = section_text(blocks)
    assert DECISIONS_TITLE in text
    assert WAITING_TITLE not in text and CHANNELS_TITLE not in text
    assert [block["type"] for block in blocks] == ["header", "context", "section"]


def test_an_empty_catchup_says_all_caught_up() -> None:
    empty = catchup()
    fallback, blocks = render_dm(empty, home_url=HOME_URL, now=NOW)

    assert_dm_limits(fallback, blocks)
    assert section_text(blocks) == ALL_CAUGHT_UP
    assert fallback == ALL_CAUGHT_UP
    assert section_text(render_home(empty, now=NOW)) == ALL_CAUGHT_UP


def test_a_late_catchup_says_so_calmly_at_the_top() -> None:
    fallback, blocks = render_dm(catchup(waiting=(Item("[w0] x"),), late=True), home_url=HOME_URL, now=NOW)

    assert blocks[1]["elements"][0]["text"] == LATE_NOTE
    assert fallback.endswith(LATE_NOTE)
    _, on_time = render_dm(catchup(waiting=(Item("[w0] x"),)), home_url=HOME_URL, now=NOW)
    assert LATE_NOTE not in " ".join(texts(on_time))


def test_the_window_is_shown_as_date_tokens_with_utc_fallbacks() -> None:
    tokyo = ZoneInfo("Asia/Tokyo")
    start = datetime(2026, 3, 1, 19, 30, tzinfo=tokyo)
    end = datetime(2026, 3, 2, 9, 0, tzinfo=tokyo)
    _, blocks = render_dm(catchup(window_start=start, window_end=end), home_url=HOME_URL, now=NOW)

    window = blocks[1]["elements"][-1]["text"]
    assert f"<!date^{int(start.timestamp())}^{{date_short_pretty}} {{time}}|2026-03-01 10:30 UTC>" in window
    assert f"<!date^{int(end.timestamp())}^{{date_short_pretty}} {{time}}|2026-03-02 00:00 UTC>" in window


def test_every_link_appears_in_the_dm_and_in_home() -> None:
    value = small()
    links = [item.link for item in (*value.waiting, *value.decisions) if item.link]
    links += [channel.link for channel in value.channels if channel.link]
    links += [p.link for channel in value.channels for p in channel.points if p.link]
    _, dm = render_dm(value, home_url=HOME_URL, now=NOW)
    home = render_home(value, now=NOW)

    for found in (section_text(dm), section_text(home)):
        for url in links:
            assert f"<{url}|" in found


def test_a_link_is_escaped_and_cannot_end_its_token_early() -> None:
    value = catchup(waiting=(Item("[w0] x", "https://example.com/a?b=1&c=<2>|3"),))
    _, blocks = render_dm(value, home_url=HOME_URL, now=NOW)

    assert "<https://example.com/a?b=1&amp;c=&lt;2&gt;%7C3|open>" in section_text(blocks)


def grouped_channel(count: int, groups: list[str | None]) -> CatchUp:
    return catchup(
        channels=(
            ChannelDigest(
                "C1",
                "c0-eng",
                count,
                tuple(
                    point(0, n, f"point {n}", f"https://acme.slack.com/archives/C1/p{n}", group)
                    for n, group in enumerate(groups)
                ),
            ),
        )
    )


def test_several_points_are_grouped_under_what_they_are_and_the_rest_only_counted() -> None:
    groups = ["question", "decided", None, "incident", "decided", "blocked", "change"]
    value = grouped_channel(60, groups)

    fallback, blocks = render_dm(value, home_url=HOME_URL, now=NOW)

    assert_dm_limits(fallback, blocks)
    lines = section_text(blocks).splitlines()
    assert [line.split(" · ")[0] for line in lines] == [
        CHANNELS_TITLE,
        "*#c0-eng*",
        "_Decided_",
        "• [p0.1] point 1",
        "• [p0.4] point 4",
        "_Blocked_",
        "• [p0.5] point 5",
        "_Incidents_",
        "• [p0.3] point 3",
        "_Questions_",
        "• [p0.0] point 0",
        "_Changes_",
        "• [p0.6] point 6",
        "_Also_",
        "• [p0.2] point 2",
        # Chatter, routine and whatever else the summary left out: a count, never a quote.
        "_…and 53 other messages_",
    ]
    assert_counted_once(value, blocks, left_out(blocks, _MORE_IN_HOME))
    home = render_home(value, now=NOW)
    assert "_Decided_" in section_text(home) and "_…and 53 other messages_" in section_text(home)


@pytest.mark.parametrize("groups", [["incident"], [None, None, None]])
def test_one_point_or_points_without_groups_are_a_plain_list(groups: list[str | None]) -> None:
    _, blocks = render_dm(grouped_channel(len(groups), groups), home_url=HOME_URL, now=NOW)

    text = section_text(blocks)
    assert not any(
        f"_{label}_" in text for label in ("Decided", "Blocked", "Incidents", "Questions", "Changes", "Also")
    )
    # Every message of the channel is quoted: nothing else to count.
    assert "other message" not in text


def test_a_channel_of_nothing_but_chatter_is_its_heading_and_count() -> None:
    value = catchup(channels=(ChannelDigest("C1", "c0-random", 60, ()),))

    _, blocks = render_dm(value, home_url=HOME_URL, now=NOW)

    assert section_text(blocks).splitlines() == [CHANNELS_TITLE, "*#c0-random* · 60 messages"]


def test_reading_time_is_the_dms_words_at_200_a_minute() -> None:
    words = " ".join(["word"] * 40)
    value = catchup(waiting=tuple(Item(words) for _ in range(15)))
    _, blocks = render_dm(value, home_url=HOME_URL, now=NOW)

    # 600 words of items and 3 of the title: about 3 minutes.
    assert reading_minutes(value) == 3
    assert blocks[0]["text"]["text"] == "Your catch-up · about 3 min read"
    assert reading_minutes(catchup(waiting=(Item("[w0] hi"),))) == 1
    assert reading_minutes(catchup()) == 1


FILLER = "&lt;script&gt; <@U123> said &amp; <#C1|general> asked <https://acme.slack.com/x|a link> ok "


def huge() -> CatchUp:
    text = (FILLER * 60)[:5_000]
    return catchup(
        waiting=tuple(Item(f"[w{i}] {text}", f"https://acme.slack.com/archives/C1/p{i}") for i in range(1_000)),
        decisions=tuple(Item(f"[d{i}] {text}", f"https://acme.slack.com/archives/C2/p{i}") for i in range(1_000)),
        channels=tuple(
            ChannelDigest(
                f"C{c}",
                f"c{c}-{'x' * 200}",
                10_000 + c,
                tuple(point(c, p, text, f"https://acme.slack.com/archives/C{c}/p{p}") for p in range(5)),
                link=f"https://acme.slack.com/archives/C{c}",
            )
            for c in range(300)
        ),
        late=True,
    )


def test_a_huge_catchup_keeps_every_limit_and_counts_what_is_left_for_app_home() -> None:
    value = huge()
    fallback, blocks = render_dm(value, home_url=HOME_URL, now=NOW)

    assert_dm_limits(fallback, blocks)
    more = left_out(blocks, _MORE_IN_HOME)
    assert blocks[-1]["elements"][0]["text"] == f"…and {more:,} more in your {HOME_LINK}"
    assert_counted_once(value, blocks, more)
    assert more > 3_000
    # Waiting comes first, but the later sections still show their first entries.
    assert_sections_in_order(section_text(blocks), [WAITING_TITLE, DECISIONS_TITLE, CHANNELS_TITLE])
    assert "[d0]" in section_text(blocks) and "[p0.0]" in section_text(blocks)


def test_a_huge_catchup_fits_app_home_and_says_how_many_did_not() -> None:
    value = huge()
    blocks = render_home(value, now=NOW)

    assert_valid_blocks(blocks, max_blocks=HOME_BLOCKS)
    more = left_out(blocks, _MORE_IN_VIEW)
    assert more > 0
    assert_counted_once(value, blocks, more)


def test_a_catchup_that_fits_has_no_more_line() -> None:
    _, blocks = render_dm(small(), home_url=HOME_URL, now=NOW)

    assert "more in your" not in " ".join(texts(blocks))
    assert_counted_once(small(), blocks, 0)


def test_a_long_entry_is_cut_with_an_ellipsis_and_keeps_its_link() -> None:
    value = catchup(waiting=(Item(f"[w0] {FILLER * 100}", "https://acme.slack.com/archives/C1/p1"),))
    _, blocks = render_dm(value, home_url=HOME_URL, now=NOW)

    line = section_text(blocks).splitlines()[1]
    assert line.endswith("… · <https://acme.slack.com/archives/C1/p1|open>")
    assert_markup_whole(line)


# Random catch-ups: texts made of Slack's markup atoms, so any cut could land inside one.
ATOMS = st.sampled_from(
    ["word", "ok", " ", " ", "\n", "&lt;", "&gt;", "&amp;", "<@U123>", "<#C9|general>", "<https://a.b/c|see>", "é", "*"]
)
TEXTS = st.lists(ATOMS, max_size=400).map("".join)
LINKS = st.one_of(
    st.none(),
    st.just("https://acme.slack.com/archives/C1/p1"),
    st.just("https://x.y/?a=1&b=<2>|3"),
    st.just("https://x.y/" + "a" * 3_000),
)
NAMES = st.text(alphabet="abc-_&<>", max_size=120)
GROUPS = st.sampled_from([None, *CATEGORIES])


@st.composite
def catchups(draw: st.DrawFn) -> CatchUp:
    def items(kind: str, count: int) -> tuple[Item, ...]:
        return tuple(Item(f"[{kind}{i}] {draw(TEXTS)}", draw(LINKS)) for i in range(count))

    channels = tuple(
        ChannelDigest(
            f"C{c}",
            f"c{c}-{draw(NAMES)}",
            draw(st.integers(0, 10**6)),
            tuple(point(c, p, draw(TEXTS), draw(LINKS), draw(GROUPS)) for p in range(draw(st.integers(0, 8)))),
            link=draw(LINKS),
        )
        for c in range(draw(st.integers(0, 30)))
    )
    return catchup(
        waiting=items("w", draw(st.integers(0, 60))),
        decisions=items("d", draw(st.integers(0, 60))),
        channels=channels,
        late=draw(st.booleans()),
    )


@PROPERTY_SETTINGS
@given(catchups())
def test_any_dm_keeps_slacks_limits_and_counts_every_entry_once(value: CatchUp) -> None:
    fallback, blocks = render_dm(value, home_url=HOME_URL, now=NOW)

    assert_dm_limits(fallback, blocks)
    more = left_out(blocks, _MORE_IN_HOME)
    assert_counted_once(value, blocks, more)
    # Every word takes at least two characters (one and a space) of the DM's sections.
    assert 1 <= reading_minutes(value) <= DM_CHARS // 2 // 200 + 1


@PROPERTY_SETTINGS
@given(catchups())
def test_any_home_keeps_its_limits_and_counts_every_entry_once(value: CatchUp) -> None:
    blocks = render_home(value, now=NOW)

    assert_valid_blocks(blocks, max_blocks=HOME_BLOCKS)
    assert_counted_once(value, blocks, left_out(blocks, _MORE_IN_VIEW))


@PROPERTY_SETTINGS
@given(TEXTS, st.integers(1, 500))
def test_a_cut_never_splits_a_token_or_an_escape(text: str, limit: int) -> None:
    result = cut(text, limit)

    assert len(result) <= limit
    assert_markup_whole(result)
    if result != text:
        assert result.endswith("…")
        assert text.startswith(result.removesuffix("…"))
