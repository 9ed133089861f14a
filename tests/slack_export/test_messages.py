"""Reading one message object of an export, and mapping folders onto channels (plain functions)."""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

from hypothesis import example, given
from hypothesis import strategies as st

from slack_export.directory import Directory, ExportChannel
from slack_export.layout import BEFORE_SINCE, NOT_A_DAY, UNKNOWN_FOLDER, lay_out
from slack_export.messages import NO_TS, NOT_A_MESSAGE, NOTICES, ODD_IDS, decision_logger, read_message
from store.channels import ChannelInfo

TS = "1772096400.000100"


def test_a_plain_message_becomes_what_the_live_path_stores() -> None:
    reading = read_message(
        "T1",
        "C1",
        {
            "type": "message",
            "user": "U1",
            "text": "Ship it",
            "ts": TS,
            "thread_ts": "1772096000.000100",
            "edited": {"user": "U1", "ts": "1772097000.000000"},
            "reactions": [{"name": "memo", "users": ["U2", "U3", "U2", 7], "count": 3}, {"name": 5, "users": []}],
        },
    )

    assert reading.skipped is None and reading.message is not None
    assert (reading.message.ts, reading.message.thread_ts, reading.message.text) == (TS, "1772096000.000100", "Ship it")
    assert reading.edited_at is not None and reading.edited_at.isoformat() == "2026-02-26T09:10:00+00:00"
    assert reading.reactions == (("memo", ("U2", "U3")),)


def test_subtypes_are_read_as_the_live_path_reads_them() -> None:
    def read(**fields: Any) -> Any:
        return read_message("T1", "C1", {"type": "message", "ts": TS, "text": "x", **fields})

    bot = read(subtype="bot_message", bot_id="B1").message
    join = read(subtype="channel_join", user="U1").message
    me = read(subtype="me_message", user="U1").message
    assert bot is not None and bot.is_bot and not bot.is_system
    assert join is not None and join.is_system
    assert me is not None and not me.is_system
    assert read(subtype="tombstone", user="USLACKBOT").tombstone
    assert read(subtype="message_changed").skipped == NOTICES
    assert read(subtype="message_replied").skipped == NOTICES
    assert read(user={"id": "U1"}).skipped == ODD_IDS
    assert read(user="U" * 40).skipped == ODD_IDS


def test_entries_that_are_not_messages_are_skipped_with_a_reason() -> None:
    assert read_message("T1", "C1", ["a list"]).skipped is not None
    assert read_message("T1", "C1", {"type": "message", "text": "no ts"}).skipped == NO_TS
    assert read_message("T1", "C1", {"type": "message", "ts": "yesterday"}).skipped == NO_TS
    assert read_message("T1", "C1", {"type": "message", "ts": "1e400"}).skipped == NO_TS
    assert read_message("T1", "C1", {"type": "file", "ts": TS}).skipped == NOT_A_MESSAGE


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=5),
    max_leaves=20,
)
MESSAGE_KEYS = st.sampled_from(["type", "ts", "user", "text", "subtype", "thread_ts", "edited", "reactions", "bot_id"])


@given(st.dictionaries(MESSAGE_KEYS, JSON, max_size=9) | JSON)
@example({"ts": 0, "subtype": []})
@example({"ts": "1700000000.000100", "subtype": {"name": "bot_message"}})
def test_any_json_is_read_or_skipped_never_raises(raw: Any) -> None:
    reading = read_message("T1", "C1", raw)
    assert (reading.skipped is None) == (reading.message is not None)
    if reading.message is not None:
        assert isinstance(reading.message.text, str) and len(reading.message.ts) <= 32


def test_the_first_to_react_with_a_decision_emoji_who_may_log_it_is_the_logger() -> None:
    reactions = (("+1", ("U9",)), ("memo", ("W1", "U2", "U3")), ("pushpin", ("U4",)))

    def logger(*emoji: str) -> str | None:
        return decision_logger(
            reactions, is_decision_emoji=lambda name: name in emoji, may_log=lambda user: user.startswith("U")
        )

    assert logger("memo") == "U2"
    assert logger("pushpin", "memo") == "U2"
    assert logger("pushpin") == "U4"
    assert logger("white_check_mark") is None


def _directory(*channels: tuple[str, str]) -> Directory:
    return Directory(
        export_team="T1",
        people=[],
        channels=[ExportChannel(info=ChannelInfo("T1", cid, name), members=()) for cid, name in channels],
        direct=frozenset({"D1", "mpdm-a--b-1"}),
        direct_count=2,
    )


def test_folders_named_by_channel_or_by_id_are_both_read_in_date_order() -> None:
    names = [
        "users.json",
        "general/2026-02-27.json",
        "general/2026-02-26.json",
        "C2/2026-02-27.json",
        "eng/2026-02-25.json",
        "general/notes.txt",
        "general/2026-02-31.json",
        "D1/2026-02-27.json",
        "mpdm-a--b-1/2026-02-27.json",
        "random/2026-02-27.json",
        "general/deeper/2026-02-27.json",
    ]

    layout = lay_out(names, _directory(("C1", "general"), ("C2", "eng")), since=None)

    assert [d.name for d in layout.days["C1"]] == ["general/2026-02-26.json", "general/2026-02-27.json"]
    # An export holding both kinds of folder for one channel: read both.
    assert [d.name for d in layout.days["C2"]] == ["eng/2026-02-25.json", "C2/2026-02-27.json"]
    assert layout.left_out == Counter({NOT_A_DAY: 2, UNKNOWN_FOLDER: 1})


def test_since_leaves_out_earlier_days() -> None:
    layout = lay_out(
        ["general/2026-02-26.json", "general/2026-02-27.json"],
        _directory(("C1", "general")),
        since=date(2026, 2, 27),
    )

    assert [d.day for d in layout.days["C1"]] == [date(2026, 2, 27)]
    assert layout.left_out == Counter({BEFORE_SINCE: 1})
