"""The admins' weekly team report through the tick: once per admin and week, at the start of their Monday,
the figures then the chart, whatever Slack's 429s, crashes and a second replica do."""

from __future__ import annotations

import io
import json
import re
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from PIL import Image
from sqlalchemy import select, update

from bot.app import HandoffApp
from bot.clock import FixedClock
from bot.deps import Deps
from bot.retries import SPREAD
from bot.runtime import build_deps
from bot.tick import run_tick
from metrics import weekly_send
from metrics.chart import SERIES_KEY
from metrics.choices import weekly_report_choice
from metrics.weekly_plan import REPORT_KIND
from store import people
from store.models import Job
from store.people import Profile
from tests.blockkit import assert_valid_view
from tests.fakes.slack_api import FakeSlack, SlackCall
from tests.metrics.history import CONVERSATIONS, PEOPLE, TEAM, TZ, seed_history, seed_workspace

# Planned at the start of Sunday (UTC); Ana's Monday starts at 09:00 in Berlin, Lea's at 09:00 in Los Angeles.
PLANNING = datetime(2026, 3, 1, 0, 0, tzinfo=UTC)
ANA_MONDAY = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
LEA_MONDAY = datetime(2026, 3, 2, 17, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def history(deps: Deps, fake_slack: FakeSlack) -> None:
    for user_id, name in PEOPLE.items():
        fake_slack.add_user(TEAM, user_id, name=name, tz=TZ, is_admin=user_id == "U1")
    fake_slack.add_user(TEAM, "U9", name="lea", tz="America/Los_Angeles", is_owner=True)
    # Slack knows the channels Handoff has on record (its daily re-check reads them).
    for channel_id, name, members, private, im in CONVERSATIONS:
        if not im:
            fake_slack.add_channel(TEAM, channel_id, name=name, members=members, is_private=private)
    with deps.session_factory.begin() as session:
        seed_workspace(session)
        seed_history(session)
        # As Slack's profiles told Handoff: Ana is an admin, Lea the owner.
        ana = Profile(TEAM, "U1", name="ana", tz=TZ, is_admin=True)
        people.save_profile(session=session, profile=ana, now=PLANNING)
        lea = Profile(TEAM, "U9", name="lea", tz="America/Los_Angeles", is_owner=True)
        people.save_profile(session=session, profile=lea, now=PLANNING)


def _tick(deps: Deps, handoff: HandoffApp, clock: FixedClock, at: datetime) -> dict[str, int]:
    clock.instant = at
    return run_tick(deps, handoff.processors).counts


def _reports_to(fake: FakeSlack, user: str) -> list[SlackCall]:
    dm = f"D{user}"
    return [
        call
        for call in fake.calls_to("chat.postMessage")
        if call.params["channel"] == dm
        and call.response.get("ok")
        and (call.params.get("metadata") or {}).get("event_type") == "handoff_stats_report"
    ]


def _charts_to(fake: FakeSlack, user: str) -> list[Any]:
    return [f for f in fake.files() if f.completed and f.channel_ids == (f"D{user}",)]


def test_each_admin_gets_the_report_once_at_the_start_of_their_monday_with_the_chart(
    deps: Deps, handoff: HandoffApp, clock: FixedClock, fake_slack: FakeSlack
) -> None:
    assert _tick(deps, handoff, clock, PLANNING)["stats_reports_planned"] == 2
    assert _tick(deps, handoff, clock, ANA_MONDAY - timedelta(minutes=1)).get("stats_reports_sent") is None
    assert _tick(deps, handoff, clock, ANA_MONDAY)["stats_reports_sent"] == 1
    for later in (ANA_MONDAY, ANA_MONDAY + timedelta(minutes=1), ANA_MONDAY + timedelta(hours=2)):
        assert _tick(deps, handoff, clock, later).get("stats_reports_sent") is None
    (report,) = _reports_to(fake_slack, "U1")
    assert_valid_view({"type": "home", "blocks": report.params["blocks"]})
    shown = json.dumps(report.params["blocks"], ensure_ascii=False)
    assert "Weekly team report · Acme" in shown
    # The week before Monday (23 Feb-1 Mar) against the one before it: worked out in tests/metrics.
    assert "*Decisions logged:* 4 (+2)  ·  0 · 0 · 0 · 0 · 0 · 1 · 2 · 4" in shown
    assert "*Median catch-up reading time:* about 2.5 min (was about 1 min)" in shown
    assert "<#C1>: 4 decisions logged" in shown and "<#C2>" not in shown
    # #tiny alone, #leads and the direct message's ping: too small to show, so in no figure and never counted.
    assert "Not shown on their own" not in shown and "Private conversations*:" not in shown
    assert "leads" not in shown and "`/handoff stats report off` stops it" in shown
    # Nobody is named or counted: not in the message, not in the chart's series.
    everything = shown + json.dumps(report.params["text"])
    for user_id, name in PEOPLE.items():
        assert user_id not in everything and re.search(rf"\b{name}\b", everything) is None
    assert "<@" not in everything
    (chart,) = _charts_to(fake_slack, "U1")
    assert chart.filename == "team-report-2026-03-02.png" and chart.content is not None
    image = Image.open(io.BytesIO(chart.content))
    assert image.format == "PNG"
    series = json.loads(image.info[SERIES_KEY])["series"]
    assert not any(user_id in image.info[SERIES_KEY] for user_id in PEOPLE)
    assert series["Decisions logged"] == [0, 0, 0, 0, 0, 1, 2, 4]
    assert series["Catch-ups delivered"] == [0, 0, 0, 0, 0, 0, 3, 3]
    # Lea's Monday starts later, in Los Angeles; members who are not admins get nothing.
    assert _reports_to(fake_slack, "U9") == []
    assert _tick(deps, handoff, clock, LEA_MONDAY)["stats_reports_sent"] == 1
    assert len(_reports_to(fake_slack, "U9")) == 1 and len(_charts_to(fake_slack, "U9")) == 1
    assert all(_reports_to(fake_slack, user) == [] for user in PEOPLE if user != "U1")
    # Later days' planning finds this week planned already and plans the next Monday instead: on Tuesday
    # (UTC) for Ana; for Lea, still on Monday in Los Angeles then, the day after.
    assert _tick(deps, handoff, clock, PLANNING + timedelta(days=2))["stats_reports_planned"] == 1
    assert _tick(deps, handoff, clock, PLANNING + timedelta(days=3))["stats_reports_planned"] == 1
    assert _tick(deps, handoff, clock, PLANNING + timedelta(days=4)).get("stats_reports_planned") is None
    with deps.session_factory() as session:
        keys = sorted(session.scalars(select(Job.key).where(Job.kind == REPORT_KIND)))
    assert keys == ["U1:2026-03-02", "U1:2026-03-09", "U9:2026-03-02", "U9:2026-03-09"]


def test_a_429_waits_for_retry_after_and_the_retry_sends_only_the_chart(
    deps: Deps, handoff: HandoffApp, clock: FixedClock, fake_slack: FakeSlack
) -> None:
    _tick(deps, handoff, clock, PLANNING)
    fake_slack.fail_next("files.getUploadURLExternal", status=429, retry_after=30)
    assert _tick(deps, handoff, clock, ANA_MONDAY).get("stats_reports_sent") is None
    assert len(_reports_to(fake_slack, "U1")) == 1 and _charts_to(fake_slack, "U1") == []
    # Never before Retry-After; by then plus the spread every retry gets (bot/retries.py).
    assert _tick(deps, handoff, clock, ANA_MONDAY + timedelta(seconds=29)).get("stats_reports_sent") is None
    assert _tick(deps, handoff, clock, ANA_MONDAY + timedelta(seconds=30 * (1 + SPREAD)))["stats_reports_sent"] == 1
    assert len(_reports_to(fake_slack, "U1")) == 1 and len(_charts_to(fake_slack, "U1")) == 1
    # A 429 on the message itself: nothing was sent, all of it comes after Retry-After.
    fake_slack.fail_next("chat.postMessage", status=429, retry_after=60)
    assert _tick(deps, handoff, clock, LEA_MONDAY).get("stats_reports_sent") is None
    assert _tick(deps, handoff, clock, LEA_MONDAY + timedelta(seconds=59)).get("stats_reports_sent") is None
    assert _tick(deps, handoff, clock, LEA_MONDAY + timedelta(seconds=60 * (1 + SPREAD)))["stats_reports_sent"] == 1
    assert len(_reports_to(fake_slack, "U9")) == 1 and len(_charts_to(fake_slack, "U9")) == 1


def test_a_worker_that_died_after_sending_leaves_nothing_to_send_twice(
    deps: Deps, handoff: HandoffApp, clock: FixedClock, fake_slack: FakeSlack
) -> None:
    _tick(deps, handoff, clock, PLANNING)
    _tick(deps, handoff, clock, ANA_MONDAY)
    # As if the worker died after Slack took the message and the chart, before either was written down.
    with deps.session_factory.begin() as session:
        session.execute(
            update(Job)
            .where(Job.kind == REPORT_KIND, Job.key == "U1:2026-03-02")
            .values(
                done_at=None,
                lease_owner="dead-worker",
                lease_until=ANA_MONDAY + timedelta(minutes=5),
                payload={"recipient": "U1", "week_of": "2026-03-02"},
            )
        )
    assert _tick(deps, handoff, clock, ANA_MONDAY + timedelta(minutes=4)).get("stats_reports_sent") is None
    # The lease ran out: the next worker finds both in the DM and only finishes the job.
    assert _tick(deps, handoff, clock, ANA_MONDAY + timedelta(minutes=6))["stats_reports_sent"] == 1
    assert len(_reports_to(fake_slack, "U1")) == 1 and len(_charts_to(fake_slack, "U1")) == 1


@pytest.fixture
def second_replica(deps: Deps, clock: FixedClock) -> Iterator[Deps]:
    other = build_deps(deps.settings, clock=clock, worker_id="worker-b")
    yield other
    other.engine.dispose()


def test_two_replicas_ticking_at_once_send_one_report(
    deps: Deps, second_replica: Deps, handoff: HandoffApp, clock: FixedClock, fake_slack: FakeSlack
) -> None:
    clock.instant = PLANNING
    run_tick(deps, handoff.processors)
    clock.instant = ANA_MONDAY
    start = threading.Barrier(2)
    counts: list[int] = []

    def replica(which: Deps) -> None:
        start.wait()
        counts.append(run_tick(which, handoff.processors).counts.get("stats_reports_sent", 0))

    threads = [threading.Thread(target=replica, args=(which,)) for which in (deps, second_replica)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(counts) == [0, 1]
    assert len(_reports_to(fake_slack, "U1")) == 1 and len(_charts_to(fake_slack, "U1")) == 1


def test_a_worker_whose_lease_ran_out_before_posting_leaves_the_report_to_the_one_that_took_it_over(
    deps: Deps, second_replica: Deps, handoff: HandoffApp, clock: FixedClock, fake_slack: FakeSlack
) -> None:
    _tick(deps, handoff, clock, PLANNING)
    clock.instant = ANA_MONDAY
    # The first worker claims Ana's report, then is slow to hear back from Slack, past its lease.
    held = fake_slack.hold("conversations.open", after=False)
    slow = threading.Thread(target=weekly_send.deliver_due, args=(deps, ANA_MONDAY))
    slow.start()
    try:
        assert held.wait_reached(timeout=60), "the first worker never reached Slack"
        clock.instant = ANA_MONDAY + timedelta(minutes=6)
        assert weekly_send.deliver_due(second_replica, clock.instant) == 1
    finally:
        held.release()
        slow.join(timeout=60)
    assert not slow.is_alive()
    assert len(_reports_to(fake_slack, "U1")) == 1 and len(_charts_to(fake_slack, "U1")) == 1


def test_no_report_for_an_admin_who_turned_it_off_or_is_no_longer_an_admin(
    deps: Deps, handoff: HandoffApp, clock: FixedClock, fake_slack: FakeSlack
) -> None:
    _tick(deps, handoff, clock, PLANNING)
    # Ana stops hers after it was planned; Lea stops being the owner.
    said = weekly_report_choice(deps, team_id=TEAM, user_id="U1", on=False, is_admin=True)
    assert said.startswith("Done: no more weekly team reports for you.")
    fake_slack.update_user("U9", is_owner=False)
    _tick(deps, handoff, clock, ANA_MONDAY)
    _tick(deps, handoff, clock, LEA_MONDAY)
    assert _reports_to(fake_slack, "U1") == [] and _reports_to(fake_slack, "U9") == []
    assert fake_slack.files() == []
    # Ana's choice also holds for the weeks after: she is no longer planned.
    _tick(deps, handoff, clock, PLANNING + timedelta(days=3))
    with deps.session_factory() as session:
        assert "U1:2026-03-09" not in set(session.scalars(select(Job.key).where(Job.kind == REPORT_KIND)))
