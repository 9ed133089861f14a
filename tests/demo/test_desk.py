"""The demo's local Slack: Handoff's own WebClient calls, answered and recorded without a network."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from slack_sdk.errors import SlackApiError

from bot.clock import FixedClock
from demo.desk import UNSUPPORTED, Desk, DeskClient
from demo.world import ANA, BOT_USER_ID, CHANNELS, ENG, LEADS, PEOPLE, TEAM_URL

NOW = datetime(2026, 6, 9, 17, 0, tzinfo=UTC)


@pytest.fixture
def desk() -> Desk:
    return Desk(clock=FixedClock(NOW), people=PEOPLE, channels=CHANNELS)


def test_a_posted_message_is_recorded_and_found_in_the_history_by_its_metadata(desk: Desk) -> None:
    client = DeskClient(desk)
    channel = client.conversations_open(users=ANA.user_id)["channel"]["id"]
    first = client.chat_postMessage(
        channel=channel, text="hello", blocks=[{"type": "divider"}], metadata={"event_type": "x", "event_payload": {}}
    )
    second = client.chat_postMessage(channel=channel, text="again")
    # Two posts at one instant still get distinct, increasing timestamps, as in Slack.
    assert float(second["ts"]) > float(first["ts"])
    (posted, _) = desk.dms_to(ANA.user_id)
    assert (posted.text, posted.blocks, posted.metadata) == (
        "hello",
        ({"type": "divider"},),
        first["message"]["metadata"],
    )
    assert posted.at.replace(microsecond=0) == NOW
    history = client.conversations_history(channel=channel, limit=20, include_all_metadata=True)["messages"]
    assert [m["text"] for m in history] == ["again", "hello"]


def test_people_and_channels_are_described_as_slack_does(desk: Desk) -> None:
    client = DeskClient(desk)
    user = client.users_info(user=ANA.user_id)["user"]
    assert (user["tz"], user["tz_offset"], user["is_bot"]) == ("Europe/Berlin", 7200, False)
    assert client.users_info(user=BOT_USER_ID)["user"]["is_bot"] is True
    leads = client.conversations_info(channel=LEADS.channel_id)["channel"]
    assert leads["is_private"] is True and leads["name"] == "leads"
    assert BOT_USER_ID in client.conversations_members(channel=ENG.channel_id)["members"]
    assert client.auth_test()["url"] == TEAM_URL


def test_what_slack_would_refuse_is_refused_with_its_error(desk: Desk) -> None:
    client = DeskClient(desk)
    with pytest.raises(SlackApiError) as unknown_user:
        client.users_info(user="U0NOBODY")
    assert unknown_user.value.response["error"] == "user_not_found"
    with pytest.raises(SlackApiError) as unsupported:
        client.views_publish(user_id=ANA.user_id, view={"type": "home", "blocks": []})
    assert unsupported.value.response["error"] == UNSUPPORTED
    assert desk.unanswered == ["views.publish"]


def test_thread_replies_live_in_replies_not_in_the_channels_history(desk: Desk) -> None:
    client = DeskClient(desk)
    desk.add_message(ENG.channel_id, {"type": "message", "user": ANA.user_id, "text": "parent", "ts": "1.000001"})
    desk.add_message(
        ENG.channel_id,
        {"type": "message", "user": ANA.user_id, "text": "reply", "ts": "2.000001", "thread_ts": "1.000001"},
    )
    history = client.conversations_history(channel=ENG.channel_id, latest="1.000001", inclusive=True, limit=1)
    assert [m["text"] for m in history["messages"]] == ["parent"]
    replies = client.conversations_replies(channel=ENG.channel_id, ts="1.000001")
    assert [m["text"] for m in replies["messages"]] == ["parent", "reply"]
    link = client.chat_getPermalink(channel=ENG.channel_id, message_ts="2.000001")["permalink"]
    assert link == f"{TEAM_URL}archives/{ENG.channel_id}/p2000001"
