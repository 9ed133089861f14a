"""The decision modal over signed HTTP: shortcut, `/decision` alone, validation, *Add the why*."""

from __future__ import annotations

import json
import urllib.parse
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.app import HandoffApp
from bot.clock import FixedClock
from bot.deps import Deps
from bot.tick import run_tick
from decisions.blocks import SUPERSEDE_ACTION, WHY_ACTION
from decisions.modal import FILE_CALLBACK, SUPERSEDE_CALLBACK, WHY_CALLBACK
from handlers.decision_modals import LOG_MESSAGE_SHORTCUT
from store import decisions as store
from store import people, working_hours
from store.models import Decision
from store.people import Profile
from store.slack_time import datetime_to_ts
from tests.conftest import START
from tests.fakes.slack_api import FakeSlack
from tests.support import TEAM_ID, LiveServer, command_form, event_body, trigger_id

TS = datetime_to_ts(START - timedelta(minutes=30))


def _world(fake: FakeSlack) -> None:
    for user in ("U1", "U2"):
        fake.add_user(TEAM_ID, user, name=user.lower())
    fake.add_channel(TEAM_ID, "C1", name="general", members=["U1", "U2", "UBOT"])
    fake.add_message("C1", ts=TS, user="U1", text="Let's move the launch to March")


def _interact(live: LiveServer, payload: dict[str, Any]) -> Any:
    base = {"team": {"id": TEAM_ID, "domain": "acme"}, "api_app_id": "A0001", "token": "legacy"}
    base["trigger_id"] = trigger_id()
    response = live.post_form(urllib.parse.urlencode({"payload": json.dumps({**base, **payload})}))
    assert response.status_code == 200
    live.settle()
    return response.json() if response.content else None


def _submit(live: LiveServer, callback_id: str, metadata: str, values: dict[str, Any], user: str = "U2") -> Any:
    view = {
        "id": "V1",
        "type": "modal",
        "callback_id": callback_id,
        "private_metadata": metadata,
        "hash": "h",
        "state": {"values": values},
    }
    return _interact(live, {"type": "view_submission", "user": {"id": user, "team_id": TEAM_ID}, "view": view})


def _form(title: str, **fields: Any) -> dict[str, Any]:
    values: dict[str, Any] = {"title": {"value": {"type": "plain_text_input", "value": title}}}
    for name in ("why", "alternatives", "tags"):
        values[name] = {"value": {"type": "plain_text_input", "value": fields.get(name)}}
    values["owner"] = {"value": {"type": "users_select", "selected_user": fields.get("owner")}}
    values["review_by"] = {"value": {"type": "datepicker", "selected_date": fields.get("review_by")}}
    return values


def _decisions(factory: sessionmaker[Session]) -> list[Decision]:
    with factory() as session:
        return list(session.scalars(select(Decision).order_by(Decision.id)))


def test_the_shortcut_opens_the_modal_prefilled_from_the_message(live: LiveServer, fake_slack: FakeSlack) -> None:
    _world(fake_slack)
    _interact(
        live,
        {
            "type": "message_action",
            "callback_id": LOG_MESSAGE_SHORTCUT,
            "user": {"id": "U2", "team_id": TEAM_ID},
            "channel": {"id": "C1", "name": "general"},
            "message": {"type": "message", "user": "U1", "text": "Let's move the launch to March", "ts": TS},
            "response_url": fake_slack.response_url("sc"),
        },
    )
    (opened,) = fake_slack.calls_to("views.open")
    view = opened.params["view"]
    assert view["callback_id"] == FILE_CALLBACK
    assert view["blocks"][0]["element"]["initial_value"] == "Let's move the launch to March"
    assert json.loads(view["private_metadata"]) == {
        "channel_id": "C1",
        "message_ts": TS,
        "thread_ts": None,
        "author_id": "U1",
    }


