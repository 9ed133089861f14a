"""Tests of the fake Slack Web API, driven through the real slack_sdk WebClient."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.webhook import WebhookClient

from tests.fakes.slack_api import FakeSlack

SUMMER = datetime(2024, 7, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    """A started fake with two teams; T1 has a public channel the bot is in."""
    fake = FakeSlack(clock=lambda: SUMMER)
    fake.add_team("T1", name="Acme", bot_token="xoxb-t1")
    fake.add_team("T2", name="Globex", bot_token="xoxb-t2", bot_user_id="UBOT2", bot_id="BBOT2")
    fake.add_user("T1", "U1", name="ann", real_name="Ann Lee")
    fake.add_user("T1", "U2", name="bo", real_name="Bo Kim", tz="America/New_York")
    fake.add_user("T1", "U3", name="cy", tz=None)
    fake.add_user("T1", "U4", name="di", deleted=True)
    fake.add_user("T2", "V1", name="vic")
    fake.add_channel("T1", "C1", name="general", members=["UBOT", "U1", "U2", "U3", "U4"])
    fake.add_channel("T1", "CPRIV", name="secret", is_private=True, members=["U1"])
    fake.add_channel("T1", "CPUB", name="random", members=["U1"])
    fake.add_channel("T2", "C2", name="globex", members=["UBOT2", "V1"])
    fake.start()
    yield fake
    fake.stop()
    assert fake.server_errors == []


@pytest.fixture
def client(slack: FakeSlack) -> WebClient:
    return WebClient(base_url=slack.url, token="xoxb-t1")


def _error_of(call: Any) -> SlackApiError:
    with pytest.raises(SlackApiError) as info:
        call()
    return info.value


def test_url_has_trailing_slash_and_loopback(slack: FakeSlack) -> None:
    assert slack.url.startswith("http://127.0.0.1:")
    assert slack.url.endswith("/api/")


def test_post_message_then_read_back_via_history(slack: FakeSlack, client: WebClient) -> None:
    first = client.chat_postMessage(channel="C1", text="first")
    second = client.chat_postMessage(channel="C1", text="second")
    reply = client.chat_postMessage(channel="C1", text="in thread", thread_ts=first["ts"])

    assert first["ok"] is True
    assert first["channel"] == "C1"
    assert first["ts"] == "1700000000.000100"
    assert first["ts"] < second["ts"] < reply["ts"]
    assert first["message"]["bot_id"] == "BBOT"
    assert first["message"]["user"] == "UBOT"
    assert reply["message"]["thread_ts"] == first["ts"]

    history = client.conversations_history(channel="C1")
    assert [m["text"] for m in history["messages"]] == ["second", "first"]  # newest first, no replies
    parent = history["messages"][1]
    assert parent["reply_count"] == 1
    assert parent["latest_reply"] == reply["ts"]
    assert parent["thread_ts"] == first["ts"]
    assert history["has_more"] is False
    assert history["response_metadata"]["next_cursor"] == ""

    assert [m["text"] for m in slack.posted_messages()] == ["first", "second", "in thread"]
    assert slack.posted_messages("C1")[0]["channel"] == "C1"
    assert slack.posted_messages("CX") == []


def test_history_window_inclusive_and_cursor(slack: FakeSlack, client: WebClient) -> None:
    for i in range(1, 6):
        slack.add_message("C1", ts=f"1600000000.00000{i}", user="U1", text=f"m{i}")

    window = client.conversations_history(channel="C1", oldest="1600000000.000002", latest="1600000000.000004")
    assert [m["text"] for m in window["messages"]] == ["m3"]
    inclusive = client.conversations_history(
        channel="C1", oldest="1600000000.000002", latest="1600000000.000004", inclusive=True
    )
    assert [m["text"] for m in inclusive["messages"]] == ["m4", "m3", "m2"]

    seen: list[str] = []
    cursor = None
    while True:
        page = client.conversations_history(channel="C1", limit=2, cursor=cursor)
        seen += [m["text"] for m in page["messages"]]
        cursor = page["response_metadata"]["next_cursor"]
        assert page["has_more"] is bool(cursor)
        if not cursor:
            break
    assert seen == ["m5", "m4", "m3", "m2", "m1"]


def test_metadata_only_with_include_all_metadata(client: WebClient) -> None:
    metadata = {"event_type": "decision_logged", "event_payload": {"decision_id": 7}}
    client.chat_postMessage(channel="C1", text="decided", metadata=metadata)
    assert "metadata" not in client.conversations_history(channel="C1")["messages"][0]
    with_meta = client.conversations_history(channel="C1", include_all_metadata=True)
    assert with_meta["messages"][0]["metadata"] == metadata
    bad = _error_of(lambda: client.chat_postMessage(channel="C1", text="x", metadata={"event_type": "x"}))
    assert bad.response["error"] == "invalid_metadata_format"


def test_replies_parent_first_then_replies_in_ts_order(slack: FakeSlack, client: WebClient) -> None:
    slack.add_message("C1", ts="1600000000.000100", user="U1", text="parent")
    slack.add_message("C1", ts="1600000000.000300", user="U2", text="r2", thread_ts="1600000000.000100")
    slack.add_message("C1", ts="1600000000.000200", user="U1", text="r1", thread_ts="1600000000.000100")

    replies = client.conversations_replies(channel="C1", ts="1600000000.000100")
    assert [m["text"] for m in replies["messages"]] == ["parent", "r1", "r2"]
    assert replies["messages"][0]["reply_users"] == ["U1", "U2"]
    assert replies["messages"][1]["parent_user_id"] == "U1"

    paged = client.conversations_replies(channel="C1", ts="1600000000.000100", limit=2)
    assert [m["text"] for m in paged["messages"]] == ["parent", "r1"]
    rest = client.conversations_replies(
        channel="C1", ts="1600000000.000100", limit=2, cursor=paged["response_metadata"]["next_cursor"]
    )
    assert [m["text"] for m in rest["messages"]] == ["r2"]
    assert rest["has_more"] is False

    # A reply to a reply is re-rooted at the parent, like Slack does.
    posted = client.chat_postMessage(channel="C1", text="r3", thread_ts="1600000000.000300")
    assert posted["message"]["thread_ts"] == "1600000000.000100"
    missing = _error_of(lambda: client.conversations_replies(channel="C1", ts="1.000000"))
    assert missing.response["error"] == "thread_not_found"


def test_members_pagination_with_limit_2(client: WebClient) -> None:
    pages: list[list[str]] = []
    cursor = None
    while True:
        page = client.conversations_members(channel="C1", limit=2, cursor=cursor)
        pages.append(page["members"])
        cursor = page["response_metadata"]["next_cursor"]
        if not cursor:
            break
    assert pages == [["UBOT", "U1"], ["U2", "U3"], ["U4"]]

    # slack_sdk's built-in iteration follows response_metadata.next_cursor too.
    iterated = [m for resp in client.conversations_members(channel="C1", limit=2) for m in resp["members"]]
    assert iterated == ["UBOT", "U1", "U2", "U3", "U4"]


def test_users_list_pagination(client: WebClient) -> None:
    first = client.users_list(limit=3)
    assert [u["id"] for u in first["members"]] == ["UBOT", "U1", "U2"]
    second = client.users_list(limit=3, cursor=first["response_metadata"]["next_cursor"])
    assert [u["id"] for u in second["members"]] == ["U3", "U4"]
    assert second["response_metadata"]["next_cursor"] == ""
    bad = _error_of(lambda: client.users_list(cursor="bm9wZQ=="))
    assert bad.response["error"] == "invalid_cursor"


def test_429_surfaces_as_slack_api_error_without_retry_handler(slack: FakeSlack, client: WebClient) -> None:
    slack.fail_next("chat.postMessage", status=429, retry_after=0)

    err = _error_of(lambda: client.chat_postMessage(channel="C1", text="hi"))
    assert err.response.status_code == 429
    assert err.response.headers["Retry-After"] == "0"
    assert err.response["error"] == "ratelimited"
    assert slack.posted_messages() == []  # faulted calls have no side effects
    assert [c.http_status for c in slack.calls_to("chat.postMessage")] == [429]

    assert client.chat_postMessage(channel="C1", text="hi")["ok"] is True


def test_rate_limit_retry_handler_recovers(slack: FakeSlack, monkeypatch: pytest.MonkeyPatch) -> None:
    # The handler sleeps Retry-After + random jitter (< 1s); record instead of waiting.
    sleeps: list[float] = []
    monkeypatch.setattr(time, "sleep", sleeps.append)
    slack.fail_next("chat.postMessage", status=429, retry_after=0)
    client = WebClient(
        base_url=slack.url, token="xoxb-t1", retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=1)]
    )

    response = client.chat_postMessage(channel="C1", text="eventually")

    assert response["ok"] is True
    assert [c.http_status for c in slack.calls_to("chat.postMessage")] == [429, 200]
    assert len(sleeps) == 1
    assert 0 <= sleeps[0] < 1
    assert [m["text"] for m in slack.posted_messages()] == ["eventually"]


def test_injected_errors_and_server_failures(slack: FakeSlack, client: WebClient) -> None:
    slack.fail_next("users.info", error="user_not_found")
    err = _error_of(lambda: client.users_info(user="U1"))
    assert err.response.status_code == 200
    assert err.response["error"] == "user_not_found"
    assert client.users_info(user="U1")["user"]["id"] == "U1"

    slack.fail_next("chat.postMessage", status=503, times=2)
    for _ in range(2):
        err = _error_of(lambda: client.chat_postMessage(channel="C1", text="x"))
        assert err.response.status_code == 503
        assert err.response["error"] == "service_unavailable"
    assert client.chat_postMessage(channel="C1", text="x")["ok"] is True

    slack.fail_next("*", error="fatal_error")
    assert _error_of(client.auth_test).response["error"] == "fatal_error"


def test_unknown_method_is_http_200_unknown_method(slack: FakeSlack, client: WebClient) -> None:
    err = _error_of(lambda: client.api_call("nope.nothing"))
    assert err.response.status_code == 200
    assert err.response["error"] == "unknown_method"
    assert slack.calls_to("nope.nothing")[0].http_status == 200


def test_invalid_revoked_and_missing_tokens(slack: FakeSlack) -> None:
    bogus = WebClient(base_url=slack.url, token="xoxb-bogus")
    assert _error_of(bogus.auth_test).response["error"] == "invalid_auth"

    slack.revoke_token("xoxb-t2")
    revoked = WebClient(base_url=slack.url, token="xoxb-t2")
    assert _error_of(revoked.auth_test).response["error"] == "token_revoked"

    anonymous = WebClient(base_url=slack.url)
    assert _error_of(anonymous.auth_test).response["error"] == "not_authed"
    assert slack.calls_to("auth.test")[0].token == "xoxb-bogus"


def test_auth_test_shape_and_enterprise(slack: FakeSlack, client: WebClient) -> None:
    auth = client.auth_test()
    assert auth.data == {
        "ok": True,
        "url": "https://acme.slack.com/",
        "team": "Acme",
        "user": "handoff",
        "team_id": "T1",
        "user_id": "UBOT",
        "bot_id": "BBOT",
        "is_enterprise_install": False,
    }
    slack.add_team("T9", name="Grid Co", bot_token="xoxb-t9", bot_user_id="UB9", enterprise_id="E1")
    grid = WebClient(base_url=slack.url, token="xoxb-t9").auth_test()
    assert grid["enterprise_id"] == "E1"
    assert grid["url"] == "https://gridco.slack.com/"


def test_channel_visibility(slack: FakeSlack, client: WebClient) -> None:
    assert _error_of(lambda: client.conversations_info(channel="C2")).response["error"] == "channel_not_found"
    assert _error_of(lambda: client.conversations_info(channel="CNOPE")).response["error"] == "channel_not_found"
    # Private channel the bot is not in: Slack pretends it does not exist.
    assert _error_of(lambda: client.conversations_info(channel="CPRIV")).response["error"] == "channel_not_found"
    # Public channel the bot is not in: visible, but not readable or postable.
    assert client.conversations_info(channel="CPUB")["channel"]["is_member"] is False
    assert _error_of(lambda: client.conversations_history(channel="CPUB")).response["error"] == "not_in_channel"
    assert _error_of(lambda: client.chat_postMessage(channel="CPUB", text="x")).response["error"] == "not_in_channel"
    client.conversations_join(channel="CPUB")
    assert client.conversations_history(channel="CPUB")["messages"] == []


def test_conversations_info_shape(slack: FakeSlack, client: WebClient) -> None:
    slack.add_channel("T1", "CEXT", name="partners", members=["UBOT"], is_ext_shared=True)
    info = client.conversations_info(channel="CEXT")["channel"]
    for key, value in {
        "id": "CEXT",
        "name": "partners",
        "is_channel": True,
        "is_group": False,
        "is_im": False,
        "is_mpim": False,
        "is_private": False,
        "is_archived": False,
        "is_ext_shared": True,
        "is_shared": True,
        "created": 1_600_000_000,
    }.items():
        assert info[key] == value, key
    assert "num_members" not in info  # Slack only counts with include_num_members=true
    counted = client.conversations_info(channel="C1", include_num_members=True)["channel"]
    assert counted["num_members"] == 5


def test_users_info_shape_and_time_zones(client: WebClient) -> None:
    ann = client.users_info(user="U1")["user"]
    assert ann["tz"] == "Europe/Berlin"
    assert ann["tz_offset"] == 7200  # summer time at the fake's clock
    assert ann["tz_label"] == "Central European Summer Time"
    assert ann["profile"]["real_name"] == "Ann Lee"
    assert {"id", "team_id", "name", "real_name", "is_bot", "is_admin", "is_owner", "deleted"} <= ann.keys()
    assert client.users_info(user="U2")["user"]["tz_offset"] == -4 * 3600
    assert "tz" not in client.users_info(user="U3")["user"]
    assert client.users_info(user="U4")["user"]["deleted"] is True
    assert client.users_info(user="UBOT")["user"]["is_bot"] is True
    assert _error_of(lambda: client.users_info(user="V1")).response["error"] == "user_not_found"


def test_update_user_recomputes_offset(slack: FakeSlack, client: WebClient) -> None:
    slack.update_user("U1", tz="Asia/Tokyo", real_name="Ann Mori")
    ann = client.users_info(user="U1")["user"]
    assert (ann["tz_offset"], ann["real_name"]) == (9 * 3600, "Ann Mori")


def test_form_json_and_query_bodies_are_decoded(slack: FakeSlack, client: WebClient) -> None:
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*hi*"}}]
    client.chat_postMessage(channel="C1", text="json", blocks=blocks, unfurl_links=False)
    client.api_call(
        "chat.postMessage", params={"channel": "C1", "text": "form", "blocks": json.dumps(blocks), "mrkdwn": True}
    )
    query = httpx.post(f"{slack.url}auth.test?token=xoxb-t1")

    as_json, as_form = slack.calls_to("chat.postMessage")
    assert (as_json.encoding, as_json.params["blocks"], as_json.params["unfurl_links"]) == ("json", blocks, False)
    assert as_json.headers["authorization"] == "Bearer xoxb-t1"
    # Form bodies: JSON-valued fields are decoded, scalars stay strings ("1" for True).
    assert (as_form.encoding, as_form.params["blocks"], as_form.params["mrkdwn"]) == ("form", blocks, "1")
    assert [m["blocks"] for m in slack.posted_messages()] == [blocks, blocks]
    assert query.json()["team_id"] == "T1"
    assert slack.calls_to("auth.test")[0].encoding == "query"
    assert slack.calls_to("auth.test")[0].token == "xoxb-t1"


def test_files_upload_v2_end_to_end(slack: FakeSlack, client: WebClient) -> None:
    response = client.files_upload_v2(
        channel="C1", content=b"\x89PNG...", filename="x.png", initial_comment="today's digest"
    )

    assert response["ok"] is True
    file_id = response["file"]["id"]
    assert response["files"] == [{"id": file_id, "title": "x.png"}]
    (uploaded,) = slack.files()
    assert (uploaded.id, uploaded.filename, uploaded.content, uploaded.completed) == (
        file_id,
        "x.png",
        b"\x89PNG...",
        True,
    )
    assert (uploaded.channel_ids, uploaded.initial_comment) == (("C1",), "today's digest")
    get_url = slack.calls_to("files.getUploadURLExternal")[0]
    assert get_url.params == {"filename": "x.png", "length": "7"}
    shared = client.conversations_history(channel="C1")["messages"][0]
    assert shared["text"] == "today's digest"
    assert shared["files"][0]["id"] == file_id


def test_conversations_open_and_post_to_user_id(slack: FakeSlack, client: WebClient) -> None:
    opened = client.conversations_open(users="U1")
    assert opened["channel"]["id"] == "DU1"
    again = client.conversations_open(users=["U1"])
    assert (again["channel"]["id"], again["already_open"]) == ("DU1", True)
    assert client.conversations_info(channel="DU1")["channel"]["is_im"] is True

    posted = client.chat_postMessage(channel="U2", text="psst")  # a user id means the bot's DM
    assert posted["channel"] == "DU2"
    assert [m["text"] for m in client.conversations_history(channel="DU2")["messages"]] == ["psst"]
    assert _error_of(lambda: client.conversations_open(users="U4")).response["error"] == "user_disabled"
    assert _error_of(lambda: client.conversations_open(users="V1")).response["error"] == "user_not_found"


def test_update_delete_permalink_and_reactions(slack: FakeSlack, client: WebClient) -> None:
    parent = client.chat_postMessage(channel="C1", text="v1")
    reply = client.chat_postMessage(channel="C1", text="reply", thread_ts=parent["ts"])

    updated = client.chat_update(channel="C1", ts=parent["ts"], text="v2")
    assert updated["message"]["text"] == "v2"
    assert "edited" in updated["message"]

    link = client.chat_getPermalink(channel="C1", message_ts=parent["ts"])["permalink"]
    assert link == f"https://acme.slack.com/archives/C1/p{parent['ts'].replace('.', '')}"
    reply_link = client.chat_getPermalink(channel="C1", message_ts=reply["ts"])["permalink"]
    assert reply_link.endswith(f"?thread_ts={parent['ts']}&cid=C1")

    client.reactions_add(channel="C1", timestamp=parent["ts"], name="white_check_mark")
    err = _error_of(lambda: client.reactions_add(channel="C1", timestamp=parent["ts"], name="white_check_mark"))
    assert err.response["error"] == "already_reacted"
    assert slack.message("C1", parent["ts"])["reactions"] == [  # type: ignore[index]
        {"name": "white_check_mark", "users": ["UBOT"], "count": 1}
    ]

    slack.add_message("C1", ts="1600000000.000001", user="U1", text="human")
    err = _error_of(lambda: client.chat_update(channel="C1", ts="1600000000.000001", text="x"))
    assert err.response["error"] == "cant_update_message"

    client.chat_delete(channel="C1", ts=reply["ts"])
    assert slack.message("C1", reply["ts"]) is None
    err = _error_of(lambda: client.chat_delete(channel="C1", ts=reply["ts"]))
    assert err.response["error"] == "message_not_found"


def test_ephemeral_and_scheduled_messages(slack: FakeSlack, client: WebClient) -> None:
    ephemeral = client.chat_postEphemeral(channel="C1", user="U1", text="only you")
    assert ephemeral["message_ts"]
    assert slack.ephemeral_messages(user="U1")[0]["text"] == "only you"
    err = _error_of(lambda: client.chat_postEphemeral(channel="C1", user="UBOT2", text="x"))
    assert err.response["error"] == "user_not_found"

    post_at = int(SUMMER.timestamp()) + 3600
    scheduled = client.chat_scheduleMessage(channel="C1", text="later", post_at=post_at)
    assert scheduled["post_at"] == post_at
    assert slack.scheduled_messages("C1")[0]["text"] == "later"
    past = _error_of(lambda: client.chat_scheduleMessage(channel="C1", text="x", post_at=post_at - 7200))
    assert past.response["error"] == "time_in_past"
    client.chat_deleteScheduledMessage(channel="C1", scheduled_message_id=scheduled["scheduled_message_id"])
    assert slack.scheduled_messages() == []


def test_views_publish_open_update(slack: FakeSlack, client: WebClient) -> None:
    home = {"type": "home", "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "hi"}}]}
    published = client.views_publish(user_id="U1", view=home)["view"]
    assert published["id"].startswith("V")
    assert slack.home_view("U1")["blocks"] == home["blocks"]  # type: ignore[index]
    err = _error_of(lambda: client.views_publish(user_id="U1", view=home, hash="stale"))
    assert err.response["error"] == "hash_conflict"

    modal = {"type": "modal", "title": {"type": "plain_text", "text": "Log"}, "blocks": []}
    opened = client.views_open(trigger_id="123.456", view=modal)["view"]
    updated = client.views_update(view_id=opened["id"], view={**modal, "private_metadata": "x"})["view"]
    assert (updated["id"], updated["private_metadata"]) == (opened["id"], "x")
    pushed = client.views_push(trigger_id="123.789", view=modal)["view"]
    assert pushed["previous_view_id"] == opened["id"]
    slack.expire_trigger("old")
    err = _error_of(lambda: client.views_open(trigger_id="old", view=modal))
    assert err.response["error"] == "expired_trigger_id"


def test_team_and_bots_info(slack: FakeSlack, client: WebClient) -> None:
    team = client.team_info()["team"]
    assert (team["id"], team["name"], team["domain"]) == ("T1", "Acme", "acme")
    bot = client.bots_info(bot="BBOT")["bot"]
    assert (bot["id"], bot["user_id"], bot["app_id"]) == ("BBOT", "UBOT", "AHANDOFF")
    assert _error_of(lambda: client.bots_info(bot="BNOPE")).response["error"] == "bot_not_found"


def test_concurrent_clients_get_unique_increasing_ts(slack: FakeSlack) -> None:
    def post(i: int) -> str:
        client = WebClient(base_url=slack.url, token="xoxb-t1")
        return str(client.chat_postMessage(channel="C1", text=f"n{i}")["ts"])

    with ThreadPoolExecutor(max_workers=8) as pool:
        stamps = list(pool.map(post, range(40)))

    assert len(set(stamps)) == 40
    in_order = [m["ts"] for m in slack.posted_messages()]
    assert in_order == sorted(in_order, key=float)
    assert len(slack.calls_to("chat.postMessage")) == 40


def test_clear_calls_and_restart(slack: FakeSlack, client: WebClient) -> None:
    client.auth_test()
    slack.clear_calls()
    assert slack.calls == []
    with FakeSlack() as other:
        other.add_team("T1", bot_token="xoxb-x")
        assert WebClient(base_url=other.url, token="xoxb-x").auth_test()["team_id"] == "T1"


def test_response_url_records_posts(slack: FakeSlack) -> None:
    url = slack.response_url("cmd-1")
    response = WebhookClient(url).send(text="logged", response_type="ephemeral")
    assert response.status_code == 200
    assert slack.response_url_posts("cmd-1") == [{"text": "logged", "response_type": "ephemeral"}]
    assert slack.response_url_posts("other") == []


@pytest.fixture
def oauth_slack(slack: FakeSlack) -> FakeSlack:
    slack.oauth.register_app(client_id="9.9", client_secret="shh", redirect_urls=["https://app.example/slack/oauth"])
    return slack


def test_oauth_consent_screen_then_code_for_a_rotating_bot_token(oauth_slack: FakeSlack) -> None:
    authorize = f"{oauth_slack.url.removesuffix('/api/')}/oauth/v2/authorize?client_id=9.9&scope=chat:write&state=s1"
    assert httpx.get(authorize).status_code == 401  # nobody signed in
    oauth_slack.oauth.sign_in("U1")
    page = httpx.get(authorize)
    assert page.status_code == 200 and "access the Acme workspace" in page.text and "chat:write" in page.text

    allowed = httpx.post(authorize)
    assert allowed.status_code == 302
    location = allowed.headers["location"]
    assert location.startswith("https://app.example/slack/oauth?code=") and location.endswith("&state=s1")
    code = location.split("code=")[1].split("&")[0]

    anonymous = WebClient(base_url=oauth_slack.url)
    assert (
        _error_of(lambda: anonymous.oauth_v2_access(client_id="9.9", client_secret="no", code=code)).response["error"]
        == "bad_client_secret"
    )
    granted = anonymous.oauth_v2_access(client_id="9.9", client_secret="shh", code=code)
    assert granted["token_type"] == "bot" and granted["team"] == {"id": "T1", "name": "Acme"}
    assert granted["authed_user"] == {"id": "U1"} and granted["expires_in"] == 43_200
    assert granted["access_token"].startswith("xoxe.xoxb-") and granted["refresh_token"].startswith("xoxe-")
    again = _error_of(lambda: anonymous.oauth_v2_access(client_id="9.9", client_secret="shh", code=code))
    assert again.response["error"] == "code_already_used"
    assert WebClient(base_url=oauth_slack.url, token=granted["access_token"]).auth_test()["team_id"] == "T1"


def test_oauth_refresh_token_is_redeemed_once_and_tokens_expire() -> None:
    now = [SUMMER]
    with FakeSlack(clock=lambda: now[0]) as oauth_slack:
        oauth_slack.add_team("T1", name="Acme", bot_token="xoxb-t1")
        oauth_slack.add_user("T1", "U1", name="ann")
        oauth_slack.oauth.register_app(client_id="9.9", client_secret="shh", redirect_urls=["https://app.example/"])
        _refresh_once_then_expire(oauth_slack, now)


def _refresh_once_then_expire(oauth_slack: FakeSlack, now: list[datetime]) -> None:
    code = oauth_slack.oauth.approve(client_id="9.9", user_id="U1")
    anonymous = WebClient(base_url=oauth_slack.url)
    first = anonymous.oauth_v2_access(client_id="9.9", client_secret="shh", code=code)

    refreshed = anonymous.oauth_v2_access(
        client_id="9.9", client_secret="shh", grant_type="refresh_token", refresh_token=first["refresh_token"]
    )
    replay = _error_of(
        lambda: anonymous.oauth_v2_access(
            client_id="9.9", client_secret="shh", grant_type="refresh_token", refresh_token=first["refresh_token"]
        )
    )

    assert refreshed["access_token"] != first["access_token"]
    assert replay.response["error"] == "invalid_refresh_token"
    now[0] = SUMMER.replace(hour=23, minute=59, second=59)
    assert WebClient(base_url=oauth_slack.url, token=first["access_token"]).auth_test()["ok"]
    now[0] = SUMMER.replace(day=2)
    expired = _error_of(WebClient(base_url=oauth_slack.url, token=first["access_token"]).auth_test)
    assert expired.response["error"] == "token_expired"
    assert oauth_slack.oauth.uninstall("T1") == [refreshed["access_token"]]
    revoked = _error_of(WebClient(base_url=oauth_slack.url, token=refreshed["access_token"]).auth_test)
    assert revoked.response["error"] == "token_revoked"
