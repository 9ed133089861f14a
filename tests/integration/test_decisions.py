"""The decision log over signed HTTP: capture by reaction and by /decision, undo, source changes."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.app import HandoffApp
from bot.clock import FixedClock
from bot.deps import Deps
from bot.retries import SPREAD
from bot.tick import run_tick
from decisions.blocks import (
    EDIT_ACTION,
    SECTION_TEXT_LIMIT,
    SUPERSEDE_ACTION,
    THREAD_ACTION,
    UNDO_ACTION,
    WHY_ACTION,
)
from store import decisions as store
from store.models import Decision
from store.slack_time import datetime_to_ts
from tests.conftest import START
from tests.fakes.slack_api import FakeSlack
from tests.support import TEAM_ID, LiveServer, command_form, event_body, seed_channel

TS = datetime_to_ts(START - timedelta(minutes=30))


def _world(fake: FakeSlack) -> None:
    for user, tz in (("U1", "Europe/Berlin"), ("U2", "America/Los_Angeles"), ("U3", "Asia/Kolkata")):
        fake.add_user(TEAM_ID, user, name=user.lower(), tz=tz)
    fake.add_channel(TEAM_ID, "C1", name="general", members=["U1", "U2", "U3", "UBOT"])


def _say(live: LiveServer, fake: FakeSlack, text: str, *, ts: str = TS, user: str = "U1", **extra: Any) -> None:
    """Someone posts in #general: Slack holds the message and sends Handoff the event."""
    if "subtype" not in extra:
        fake.add_message("C1", ts=ts, user=user, text=text, thread_ts=extra.get("thread_ts"))
    event = {"type": "message", "channel": "C1", "user": user, "text": text, "ts": ts, **extra}
    assert live.post_event(event_body(event)).status_code == 200
    live.settle()


def _react(
    live: LiveServer, user: str, *, name: str = "memo", ts: str = TS, removed: bool = False, event_id: str | None = None
) -> None:
    event = {
        "type": "reaction_removed" if removed else "reaction_added",
        "user": user,
        "reaction": name,
        "item": {"type": "message", "channel": "C1", "ts": ts},
        "event_ts": ts,
    }
    assert live.post_event(event_body(event, event_id=event_id)).status_code == 200
    live.settle()


def _decisions(factory: sessionmaker[Session]) -> list[Decision]:
    with factory() as session:
        return list(session.scalars(select(Decision).order_by(Decision.id)))


def _confirmations(fake: FakeSlack) -> list[Any]:
    return [call for call in fake.calls_to("chat.postMessage") if call.http_status == 200]


def _click_undo(live: LiveServer, fake: FakeSlack, user: str, decision_id: int) -> None:
    live.click(fake, user, UNDO_ACTION, str(decision_id))


