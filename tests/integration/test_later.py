"""Held pings over signed HTTP and `handoff tick` instants: hold, release once, urgent, faults, changes."""

from __future__ import annotations

import json
import os
import subprocess
import urllib.parse
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.app import HandoffApp
from bot.clock import FixedClock
from bot.deps import Deps
from bot.retries import SPREAD
from bot.tick import run_tick
from handlers.later import SHORTCUT, SHORTCUT_CALLBACK
from pings.blocks import CONFIRM_URGENT_ACTION
from store.models import HeldPing, Job
from store.slack_time import datetime_to_ts
from tests.bot.test_cli import HANDOFF
from tests.conftest import START
from tests.fakes.slack_api import FakeSlack
from tests.support import BOT_TOKEN, TEAM_ID, LiveServer, command_form, event_body, trigger_id

# START is Monday 2026-03-02 08:00 UTC: 09:00 in Berlin (working), midnight in Los Angeles (asleep).
LA_MORNING = datetime(2026, 3, 2, 17, 0, tzinfo=UTC)


def _j(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _world(fake: FakeSlack) -> None:
    fake.add_user(TEAM_ID, "U1", name="ana", tz="Europe/Berlin")
    fake.add_user(TEAM_ID, "U2", name="dana", tz="America/Los_Angeles")
    fake.add_user(TEAM_ID, "U3", name="ravi", tz="Asia/Kolkata")
    fake.add_user(TEAM_ID, "U4", name="kim", tz="America/Los_Angeles")
    fake.add_user(TEAM_ID, "UAPP", name="deploybot", is_bot=True)
    fake.add_channel(TEAM_ID, "C1", name="general", members=["U1", "U2", "U3", "U4", "UBOT"])


def _command(live: LiveServer, fake: FakeSlack, name: str, text: str, *, user: str = "U1") -> dict[str, Any]:
    """Run a slash command; return what the person saw (the ack's body, or the later response)."""
    key = f"r{len(fake.response_url_posts())}-{user}"
    response = live.post_form(
        command_form(name, text, user_id=user, channel_id="C1", response_url=fake.response_url(key))
    )
    assert response.status_code == 200
    live.settle()
    posted = fake.response_url_posts(key)
    if posted:
        return posted[-1]
    if not response.content:
        return {}
    if response.headers["content-type"].startswith("application/json"):
        return dict(response.json())
    return {"text": response.text}


def _dms_to(fake: FakeSlack, user: str) -> list[Any]:
    opened = {
        c.response["channel"]["id"]
        for c in fake.calls_to("conversations.open")
        if c.params["users"] == user and c.response.get("ok")
    }
    return [
        c
        for c in fake.calls_to("chat.postMessage")
        if c.params["channel"] in opened and c.http_status == 200 and c.response.get("ok")
    ]


def _tick(deps: Deps, handoff: HandoffApp, clock: FixedClock, at: datetime) -> dict[str, int]:
    clock.instant = at
    return run_tick(deps, handoff.processors).counts


def test_a_ping_to_someone_asleep_is_held_until_their_morning_and_arrives_once(
    live: LiveServer, fake_slack: FakeSlack, deps: Deps, handoff: HandoffApp, clock: FixedClock
) -> None:
    _world(fake_slack)
    answer = _command(live, fake_slack, "/later", "<@U2|dana> Can you review the RFC?")
    assert "held until Mon 09:00 America/Los_Angeles (in 9 h)" in _j(answer)
    _command(live, fake_slack, "/later", "<@U2|dana> Also the budget sheet", user="U3")
    assert _dms_to(fake_slack, "U2") == []
    assert _tick(deps, handoff, clock, LA_MORNING - timedelta(minutes=1)).get("pings_delivered") is None
    assert _dms_to(fake_slack, "U2") == []
    assert _tick(deps, handoff, clock, LA_MORNING)["pings_delivered"] == 2
    # The same instant again, and a minute later: nothing more.
    assert _tick(deps, handoff, clock, LA_MORNING).get("pings_delivered") is None
    assert _tick(deps, handoff, clock, LA_MORNING + timedelta(minutes=1)).get("pings_delivered") is None
    (dm,) = _dms_to(fake_slack, "U2")
    shown = _j(dm.params["blocks"])
    assert "While you were away: 2 pings" in shown
    assert "Can you review the RFC?" in shown and "Also the budget sheet" in shown
    assert "<@U1>" in shown and "<@U3>" in shown


def test_each_recipient_on_their_own_working_one_gets_it_now(
    live: LiveServer, fake_slack: FakeSlack, session_factory: sessionmaker[Session]
) -> None:
    _world(fake_slack)
    answer = _j(_command(live, fake_slack, "/later", "<@U3|ravi> <@U2|dana> Ship it?", user="U1"))
    assert "<@U3> · delivered now" in answer
    assert "<@U2> · held until Mon 09:00 America/Los_Angeles" in answer
    (dm,) = _dms_to(fake_slack, "U3")
    assert "Ship it?" in _j(dm.params["blocks"]) and "<@U1>" in _j(dm.params["blocks"])
    assert _dms_to(fake_slack, "U2") == []


def test_urgent_goes_now_labelled_and_past_the_daily_cap_asks_first(
    live: LiveServer, fake_slack: FakeSlack, session_factory: sessionmaker[Session]
) -> None:
    _world(fake_slack)
    for n in range(3):
        answer = _j(_command(live, fake_slack, "/later", f"<@U2|dana> prod is down {n} --urgent"))
        assert "urgent, delivered now" in answer
    dms = _dms_to(fake_slack, "U2")
    assert len(dms) == 3 and all("Urgent" in _j(d.params["blocks"]) for d in dms)
    question = _command(live, fake_slack, "/later", "<@U2|dana> <@U4|kim> still down --urgent")
    assert "second thought" in _j(question)
    assert len(_dms_to(fake_slack, "U2")) == 3
    (actions,) = [b for b in question["blocks"] if b["type"] == "actions"]
    confirm = next(e for e in actions["elements"] if e["action_id"] == CONFIRM_URGENT_ACTION)
    live.click(fake_slack, "U1", CONFIRM_URGENT_ACTION, confirm["value"], response_key="cap")
    assert len(_dms_to(fake_slack, "U2")) == 4 and len(_dms_to(fake_slack, "U4")) == 1
    # A second click on the same question sends nothing more.
    live.click(fake_slack, "U1", CONFIRM_URGENT_ACTION, confirm["value"], response_key="cap2")
    assert len(_dms_to(fake_slack, "U2")) == 4


def test_bad_input_gets_a_clear_message_and_sends_nothing(
    live: LiveServer, fake_slack: FakeSlack, session_factory: sessionmaker[Session]
) -> None:
    _world(fake_slack)
    cases = {
        "": "/later @dana",
        "Can you look?": "Who is it for?",
        "<@U2|dana>": "What should they get?",
        "<@U1|ana> note to self": "that's you",
        "<@UAPP|deploybot> deploy": "that's an app",
        "<@U999|ghost> hello": "can't find this person",
        "@nobody hello": "I don't know anyone called @nobody",
    }
    for text, expected in cases.items():
        assert expected in _j(_command(live, fake_slack, "/later", text)), text
    long = "x" * 40_000
    answer = _command(live, fake_slack, "/later", f"<@U2|dana> {long}")
    assert "40,000 characters" in answer["text"]
    # Nothing is lost: the whole text comes back to the sender.
    assert sum(len(b["text"]["text"]) for b in answer["blocks"][1:]) >= 40_000
    with session_factory() as session:
        assert session.scalars(select(HeldPing)).all() == []
    assert fake_slack.calls_to("chat.postMessage") == []


def test_a_429_requeues_the_delivery_at_retry_after_and_it_arrives_once(
    live: LiveServer, fake_slack: FakeSlack, deps: Deps, handoff: HandoffApp, clock: FixedClock
) -> None:
    _world(fake_slack)
    _command(live, fake_slack, "/later", "<@U2|dana> Morning!")
    fake_slack.fail_next("chat.postMessage", status=429, retry_after=120)
    assert _tick(deps, handoff, clock, LA_MORNING).get("pings_delivered") is None
    assert _tick(deps, handoff, clock, LA_MORNING + timedelta(seconds=119)).get("pings_delivered") is None
    # Never before Retry-After; spread by up to a fifth more, so that a storm's items do not return together.
    assert _tick(deps, handoff, clock, LA_MORNING + timedelta(seconds=120 * (1 + SPREAD)))["pings_delivered"] == 1
    assert len(_dms_to(fake_slack, "U2")) == 1


def test_a_delivery_sent_but_not_recorded_is_not_sent_again(
    live: LiveServer,
    fake_slack: FakeSlack,
    deps: Deps,
    handoff: HandoffApp,
    clock: FixedClock,
    session_factory: sessionmaker[Session],
) -> None:
    _world(fake_slack)
    _command(live, fake_slack, "/later", "<@U2|dana> Morning!")
    assert _tick(deps, handoff, clock, LA_MORNING)["pings_delivered"] == 1
    # As if the worker died between Slack's answer and the commit: job leased, pings still held.
    with session_factory.begin() as session:
        session.execute(
            update(Job)
            .where(Job.kind == "ping_delivery")
            .values(done_at=None, lease_owner="dead-worker", lease_until=LA_MORNING + timedelta(minutes=2))
        )
        session.execute(update(HeldPing).values(status="held", delivered_at=None))
    assert _tick(deps, handoff, clock, LA_MORNING + timedelta(minutes=1)).get("pings_delivered") is None
    assert _tick(deps, handoff, clock, LA_MORNING + timedelta(minutes=3))["pings_delivered"] == 1
    assert len(_dms_to(fake_slack, "U2")) == 1
    with session_factory() as session:
        assert [p.status for p in session.scalars(select(HeldPing))] == ["delivered"]


def test_list_cancel_and_an_account_that_is_gone(
    live: LiveServer,
    fake_slack: FakeSlack,
    deps: Deps,
    handoff: HandoffApp,
    clock: FixedClock,
    session_factory: sessionmaker[Session],
) -> None:
    _world(fake_slack)
    _command(live, fake_slack, "/later", "<@U2|dana> first")
    _command(live, fake_slack, "/later", "<@U4|kim> second")
    listed = _command(live, fake_slack, "/later", "list")
    assert "Waiting to be delivered (2)" in _j(listed)
    with session_factory() as session:
        first = session.scalars(select(HeldPing).where(HeldPing.text == "first")).one()
    _choose(live, fake_slack, "U1", f"ping_cancel:{first.id}")
    assert "Cancelled" in fake_slack.response_url_posts("menu-U1")[-1]["text"]
    # Someone else cannot cancel it.
    _choose(live, fake_slack, "U3", f"ping_cancel:{first.id}")
    assert "not one of yours" in fake_slack.response_url_posts("menu-U3")[-1]["text"]
    fake_slack.fail_next("conversations.open", error="user_not_found")
    _tick(deps, handoff, clock, LA_MORNING)
    assert _dms_to(fake_slack, "U2") == [] and _dms_to(fake_slack, "U4") == []
    with session_factory() as session:
        statuses = {p.text: p.status for p in session.scalars(select(HeldPing))}
    assert statuses == {"first": "cancelled", "second": "failed"}
    told = [c for c in fake_slack.calls_to("chat.postMessage") if "couldn't deliver" in c.params.get("text", "")]
    assert len(told) == 1 and "<@U4>" in told[0].params["text"]


def _choose(live: LiveServer, fake: FakeSlack, user: str, value: str) -> None:
    menu = {"type": "overflow", "action_id": "ping_menu", "block_id": "b", "selected_option": {"value": value}}
    live.act(fake, user, {**menu, "action_ts": "1"}, response_key=f"menu-{user}")


def test_hours_show_set_and_errors_and_held_pings_follow_a_change(
    live: LiveServer,
    fake_slack: FakeSlack,
    deps: Deps,
    handoff: HandoffApp,
    clock: FixedClock,
    session_factory: sessionmaker[Session],
) -> None:
    _world(fake_slack)
    shown = _command(live, fake_slack, "/hours", "", user="U2")["text"]
    assert "09:00\u201317:00, Mon\u2013Fri, America/Los_Angeles (from your Slack profile)" in shown
    assert "Next start:* Mon 09:00 America/Los_Angeles (in 9 h)" in shown
    for bad, expected in (("25:00-99", "25:00-99"), ("17:00-09:00 xyz", "xyz"), ("tz Mars/Base", "Mars/Base")):
        assert expected in _command(live, fake_slack, "/hours", bad, user="U2")["text"]
    _command(live, fake_slack, "/later", "<@U2|dana> when you're up")
    # Dana starts at 06:00 from now on: the held ping moves with her.
    saved = _command(live, fake_slack, "/hours", "06:00-14:00 mon-fri", user="U2")["text"]
    assert saved.startswith("Saved.") and "1 ping waiting for you moved" in saved
    six_la = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
    _tick(deps, handoff, clock, six_la - timedelta(minutes=1))
    assert _dms_to(fake_slack, "U2") == []
    # Dana used Handoff (/hours), so her morning catch-up comes at 06:00 too, and the ping rides in it.
    assert _tick(deps, handoff, clock, six_la)["catchups_sent"] == 1
    (dm,) = _dms_to(fake_slack, "U2")
    assert "when you're up" in _j(dm.params["blocks"])
    off = _command(live, fake_slack, "/hours", "off 2026-03-03..2026-03-06", user="U2")["text"]
    assert "Time off:* 2026-03-03 to 2026-03-06" in off


def _interact(live: LiveServer, payload: dict[str, Any]) -> None:
    base = {"team": {"id": TEAM_ID, "domain": "acme"}, "api_app_id": "A0001", "token": "legacy"}
    base["trigger_id"] = trigger_id()
    response = live.post_form(urllib.parse.urlencode({"payload": json.dumps({**base, **payload})}))
    assert response.status_code == 200
    live.settle()


def test_the_shortcut_pings_each_person_about_a_message_in_their_hours(
    live: LiveServer, fake_slack: FakeSlack, deps: Deps, handoff: HandoffApp, clock: FixedClock
) -> None:
    _world(fake_slack)
    ts = datetime_to_ts(START - timedelta(hours=1))
    fake_slack.add_message("C1", ts=ts, user="U4", text="Proposal: freeze the API on Friday")
    _interact(
        live,
        {
            "type": "message_action",
            "callback_id": SHORTCUT,
            "user": {"id": "U1", "team_id": TEAM_ID},
            "channel": {"id": "C1", "name": "general"},
            "message": {"type": "message", "user": "U4", "text": "Proposal: freeze the API on Friday", "ts": ts},
            "response_url": fake_slack.response_url("sc"),
        },
    )
    (opened,) = fake_slack.calls_to("views.open")
    view = opened.params["view"]
    assert view["callback_id"] == SHORTCUT_CALLBACK and json.loads(view["private_metadata"])["ts"] == ts
    values = {
        "recipients": {"value": {"type": "multi_users_select", "selected_users": ["U2", "U3"]}},
        "note": {"value": {"type": "plain_text_input", "value": "Does this work for your team?"}},
        "urgent": {"value": {"type": "checkboxes", "selected_options": []}},
    }
    submitted = {**view, "id": "V1", "hash": "h", "state": {"values": values}}
    _interact(live, {"type": "view_submission", "user": {"id": "U1", "team_id": TEAM_ID}, "view": submitted})
    link = f"https://acme.slack.com/archives/C1/p{ts.replace('.', '')}"
    # Ravi is working in Kolkata: he has it now, with the note and the link to the message.
    (now_dm,) = _dms_to(fake_slack, "U3")
    assert "Does this work for your team?" in _j(now_dm.params["blocks"]) and link in _j(now_dm.params["blocks"])
    (receipt,) = [c.params for c in fake_slack.calls_to("chat.postEphemeral") if c.params["user"] == "U1"]
    assert receipt["channel"] == "C1"
    assert "<@U3> · delivered now" in _j(receipt) and "<@U2> · held until Mon 09:00 America/Los_Angeles" in _j(receipt)
    assert _dms_to(fake_slack, "U2") == []
    assert _tick(deps, handoff, clock, LA_MORNING)["pings_delivered"] == 1
    (held_dm,) = _dms_to(fake_slack, "U2")
    assert link in _j(held_dm.params["blocks"])


def test_a_ping_held_by_one_process_is_released_once_by_another_after_a_restart(
    live: LiveServer,
    fake_slack: FakeSlack,
    deps: Deps,
    handoff: HandoffApp,
    clock: FixedClock,
    database_url: str,
    tmp_path: Path,
) -> None:
    _world(fake_slack)
    _command(live, fake_slack, "/later", "<@U2|dana> Can you review the RFC?")
    live.stop()
    # A new process, as an operator's cron runs it: `handoff tick --now` at chosen instants.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "HANDOFF_", "OPENAI_", "DATABASE_"))}
    env.update(DATABASE_URL=database_url, SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_API_URL=fake_slack.url)

    def tick(at: datetime) -> str:
        args = [HANDOFF, "tick", "--now", at.isoformat()]
        done = subprocess.run(args, check=False, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        return done.stdout

    assert "pings_delivered" not in tick(LA_MORNING - timedelta(minutes=1))
    assert "pings_delivered=1" in tick(LA_MORNING)
    assert "pings_delivered" not in tick(LA_MORNING)
    # The first process, back again, finds nothing left to send.
    assert _tick(deps, handoff, clock, LA_MORNING + timedelta(minutes=1)).get("pings_delivered") is None
    (dm,) = _dms_to(fake_slack, "U2")
    assert "Can you review the RFC?" in _j(dm.params["blocks"])


def test_a_new_time_zone_in_the_slack_profile_moves_the_pings_held_for_them(
    live: LiveServer, fake_slack: FakeSlack, session_factory: sessionmaker[Session]
) -> None:
    _world(fake_slack)
    _command(live, fake_slack, "/later", "<@U2|dana> when you're up")
    with session_factory() as session:
        assert session.scalars(select(HeldPing.due_at)).one() == LA_MORNING
    # Dana moves to Tokyo: Monday 08:00 UTC is 17:00 there, so her next start is Tuesday 09:00 JST.
    user = {"id": "U2", "team_id": TEAM_ID, "name": "dana", "tz": "Asia/Tokyo", "tz_offset": 9 * 3600}
    assert live.post_event(event_body({"type": "user_change", "user": user, "event_ts": "1.0"})).status_code == 200
    live.settle()
    with session_factory() as session:
        assert session.scalars(select(HeldPing.due_at)).one() == datetime(2026, 3, 3, 0, 0, tzinfo=UTC)