def test_submitting_the_modal_files_the_decision_with_everything_given(
    live: LiveServer, fake_slack: FakeSlack, session_factory: sessionmaker[Session]
) -> None:
    _world(fake_slack)
    metadata = json.dumps({"channel_id": "C1", "message_ts": TS, "thread_ts": None, "author_id": "U1"})
    review = (START.date() + timedelta(days=30)).isoformat()
    answer = _submit(
        live,
        FILE_CALLBACK,
        metadata,
        _form(
            "Launch moves to March",
            why="QA needs two more weeks",
            alternatives="Cut scope",
            tags="Launch, #Q1 ,launch",
            owner="U1",
            review_by=review,
        ),
    )
    assert answer is None
    (decision,) = _decisions(session_factory)
    assert (decision.text, decision.why, decision.alternatives) == (
        "Launch moves to March",
        "QA needs two more weeks",
        "Cut scope",
    )
    assert (decision.tags, decision.owner_id, decision.review_by) == ("launch,q1", "U1", date.fromisoformat(review))
    assert (decision.source, decision.logged_by, decision.author_id, decision.message_ts) == (
        "shortcut",
        "U2",
        "U1",
        TS,
    )
    assert decision.permalink is not None
    (post,) = fake_slack.calls_to("chat.postMessage")
    shown = json.dumps(post.params["blocks"])
    assert "QA needs two more weeks" in shown and "Edit the why" in shown
    # Filing the same message again is refused inline, not duplicated.
    again = _submit(live, FILE_CALLBACK, metadata, _form("Launch moves to March"))
    assert again["response_action"] == "errors" and "already" in again["errors"]["title"]
    assert len(_decisions(session_factory)) == 1


def test_the_modal_says_what_to_fix_and_files_nothing(
    live: LiveServer, fake_slack: FakeSlack, session_factory: sessionmaker[Session]
) -> None:
    _world(fake_slack)
    metadata = json.dumps({"channel_id": "C1"})
    answer = _submit(
        live, FILE_CALLBACK, metadata, _form("   ", review_by=(START.date() - timedelta(days=1)).isoformat())
    )
    assert answer["response_action"] == "errors"
    assert set(answer["errors"]) == {"title", "review_by"}
    assert _decisions(session_factory) == []


def test_slash_decision_alone_opens_the_modal_for_this_channel(live: LiveServer, fake_slack: FakeSlack) -> None:
    _world(fake_slack)
    form = command_form("/decision", "", user_id="U2", channel_id="C1")
    assert live.post_form(form).status_code == 200
    live.settle()
    (opened,) = fake_slack.calls_to("views.open")
    assert opened.params["trigger_id"] == urllib.parse.parse_qs(form)["trigger_id"][0]
    assert json.loads(opened.params["view"]["private_metadata"])["channel_id"] == "C1"


def test_add_the_why_saves_it_with_a_revision_and_shows_it(
    live: LiveServer, fake_slack: FakeSlack, session_factory: sessionmaker[Session]
) -> None:
    _world(fake_slack)
    live.post_event(event_body({"type": "message", "channel": "C1", "user": "U1", "text": "Launch in March", "ts": TS}))
    live.post_event(
        event_body(
            {
                "type": "reaction_added",
                "user": "U2",
                "reaction": "memo",
                "item": {"type": "message", "channel": "C1", "ts": TS},
            }
        )
    )
    live.settle()
    (decision,) = _decisions(session_factory)
    live.click(fake_slack, "U1", WHY_ACTION, str(decision.id), response_key="why")
    (opened,) = fake_slack.calls_to("views.open")
    assert opened.params["view"]["callback_id"] == WHY_CALLBACK
    empty = _submit(
        live, WHY_CALLBACK, str(decision.id), {"why": {"value": {"type": "plain_text_input", "value": " "}}}, user="U1"
    )
    assert empty["response_action"] == "errors" and "why" in empty["errors"]
    _submit(
        live,
        WHY_CALLBACK,
        str(decision.id),
        {
            "why": {"value": {"type": "plain_text_input", "value": "Suppliers slipped"}},
            "alternatives": {"value": {"type": "plain_text_input", "value": None}},
        },
        user="U1",
    )
    (decision,) = _decisions(session_factory)
    assert decision.why == "Suppliers slipped"
    with session_factory() as session:
        (change,) = [
            r
            for r in store.revisions_of(session=session, team_id=TEAM_ID, decision_id=decision.id)
            if r.action == "why"
        ]
    assert (change.actor_id, change.new_value) == ("U1", "Suppliers slipped")
    assert "Suppliers slipped" in json.dumps(fake_slack.calls_to("chat.update")[-1].params["blocks"])


