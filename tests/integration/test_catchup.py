"""The morning catch-up over signed HTTP and `tick` instants: one DM at each person's own start."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update

from bot.app import HandoffApp
from bot.clock import FixedClock
from bot.deps import Deps
from bot.retries import SPREAD
from bot.tick import run_tick
from digest import delivery as catchup_delivery
from digest.home_section import CADENCE_ACTION, EXCLUDE_ACTION, SWITCH_ACTION, TIME_ACTION
from pings import delivery as ping_delivery
from store import mentions, traffic
from store.mentions import OffHoursMention
from store.models import CatchUpPrefs, CatchUpRecord, Job
from store.slack_time import datetime_to_ts
from store.traffic import IncomingMessage
from tests.blockkit import assert_valid_view
from tests.conftest import START
from tests.fakes.slack_api import FakeSlack
from tests.support import TEAM_ID, LiveServer, command_form, event_body

# START is Monday 2026-03-02 08:00 UTC. Dana's day starts at 09:00 in Los Angeles: 17:00 UTC.
DANA_START = datetime(2026, 3, 2, 17, 0, tzinfo=UTC)


def _world(fake: FakeSlack) -> None:
    fake.add_user(TEAM_ID, "U1", name="ana", tz="Europe/Berlin")
    fake.add_user(TEAM_ID, "U2", name="dana", tz="America/Los_Angeles")
    fake.add_user(TEAM_ID, "U3", name="ravi", tz="Asia/Kolkata")
    fake.add_channel(TEAM_ID, "C1", name="general", members=["U1", "U2", "U3", "UBOT"])
    fake.add_channel(TEAM_ID, "G1", name="leads", is_private=True, members=["U1", "U3", "UBOT"])


def _command(live: LiveServer, name: str, text: str, *, user: str) -> Any:
    response = live.post_form(command_form(name, text, user_id=user, channel_id="C1"))
    assert response.status_code == 200
    live.settle()
    return response


def _say(
    live: LiveServer, fake: FakeSlack, text: str, *, at: datetime, user: str = "U1", channel: str = "C1", **extra: Any
) -> str:
    ts = datetime_to_ts(at)
    fake.add_message(channel, ts=ts, user=user, text=text, thread_ts=extra.get("thread_ts"))
    event = {"type": "message", "channel": channel, "user": user, "text": text, "ts": ts, "event_ts": ts, **extra}
    assert live.post_event(event_body(event)).status_code == 200
    live.settle()
    return ts


def _react(live: LiveServer, user: str, ts: str, *, channel: str = "C1") -> None:
    event = {
        "type": "reaction_added",
        "user": user,
        "reaction": "memo",
        "item": {"type": "message", "channel": channel, "ts": ts},
        "event_ts": ts,
    }
    assert live.post_event(event_body(event)).status_code == 200
    live.settle()


def _tick(deps: Deps, handoff: HandoffApp, clock: FixedClock, at: datetime) -> dict[str, int]:
    clock.instant = at
    return run_tick(deps, handoff.processors).counts


def _dms_to(fake: FakeSlack, user: str) -> list[Any]:
    opened = {
        c.response["channel"]["id"]
        for c in fake.calls_to("conversations.open")
        if c.params["users"] == user and c.response.get("ok")
    }
    return [
        c
        for c in fake.calls_to("chat.postMessage")
        if c.params["channel"] in opened and c.response.get("ok") and "handoff_catchup" in json.dumps(c.params)
    ]


def test_the_catch_up_arrives_once_at_each_persons_own_start_with_what_waits_on_them(
    live: LiveServer, fake_slack: FakeSlack, deps: Deps, handoff: HandoffApp, clock: FixedClock
) -> None:
    _world(fake_slack)
    # Dana uses Handoff once (asks for her hours): from then on she gets a catch-up.
    _command(live, "/hours", "", user="U2")
    _say(live, fake_slack, "<@U2> can you review the deploy plan?", at=START + timedelta(minutes=5))
    chosen = _say(live, fake_slack, "We are going with Postgres for the store", at=START + timedelta(minutes=10))
    _react(live, "U1", chosen)
    _say(live, fake_slack, "salary bands for the new roles", at=START + timedelta(minutes=15), channel="G1", user="U3")
    assert _tick(deps, handoff, clock, DANA_START - timedelta(minutes=1)).get("catchups_sent") is None
    assert _dms_to(fake_slack, "U2") == []
    assert _tick(deps, handoff, clock, DANA_START)["catchups_sent"] == 1
    assert _tick(deps, handoff, clock, DANA_START).get("catchups_sent") is None
    assert _tick(deps, handoff, clock, DANA_START + timedelta(minutes=1)).get("catchups_sent") is None
    (dm,) = _dms_to(fake_slack, "U2")
    shown = json.dumps(dm.params["blocks"], ensure_ascii=False)
    assert "<@U1> asked you in #general" in shown and "review the deploy plan" in shown
    assert "Decided in #general" in shown and "Postgres for the store" in shown
    assert "#general" in shown
    # A private channel she is not in never reaches her.
    assert "salary" not in json.dumps(dm.params, ensure_ascii=False)
    # Ana and Ravi never used Handoff: no unasked-for DM.
    assert _dms_to(fake_slack, "U1") == [] and _dms_to(fake_slack, "U3") == []


def _all_dms_to(fake: FakeSlack, user: str) -> list[Any]:
    opened = {
        c.response["channel"]["id"]
        for c in fake.calls_to("conversations.open")
        if c.params["users"] == user and c.response.get("ok")
    }
    return [c for c in fake.calls_to("chat.postMessage") if c.params["channel"] in opened and c.response.get("ok")]


def test_pings_held_for_the_morning_ride_inside_the_catch_up_one_dm_not_two(
    live: LiveServer, fake_slack: FakeSlack, deps: Deps, handoff: HandoffApp, clock: FixedClock
) -> None:
    _world(fake_slack)
    _command(live, "/hours", "", user="U2")
    _command(live, "/later", "<@U2|dana> Can you sign off the budget?", user="U1")
    _say(live, fake_slack, "Standup notes are in the doc", at=START + timedelta(minutes=5))
    _tick(deps, handoff, clock, START + timedelta(minutes=1))
    counts = _tick(deps, handoff, clock, DANA_START)
    assert counts["catchups_sent"] == 1 and counts.get("pings_delivered") is None
    (dm,) = _all_dms_to(fake_slack, "U2")
    shown = json.dumps(dm.params["blocks"])
    assert "<@U1> sent you: Can you sign off the budget?" in shown and "Standup notes" in shown
    # Later ticks find the ping delivered: it never comes again on its own.
    _tick(deps, handoff, clock, DANA_START + timedelta(minutes=5))
    assert len(_all_dms_to(fake_slack, "U2")) == 1
    answer = _command(live, "/later", "list", user="U1")
    assert "Can you sign off the budget?" not in answer.text


def test_a_429_requeues_the_catch_up_and_a_crash_after_posting_never_sends_it_twice(
    live: LiveServer, fake_slack: FakeSlack, deps: Deps, handoff: HandoffApp, clock: FixedClock
) -> None:
    _world(fake_slack)
    _command(live, "/hours", "", user="U2")
    _tick(deps, handoff, clock, START + timedelta(minutes=1))
    fake_slack.fail_next("chat.postMessage", status=429, retry_after=30)
    assert _tick(deps, handoff, clock, DANA_START).get("catchups_sent") is None
    assert _tick(deps, handoff, clock, DANA_START + timedelta(seconds=29)).get("catchups_sent") is None
    # Never before Retry-After, within a fifth more (the spread).
    assert _tick(deps, handoff, clock, DANA_START + timedelta(seconds=30 * (1 + SPREAD)))["catchups_sent"] == 1
    assert len(_dms_to(fake_slack, "U2")) == 1
    # As if the worker died between Slack's answer and the commit: job leased, nothing recorded.
    with deps.session_factory.begin() as session:
        session.execute(
            update(Job)
            .where(Job.kind == "catchup")
            .values(done_at=None, lease_owner="dead-worker", lease_until=DANA_START + timedelta(minutes=5))
        )
        session.execute(delete(CatchUpRecord))
        session.execute(update(CatchUpPrefs).values(next_due_at=DANA_START))
    assert _tick(deps, handoff, clock, DANA_START + timedelta(minutes=4)).get("catchups_sent") is None
    # The lease ran out: the next worker finds the DM tagged with the job and records it, no resend.
    assert _tick(deps, handoff, clock, DANA_START + timedelta(minutes=6))["catchups_sent"] == 1
    assert len(_dms_to(fake_slack, "U2")) == 1
    with deps.session_factory() as session:
        assert len(session.scalars(select(CatchUpRecord)).all()) == 1


def test_a_catch_up_hours_late_still_goes_out_marked_late(
    live: LiveServer, fake_slack: FakeSlack, deps: Deps, handoff: HandoffApp, clock: FixedClock
) -> None:
    _world(fake_slack)
    _command(live, "/hours", "", user="U2")
    _tick(deps, handoff, clock, START + timedelta(minutes=1))
    # No tick ran for four hours (an outage): it still comes, and says so calmly.
    assert _tick(deps, handoff, clock, DANA_START + timedelta(hours=4))["catchups_late"] == 1
    (dm,) = _dms_to(fake_slack, "U2")
    assert "later than" in json.dumps(dm.params["blocks"]).lower()


def test_off_means_no_dm_and_the_settings_say_so(
    live: LiveServer, fake_slack: FakeSlack, deps: Deps, handoff: HandoffApp, clock: FixedClock
) -> None:
    _world(fake_slack)
    shown = _command(live, "/catchup", "settings", user="U2").text
    assert "every working day, at the start of your working hours" in shown and "Mon 09:00 America/Los_Angeles" in shown
    assert "Your morning catch-up is off" in _command(live, "/catchup", "off", user="U2").text
    _say(live, fake_slack, "<@U2> ping", at=START + timedelta(minutes=5))
    _tick(deps, handoff, clock, START + timedelta(minutes=1))
    assert _tick(deps, handoff, clock, DANA_START).get("catchups_sent") is None
    assert _dms_to(fake_slack, "U2") == []
    weekly = _command(live, "/catchup", "weekly fri", user="U2").text
    assert "*Your catch-up is off.*" in weekly
    _command(live, "/catchup", "on", user="U2")
    assert "weekly, on Friday" in _command(live, "/catchup", "settings", user="U2").text
    for text, expected in {
        "at 25:00": "not a time of day",
        "weekly someday": "not a day of the week",
        "exclude": "Which channel?",
        "exclude #nowhere": "I don't know #nowhere",
        "sometimes": "I don't know `/catchup sometimes`",
    }.items():
        assert expected in _command(live, "/catchup", text, user="U2").text, text


def test_catch_up_on_demand_and_a_channel_left_out(
    live: LiveServer, fake_slack: FakeSlack, deps: Deps, handoff: HandoffApp, clock: FixedClock
) -> None:
    _world(fake_slack)
    _say(live, fake_slack, "Release train leaves at noon", at=START - timedelta(hours=2))
    clock.instant = START + timedelta(hours=1)
    key = "ondemand"
    form = command_form("/catchup", "", user_id="U3", channel_id="C1", response_url=fake_slack.response_url(key))
    assert "Putting your catch-up together" in live.post_form(form).text
    live.settle()
    (answer,) = fake_slack.response_url_posts(key)
    assert "Release train leaves at noon" in json.dumps(answer["blocks"])
    assert "Saved" in _command(live, "/catchup", "exclude <#C1|general>", user="U3").text
    form = command_form("/catchup", "", user_id="U3", channel_id="C1", response_url=fake_slack.response_url("again"))
    live.post_form(form)
    live.settle()
    (again,) = fake_slack.response_url_posts("again")
    assert "Release train" not in json.dumps(again) and "caught up" in json.dumps(again)


def test_an_admin_turns_catch_ups_on_for_everyone_and_keeps_a_channel_out_of_summaries(
    live: LiveServer, fake_slack: FakeSlack, deps: Deps, handoff: HandoffApp, clock: FixedClock
) -> None:
    _world(fake_slack)
    fake_slack.add_user(TEAM_ID, "UADMIN", name="boss", tz="America/Los_Angeles", is_admin=True)
    _say(live, fake_slack, "Payroll export fixed", at=START + timedelta(minutes=5))
    key = "admin"
    form = command_form(
        "/handoff", "exclude #general", user_id="U1", channel_id="C1", response_url=fake_slack.response_url(key)
    )
    live.post_form(form)
    live.settle()
    assert "Only workspace admins" in fake_slack.response_url_posts(key)[-1]["text"]
    for text in ("exclude #general", "catchup everyone"):
        form = command_form(
            "/handoff", text, user_id="UADMIN", channel_id="C1", response_url=fake_slack.response_url(key)
        )
        live.post_form(form)
        live.settle()
    assert "Done: every member" in fake_slack.response_url_posts(key)[-1]["text"]
    _tick(deps, handoff, clock, START + timedelta(minutes=10))
    _tick(deps, handoff, clock, DANA_START)
    # Dana never used Handoff, but the workspace chose everyone: her catch-up comes, without #general.
    (dm,) = _dms_to(fake_slack, "U2")
    assert "Payroll" not in json.dumps(dm.params)


def test_app_home_shows_the_latest_catch_up_in_full_and_how_it_comes(
    live: LiveServer, fake_slack: FakeSlack, deps: Deps, handoff: HandoffApp, clock: FixedClock
) -> None:
    _world(fake_slack)
    _command(live, "/hours", "", user="U2")
    _say(live, fake_slack, "<@U2> the vendor contract needs your eyes?", at=START + timedelta(minutes=5))
    _tick(deps, handoff, clock, START + timedelta(minutes=6))
    _tick(deps, handoff, clock, DANA_START)
    event = {"type": "app_home_opened", "user": "U2", "channel": "D2", "tab": "home", "event_ts": "1.0"}
    assert live.post_event(event_body(event)).status_code == 200
    live.settle()
    (published,) = [c for c in fake_slack.calls_to("views.publish") if c.params["user_id"] == "U2"][-1:]
    view = json.dumps(published.params["view"])
    assert_valid_view(published.params["view"])
    assert "Your latest catch-up" in view and "vendor contract" in view
    assert "every working day" in view and len(published.params["view"]["blocks"]) <= 100


def test_a_night_of_two_thousand_messages_fits_slacks_limits_and_points_to_app_home(
    live: LiveServer, fake_slack: FakeSlack, deps: Deps, handoff: HandoffApp, clock: FixedClock
) -> None:
    _world(fake_slack)
    for n in range(2, 40):
        fake_slack.add_channel(TEAM_ID, f"C{n}", name=f"team-{n}", members=["U1", "U2", "UBOT"])
        _say(live, fake_slack, "kick-off", at=START, channel=f"C{n}")
    _command(live, "/hours", "", user="U2")
    with deps.session_factory.begin() as session:
        for n in range(2_000):
            posted = START + timedelta(seconds=10 * n)
            text = f"<@U2> can you check item {n} & the <rollout> plan?" if n % 3 == 0 else f"update {n} " * 40
            message = IncomingMessage(TEAM_ID, f"C{2 + n % 38}", datetime_to_ts(posted), text, user_id="U1")
            traffic.record_message(session=session, message=message, now=posted)
            if n % 3 == 0:
                mentions.record(
                    session=session,
                    mention=OffHoursMention(TEAM_ID, message.channel_id, message.ts, "U1", "U2", posted),
                )
    _tick(deps, handoff, clock, START + timedelta(minutes=1))
    assert _tick(deps, handoff, clock, DANA_START)["catchups_sent"] == 1
    (dm,) = _dms_to(fake_slack, "U2")
    blocks = dm.params["blocks"]
    assert len(blocks) <= 50 and len(dm.params["text"]) < 4_000
    for block in blocks:
        assert len((block.get("text") or {}).get("text", "")) <= 3_000
    shown = json.dumps(blocks)
    assert "more in your <slack://user?team=T0001&amp;id=UBOT|Handoff App Home>" in shown
    # Message text is inert: "<rollout>" was escaped, not read as a link.
    assert "&lt;rollout&gt;" in shown and "<rollout>" not in shown


def test_app_home_controls_change_when_and_how_the_catch_up_comes(
    live: LiveServer, fake_slack: FakeSlack, deps: Deps, handoff: HandoffApp, clock: FixedClock
) -> None:
    _world(fake_slack)
    _command(live, "/hours", "", user="U2")

    def home() -> str:
        published = [c for c in fake_slack.calls_to("views.publish") if c.params["user_id"] == "U2"]
        assert_valid_view(published[-1].params["view"])
        return json.dumps(published[-1].params["view"])

    live.click(fake_slack, "U2", SWITCH_ACTION, "off")
    assert "Your catch-up is off" in home() and '"value": "on"' in home()
    live.click(fake_slack, "U2", SWITCH_ACTION, "on")
    menu = {"type": "static_select", "block_id": "catchup_settings", "action_ts": "1"}
    live.act(fake_slack, "U2", {**menu, "action_id": TIME_ACTION, "selected_option": {"value": "450"}})
    live.act(fake_slack, "U2", {**menu, "action_id": CADENCE_ACTION, "selected_option": {"value": "weekly:4"}})
    picker = {"type": "multi_conversations_select", "block_id": "catchup_exclusions", "action_ts": "1"}
    live.act(fake_slack, "U2", {**picker, "action_id": EXCLUDE_ACTION, "selected_conversations": ["C1"]})
    shown = home()
    assert "weekly, on Friday" in shown and "at 07:30 your time" in shown and "Left out:* <#C1>" in shown
    # Friday 07:30 in Los Angeles is 15:30 UTC: the weekly catch-up comes then, not on Monday.
    assert "Next: Fri 07:30 America/Los_Angeles" in shown
    _tick(deps, handoff, clock, START + timedelta(minutes=1))
    assert _tick(deps, handoff, clock, DANA_START).get("catchups_sent") is None
    friday = datetime(2026, 3, 6, 15, 30, tzinfo=UTC)
    assert _tick(deps, handoff, clock, friday)["catchups_sent"] == 1


def test_a_replica_releasing_pings_first_leaves_them_to_the_catch_up_due_at_the_same_start(
    live: LiveServer, fake_slack: FakeSlack, deps: Deps, handoff: HandoffApp, clock: FixedClock
) -> None:
    _world(fake_slack)
    _command(live, "/hours", "", user="U2")
    _command(live, "/later", "<@U2|dana> The contract is ready to sign", user="U1")
    _tick(deps, handoff, clock, START + timedelta(minutes=1))
    clock.instant = DANA_START
    # Another replica's tick gets to the pings before this one's catch-ups.
    assert ping_delivery.deliver_due(deps) == 0
    assert _all_dms_to(fake_slack, "U2") == []
    assert catchup_delivery.deliver_due(deps, DANA_START).sent == 1
    (dm,) = _all_dms_to(fake_slack, "U2")
    assert "The contract is ready to sign" in json.dumps(dm.params["blocks"])
    assert _tick(deps, handoff, clock, DANA_START + timedelta(minutes=3)).get("pings_delivered") is None
    assert len(_all_dms_to(fake_slack, "U2")) == 1


def test_the_next_mornings_catch_up_covers_only_the_time_away_and_not_the_readers_own_words(
    live: LiveServer, fake_slack: FakeSlack, deps: Deps, handoff: HandoffApp, clock: FixedClock
) -> None:
    _world(fake_slack)
    fake_slack.add_channel(TEAM_ID, "C2", name="scratch", members=["U1", "U2", "UBOT"])
    _command(live, "/hours", "", user="U2")
    assert _tick(deps, handoff, clock, DANA_START)["catchups_sent"] == 1
    # Dana works Monday 09:00-17:00 in Los Angeles (17:00-01:00 UTC): this she saw herself.
    _say(live, fake_slack, "Standup moves to 10:00 from tomorrow", at=DANA_START + timedelta(hours=2))
    # After her day: her own notes, and Ravi's news.
    evening = DANA_START + timedelta(hours=9)
    _say(live, fake_slack, "I will check the deploy first thing", at=evening, user="U2")
    _say(live, fake_slack, "Scratch: retry the flaky test", at=evening + timedelta(minutes=1), user="U2", channel="C2")
    _say(
        live,
        fake_slack,
        "The deploy is blocked on the expired TLS certificate",
        at=evening + timedelta(hours=1),
        user="U3",
    )
    assert _tick(deps, handoff, clock, DANA_START + timedelta(days=1))["catchups_sent"] == 1
    tuesday = json.dumps(_dms_to(fake_slack, "U2")[-1].params["blocks"], ensure_ascii=False)
    assert "The deploy is blocked on the expired TLS certificate" in tuesday
    assert "Standup moves" not in tuesday and "check the deploy first thing" not in tuesday
    # A channel where only she spoke has nothing she missed; #general counts Ravi's one message.
    assert "scratch" not in tuesday and "<#C2" not in tuesday
    assert "1 message" in tuesday and "2 messages" not in tuesday
    with deps.session_factory() as session:
        record = session.scalars(select(CatchUpRecord).order_by(CatchUpRecord.window_end.desc())).first()
        assert record is not None and record.window_start == DANA_START + timedelta(hours=8)
