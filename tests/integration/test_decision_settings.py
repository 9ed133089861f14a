"""The workspace's decision emoji (`/handoff emoji`) and reactions from another organization (Slack Connect)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from store.models import Decision, WorkspaceSettings
from tests.fakes.slack_api import FakeSlack
from tests.integration.test_decisions import TS, _react, _say, _world
from tests.support import TEAM_ID, LiveServer, command_form, event_body


def _handoff(live: LiveServer, fake: FakeSlack, text: str, user: str) -> str:
    key = f"emoji-{len(fake.response_url_posts())}"
    form = command_form("/handoff", text, user_id=user, response_url=fake.response_url(key))
    assert live.post_form(form).status_code == 200
    live.settle()
    (answer,) = fake.response_url_posts(key)
    assert answer.get("response_type") == "ephemeral"
    return str(answer["text"])


def _decisions(factory: sessionmaker[Session]) -> list[Decision]:
    with factory() as session:
        return list(session.scalars(select(Decision).order_by(Decision.id)))


def test_an_admin_changes_the_decision_emoji_for_their_workspace_only(
    live: LiveServer, fake_slack: FakeSlack, session_factory: sessionmaker[Session]
) -> None:
    _world(fake_slack)
    fake_slack.add_user(TEAM_ID, "UADMIN", name="boss", is_admin=True)
    assert ":memo:" in _handoff(live, fake_slack, "emoji", "U1")
    refused = _handoff(live, fake_slack, "emoji white_check_mark", "U1")
    assert "Only workspace admins" in refused
    bad = _handoff(live, fake_slack, "emoji <!channel>", "UADMIN")
    assert "is not an emoji name" in bad and "stays :memo:" in bad
    with session_factory() as session:
        assert session.scalars(select(WorkspaceSettings)).all() == []
    done = _handoff(live, fake_slack, "emoji :white_check_mark:, ballot_box_with_check", "UADMIN")
    assert ":white_check_mark: or :ballot_box_with_check:" in done
    _say(live, fake_slack, "We keep the monorepo")
    _react(live, "U2", name="memo")
    assert _decisions(session_factory) == []
    _react(live, "U2", name="white_check_mark")
    (decision,) = _decisions(session_factory)
    assert decision.text == "We keep the monorepo"
    # Back to Handoff's default: memo files again.
    assert ":memo:" in _handoff(live, fake_slack, "emoji default", "UADMIN")
    second = "1700000100.000200"
    _say(live, fake_slack, "Releases on Tuesdays", ts=second)
    _react(live, "U3", name="memo", ts=second)
    assert [d.text for d in _decisions(session_factory)] == ["We keep the monorepo", "Releases on Tuesdays"]


def _shared_world(fake: FakeSlack) -> None:
    _world(fake)
    fake.add_team("TPARTNER", name="Partner", bot_token="xoxb-partner", bot_user_id="UBOTP", bot_id="BBOTP")
    fake.add_user("TPARTNER", "UEXT", name="visitor")
    fake.add_channel(
        TEAM_ID,
        "CSHARED",
        name="launch-with-partner",
        members=["U1", "UEXT", "UBOT"],
        is_ext_shared=True,
        shared_team_ids=["TPARTNER"],
    )
    fake.add_message("CSHARED", ts=TS, user="U1", text="We launch together on the 5th")


def _react_shared(live: LiveServer, user: str) -> None:
    event: dict[str, Any] = {
        "type": "reaction_added",
        "user": user,
        "reaction": "memo",
        "item": {"type": "message", "channel": "CSHARED", "ts": TS},
        "event_ts": TS,
    }
    body = event_body(event)
    body["is_ext_shared_channel"] = True
    assert live.post_event(body).status_code == 200
    live.settle()


def test_a_reaction_from_another_organization_files_nothing_and_tells_them_why(
    live: LiveServer, fake_slack: FakeSlack, session_factory: sessionmaker[Session]
) -> None:
    _shared_world(fake_slack)
    _react_shared(live, "UEXT")
    assert _decisions(session_factory) == []
    (note,) = fake_slack.ephemeral_messages(channel="CSHARED", user="UEXT")
    assert "shared with another organization" in note["text"]
    # A member of the workspace reacting to the same message files it, once.
    _react_shared(live, "U1")
    (decision,) = _decisions(session_factory)
    assert (decision.channel_id, decision.logged_by) == ("CSHARED", "U1")