def _file(live: LiveServer, fake: FakeSlack, text: str, ts: str, user: str = "U2") -> None:
    fake.add_message("C1", ts=ts, user="U1", text=text)
    live.post_event(event_body({"type": "message", "channel": "C1", "user": "U1", "text": text, "ts": ts}))
    reaction = {
        "type": "reaction_added",
        "user": user,
        "reaction": "memo",
        "item": {"type": "message", "channel": "C1", "ts": ts},
    }
    live.post_event(event_body(reaction))
    live.settle()


def test_supersede_links_both_ways_and_shows_it_on_both_messages(
    live: LiveServer, fake_slack: FakeSlack, session_factory: sessionmaker[Session]
) -> None:
    _world(fake_slack)
    _file(live, fake_slack, "Launch in February", datetime_to_ts(START - timedelta(hours=3)))
    _file(live, fake_slack, "Launch in March", datetime_to_ts(START - timedelta(hours=1)))
    older, newer = _decisions(session_factory)
    live.click(fake_slack, "U1", SUPERSEDE_ACTION, str(newer.id), response_key="sup")
    (opened,) = fake_slack.calls_to("views.open")
    options = opened.params["view"]["blocks"][0]["element"]["options"]
    assert [(o["value"], o["text"]["text"]) for o in options] == [(str(older.id), "Launch in February")]
    picked = {"older": {"value": {"type": "static_select", "selected_option": {"value": str(older.id)}}}}
    assert _submit(live, SUPERSEDE_CALLBACK, str(newer.id), picked, user="U1") is None
    older, newer = _decisions(session_factory)
    assert (older.status, newer.supersedes_id) == ("superseded", older.id)
    with session_factory() as session:
        assert store.superseded_by(session=session, decision=older).id == newer.id  # type: ignore[union-attr]
        actions = [r.action for r in store.revisions_of(session=session, team_id=TEAM_ID, decision_id=older.id)]
    assert actions[-1] == "status"
    updates = {call.params["ts"]: json.dumps(call.params["blocks"]) for call in fake_slack.calls_to("chat.update")}
    assert "Replaced by" in updates[older.confirmation_ts] and "Launch in March" in updates[older.confirmation_ts]
    assert "Replaces" in updates[newer.confirmation_ts] and "Launch in February" in updates[newer.confirmation_ts]
    # A decision replaces at most one other: trying again is refused inline.
    again = _submit(live, SUPERSEDE_CALLBACK, str(newer.id), picked, user="U1")
    assert again["response_action"] == "errors" and "already" in again["errors"]["older"]


def test_supersede_with_nothing_earlier_says_so(
    live: LiveServer, fake_slack: FakeSlack, session_factory: sessionmaker[Session]
) -> None:
    _world(fake_slack)
    _file(live, fake_slack, "First ever decision", datetime_to_ts(START - timedelta(hours=1)))
    (only,) = _decisions(session_factory)
    live.click(fake_slack, "U1", SUPERSEDE_ACTION, str(only.id), response_key="sup")
    (opened,) = fake_slack.calls_to("views.open")
    assert "no earlier decision" in json.dumps(opened.params["view"])
    assert "submit" not in opened.params["view"]