def test_a_memo_reaction_files_the_decision_and_confirms_once_in_its_thread(
    live: LiveServer, fake_slack: FakeSlack, session_factory: sessionmaker[Session]
) -> None:
    _world(fake_slack)
    _say(live, fake_slack, "We go with PostgreSQL for the store")
    _react(live, "U2", event_id="EvFIRST")
    (decision,) = _decisions(session_factory)
    assert decision.text == "We go with PostgreSQL for the store"
    assert (decision.author_id, decision.logged_by, decision.status) == ("U1", "U2", "accepted")
    assert decision.permalink is not None and "C1" in decision.permalink
    (post,) = _confirmations(fake_slack)
    assert post.params["channel"] == "C1" and post.params["thread_ts"] == TS
    assert "<@U2>" in post.params["text"]
    buttons = [e for b in post.params["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert [(b["action_id"], b["value"]) for b in buttons] == [
        (WHY_ACTION, str(decision.id)),
        (SUPERSEDE_ACTION, str(decision.id)),
        (EDIT_ACTION, str(decision.id)),
        (UNDO_ACTION, str(decision.id)),
    ]
    assert decision.confirmation_ts == post.response["ts"]
    # Another person's memo, and Slack redelivering the first event: still one decision, one message.
    _react(live, "U3")
    _react(live, "U2", event_id="EvFIRST")
    assert len(_decisions(session_factory)) == 1
    assert len(_confirmations(fake_slack)) == 1


def test_other_emoji_file_nothing_and_the_emoji_list_is_configurable(
    live: LiveServer, fake_slack: FakeSlack, session_factory: sessionmaker[Session]
) -> None:
    _world(fake_slack)
    _say(live, fake_slack, "Lunch at noon?")
    _react(live, "U2", name="eyes")
    _react(live, "U2", name="memo::skin-tone-2")
    assert len(_decisions(session_factory)) == 1


def test_a_message_that_predates_handoff_is_read_from_slack_once(
    live: LiveServer, fake_slack: FakeSlack, session_factory: sessionmaker[Session]
) -> None:
    _world(fake_slack)
    fake_slack.add_message("C1", ts=TS, user="U1", text="Old call: no meetings on Fridays")
    _react(live, "U2")
    (decision,) = _decisions(session_factory)
    assert decision.text == "Old call: no meetings on Fridays" and decision.author_id == "U1"
    assert len(fake_slack.calls_to("conversations.history")) == 1


def test_the_thread_around_the_decision_is_kept_with_it(
    live: LiveServer, fake_slack: FakeSlack, session_factory: sessionmaker[Session]
) -> None:
    _world(fake_slack)
    _say(live, fake_slack, "Which queue do we use?")
    _say(
        live,
        fake_slack,
        "Redis is simpler to run",
        ts=datetime_to_ts(START - timedelta(minutes=20)),
        user="U2",
        thread_ts=TS,
    )
    decided = datetime_to_ts(START - timedelta(minutes=10))
    _say(live, fake_slack, "Agreed: Redis", ts=decided, user="U3", thread_ts=TS)
    _react(live, "U1", ts=decided)
    (decision,) = _decisions(session_factory)
    assert decision.thread_ts == TS
    with session_factory() as session:
        thread = store.thread_of(session=session, team_id=TEAM_ID, decision_id=decision.id)
    assert [m.text for m in thread] == ["Which queue do we use?", "Redis is simpler to run", "Agreed: Redis"]
    (post,) = _confirmations(fake_slack)
    assert post.params["thread_ts"] == TS
    buttons = [e for b in post.params["blocks"] if b["type"] == "actions" for e in b["elements"]]
    (show,) = [b for b in buttons if b["action_id"] == THREAD_ACTION]
    live.click(fake_slack, "U2", THREAD_ACTION, show["value"])
    (shown,) = fake_slack.response_url_posts("U2")
    text = json.dumps(shown["blocks"][1:])  # after the heading, which names the decision
    assert shown["response_type"] == "ephemeral"
    assert text.index("Which queue") < text.index("Redis is simpler") < text.index("Agreed: Redis")


def test_the_logger_taking_back_their_emoji_retracts_unless_another_remains(
    live: LiveServer, fake_slack: FakeSlack, session_factory: sessionmaker[Session]
) -> None:
    _world(fake_slack)
    _say(live, fake_slack, "Freeze on Thursday")
    _react(live, "U2")
    _react(live, "U3")
    _react(live, "U2", removed=True)
    (decision,) = _decisions(session_factory)
    assert decision.status == "accepted"
    _react(live, "U3", removed=True)
    _react(live, "U2")  # the logger reacts again and takes it back: now nobody else's remains
    _react(live, "U2", removed=True)
    (decision,) = _decisions(session_factory)
    assert decision.status == "retracted"
    update = fake_slack.calls_to("chat.update")[-1]
    assert update.params["ts"] == decision.confirmation_ts
    assert "retracted" in update.params["text"]
    with session_factory() as session:
        actions = [r.action for r in store.revisions_of(session=session, team_id=TEAM_ID, decision_id=decision.id)]
    assert actions[0] == "created" and actions[-1] == "status"


def test_a_new_memo_on_a_retracted_decision_files_it_again(
    live: LiveServer, fake_slack: FakeSlack, session_factory: sessionmaker[Session]
) -> None:
    _world(fake_slack)
    _say(live, fake_slack, "Ship it")
    _react(live, "U2")
    _react(live, "U2", removed=True)
    _react(live, "U3")
    (decision,) = _decisions(session_factory)
    assert (decision.status, decision.logged_by) == ("accepted", "U3")
    assert len(_confirmations(fake_slack)) == 1


def test_only_the_logger_can_undo_with_the_button(
    live: LiveServer, fake_slack: FakeSlack, session_factory: sessionmaker[Session]
) -> None:
    _world(fake_slack)
    _say(live, fake_slack, "Rename the repo")
    _react(live, "U2")
    (decision,) = _decisions(session_factory)
    _click_undo(live, fake_slack, "U3", decision.id)
    (refusal,) = fake_slack.response_url_posts("U3")
    assert "Only <@U2>" in refusal["text"] and refusal["response_type"] == "ephemeral"
    assert _decisions(session_factory)[0].status == "accepted"
    _click_undo(live, fake_slack, "U2", decision.id)
    assert _decisions(session_factory)[0].status == "retracted"
    assert "retracted" in fake_slack.calls_to("chat.update")[-1].params["text"]


def test_edits_and_deletion_of_the_source_follow_into_the_decision(
    live: LiveServer, fake_slack: FakeSlack, session_factory: sessionmaker[Session]
) -> None:
    _world(fake_slack)
    _say(live, fake_slack, "Release on Monday")
    _react(live, "U2")
    edited = datetime_to_ts(START)
    _say(
        live,
        fake_slack,
        "",
        subtype="message_changed",
        message={
            "type": "message",
            "user": "U1",
            "text": "Release on Tuesday",
            "ts": TS,
            "edited": {"user": "U1", "ts": edited},
        },
        ts=edited,
    )
    (decision,) = _decisions(session_factory)
    assert decision.text == "Release on Tuesday"
    with session_factory() as session:
        (change,) = [
            r
            for r in store.revisions_of(session=session, team_id=TEAM_ID, decision_id=decision.id)
            if r.action == "text"
        ]
    assert (change.old_value, change.new_value) == ("Release on Monday", "Release on Tuesday")
    assert "Release on Tuesday" in fake_slack.calls_to("chat.update")[-1].params["blocks"][0]["text"]["text"]
    _say(
        live, fake_slack, "", subtype="message_deleted", deleted_ts=TS, ts=datetime_to_ts(START + timedelta(seconds=1))
    )
    (decision,) = _decisions(session_factory)
    assert decision.source_deleted and decision.text == "Release on Tuesday" and decision.status == "accepted"
    assert "deleted" in json.dumps(fake_slack.calls_to("chat.update")[-1].params["blocks"])


def test_slash_decision_files_it_and_shows_it_in_the_channel_without_pinging_anyone(
    live: LiveServer, fake_slack: FakeSlack, session_factory: sessionmaker[Session]
) -> None:
    _world(fake_slack)
    response = live.post_form(command_form("/decision", "We ship Monday <!channel> & <@U3>", user_id="U2"))
    # A text-only ack is answered as plain text, which Slack shows to the sender alone.
    assert response.status_code == 200 and "Filed" in response.text
    live.settle()
    (decision,) = _decisions(session_factory)
    assert (decision.text, decision.logged_by, decision.source) == (
        "We ship Monday <!channel> & <@U3>",
        "U2",
        "command",
    )
    (post,) = _confirmations(fake_slack)
    shown = json.dumps([post.params["text"], post.params["blocks"]], ensure_ascii=False)
    assert "<!channel>" not in shown and "<@U3>" not in shown and "@channel" not in shown
    # Quoted as words: a full-width at sign for the broadcast, the person as @id, the ampersand escaped.
    assert "We ship Monday \uff20channel &amp; @U3" in shown


def test_slash_decision_help_explains_how_and_files_nothing(
    live: LiveServer, fake_slack: FakeSlack, session_factory: sessionmaker[Session]
) -> None:
    answer = live.post_form(command_form("/decision", " help ")).text
    assert "/decision We ship the beta on Monday" in answer and ":memo:" in answer
    assert _decisions(session_factory) == []


def test_slash_decision_where_handoff_is_not_keeps_it_and_says_how_to_show_it(
    live: LiveServer, fake_slack: FakeSlack, session_factory: sessionmaker[Session]
) -> None:
    _world(fake_slack)
    form = command_form("/decision", "Budget approved", channel_id="C404", response_url=fake_slack.response_url("cmd"))
    assert live.post_form(form).status_code == 200
    live.settle()
    assert [d.text for d in _decisions(session_factory)] == ["Budget approved"]
    (note,) = fake_slack.response_url_posts("cmd")
    assert "/invite @Handoff" in note["text"]


def test_a_40000_character_decision_is_stored_whole_and_shown_within_block_kit_limits(
    live: LiveServer, fake_slack: FakeSlack, session_factory: sessionmaker[Session]
) -> None:
    _world(fake_slack)
    text = "Decision. " + "x" * 39_990
    _say(live, fake_slack, text)
    _react(live, "U2")
    (decision,) = _decisions(session_factory)
    assert len(decision.text) == 40_000
    (post,) = _confirmations(fake_slack)
    for block in post.params["blocks"]:
        if block["type"] == "section":
            assert len(block["text"]["text"]) <= 3_000
    assert "read all of it" in post.params["blocks"][0]["text"]["text"]
    assert SECTION_TEXT_LIMIT < 3_000


def test_a_confirmation_slack_refused_for_now_is_posted_by_the_tick(
    live: LiveServer,
    fake_slack: FakeSlack,
    session_factory: sessionmaker[Session],
    deps: Deps,
    handoff: HandoffApp,
    clock: FixedClock,
) -> None:
    _world(fake_slack)
    _say(live, fake_slack, "Hire two SREs")
    fake_slack.fail_next("chat.postMessage", status=429, retry_after=30)
    _react(live, "U2")
    assert _confirmations(fake_slack) == []
    assert run_tick(deps, handoff.processors).counts.get("decision_messages") is None  # not before Retry-After
    clock.advance(seconds=30 * (1 + SPREAD))  # Retry-After, and at most a fifth more (the spread)
    assert run_tick(deps, handoff.processors).counts["decision_messages"] == 1
    (post,) = _confirmations(fake_slack)
    assert _decisions(session_factory)[0].confirmation_ts == post.response["ts"]
    assert run_tick(deps, handoff.processors).counts.get("decision_messages") is None


def test_a_thread_is_never_shown_to_someone_outside_its_private_channel(
    live: LiveServer, fake_slack: FakeSlack, session_factory: sessionmaker[Session]
) -> None:
    with session_factory.begin() as session:
        seed_channel(session, "G1", "leads", ["U1"], private=True)
        decision, _ = store.file(
            session=session,
            new=store.NewDecision(
                team_id=TEAM_ID, channel_id="G1", text="Reorg in Q2", logged_by="U1", source="command"
            ),
            now=START,
        )
        decision_id = decision.id
    live.click(fake_slack, "U2", THREAD_ACTION, str(decision_id))
    (refusal,) = fake_slack.response_url_posts("U2")
    assert refusal["text"] == "That decision is not one you can see." and "Reorg" not in json.dumps(refusal)


def test_slash_decision_still_files_when_slack_is_rate_limiting(
    live: LiveServer, fake_slack: FakeSlack, session_factory: sessionmaker[Session]
) -> None:
    _world(fake_slack)
    fake_slack.fail_next("conversations.info", status=429, retry_after=30)
    response = live.post_form(command_form("/decision", "Keep the API frozen", user_id="U2"))
    assert response.status_code == 200 and "Filed" in response.text
    live.settle()
    assert [d.text for d in _decisions(session_factory)] == ["Keep the API frozen"]
