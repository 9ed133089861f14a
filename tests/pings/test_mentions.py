"""Which people a channel message mentions, and how the note to its sender reads."""

from __future__ import annotations

from datetime import UTC, datetime

from pings.mentions import MAX_MENTIONS, Away, Notice, mentioned_ids, notice_text

NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def test_mentions_are_read_in_order_once_each_without_the_sender() -> None:
    text = "<@U2|dana> and <@W3> — also <@U2>, cc <@U1> and <!here> <#C1|general>"
    assert mentioned_ids(text, "U1") == ["U2", "W3"]


def test_a_crowd_of_mentions_counts_as_an_announcement() -> None:
    crowd = " ".join(f"<@U{n:03d}>" for n in range(MAX_MENTIONS + 1))
    assert mentioned_ids(crowd, "U1") == []
    assert len(mentioned_ids(" ".join(f"<@U{n:03d}>" for n in range(MAX_MENTIONS)), "U1")) == MAX_MENTIONS


def test_several_people_off_are_listed_in_one_note_on_their_own_clocks() -> None:
    notice = Notice(
        channel_id="C1",
        thread_ts=None,
        sender_id="U1",
        away=(
            Away("U2", datetime(2026, 3, 2, 17, 0, tzinfo=UTC), "America/Los_Angeles", on_time_off=False),
            Away("U3", datetime(2026, 3, 2, 21, 30, tzinfo=UTC), "Asia/Kathmandu", on_time_off=False),
        ),
    )
    text = notice_text(notice, NOW)
    assert "• <@U2> is off until Mon 09:00 their time (in 9 h)" in text
    # Kathmandu is UTC+05:45: 21:30 UTC is 03:15 on Tuesday there.
    assert "• <@U3> is off until Tue 03:15 their time (in 13 h 30 min)" in text
    assert text.endswith("They'll see this in their morning catch-up.")