def test_the_owner_is_reminded_once_on_the_review_date_at_the_start_of_their_day(
    live: LiveServer,
    fake_slack: FakeSlack,
    session_factory: sessionmaker[Session],
    deps: Deps,
    handoff: HandoffApp,
    clock: FixedClock,
) -> None:
    _world(fake_slack)
    with session_factory.begin() as session:
        people.save_profile(session=session, profile=Profile(TEAM_ID, "U1", name="u1", tz="Asia/Kolkata"), now=START)
    review = START.date() + timedelta(days=2)
    metadata = json.dumps({"channel_id": "C1", "message_ts": TS, "thread_ts": None, "author_id": "U1"})
    _submit(
        live,
        FILE_CALLBACK,
        metadata,
        _form("Drop IE11 support", why="Usage under 0.1%", owner="U1", review_by=review.isoformat()),
    )
    nine_in_kolkata = datetime(review.year, review.month, review.day, 3, 30, tzinfo=UTC)
    clock.instant = nine_in_kolkata - timedelta(minutes=1)
    assert run_tick(deps, handoff.processors).counts.get("decision_reviews") is None
    clock.instant = nine_in_kolkata
    assert run_tick(deps, handoff.processors).counts["decision_reviews"] == 1
    assert run_tick(deps, handoff.processors).counts.get("decision_reviews") is None
    (opened,) = fake_slack.calls_to("conversations.open")
    assert opened.params["users"] == "U1"
    reminder = [
        c for c in fake_slack.calls_to("chat.postMessage") if c.params["channel"] == opened.response["channel"]["id"]
    ]
    assert len(reminder) == 1 and "Drop IE11 support" in json.dumps(reminder[0].params["blocks"])


def test_a_review_date_off_the_owners_week_reminds_them_at_their_next_start(
    live: LiveServer,
    fake_slack: FakeSlack,
    session_factory: sessionmaker[Session],
    deps: Deps,
    handoff: HandoffApp,
    clock: FixedClock,
) -> None:
    _world(fake_slack)
    with session_factory.begin() as session:
        people.save_profile(session=session, profile=Profile(TEAM_ID, "U1", name="u1", tz="Asia/Kolkata"), now=START)
        # U1 works Sunday to Thursday, 07:30-15:30.
        working_hours.set_hours(
            session=session,
            team_id=TEAM_ID,
            user_id="U1",
            start=time(7, 30),
            end=time(15, 30),
            days=frozenset({6, 0, 1, 2, 3}),
            now=START,
        )
    friday = START.date() + timedelta(days=4)
    metadata = json.dumps({"channel_id": "C1"})
    _submit(live, FILE_CALLBACK, metadata, _form("Freeze the API", owner="U1", review_by=friday.isoformat()))
    # Sunday 07:30 in Kolkata is 02:00 UTC.
    sunday_start = datetime(2026, 3, 8, 2, 0, tzinfo=UTC)
    clock.instant = sunday_start - timedelta(minutes=1)
    assert run_tick(deps, handoff.processors).counts.get("decision_reviews") is None
    clock.instant = sunday_start
    assert run_tick(deps, handoff.processors).counts["decision_reviews"] == 1


def test_a_retracted_decision_sends_no_reminder(
    live: LiveServer,
    fake_slack: FakeSlack,
    session_factory: sessionmaker[Session],
    deps: Deps,
    handoff: HandoffApp,
    clock: FixedClock,
) -> None:
    _world(fake_slack)
    review = START.date() + timedelta(days=1)
    metadata = json.dumps({"channel_id": "C1"})
    _submit(live, FILE_CALLBACK, metadata, _form("Move standup to 10:00", owner="U2", review_by=review.isoformat()))
    with session_factory.begin() as session:
        (decision,) = session.scalars(select(Decision)).all()
        store.retract(session=session, decision=decision, actor_id="U2", now=START)
    clock.instant = START + timedelta(days=2)
    assert run_tick(deps, handoff.processors).counts.get("decision_reviews") is None
    # Nothing about it reaches U2 (their morning catch-up may come; a reminder may not).
    dms = {c.response["channel"]["id"] for c in fake_slack.calls_to("conversations.open") if c.response.get("ok")}
    reminders = [
        c
        for c in fake_slack.calls_to("chat.postMessage")
        if c.params["channel"] in dms and "Move standup" in json.dumps(c.params) and "review" in json.dumps(c.params)
    ]
    assert reminders == []
