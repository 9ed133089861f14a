"""The daily re-check: what Handoff believes about each channel is read again from Slack, paced, once a day.

Slack drops events while an app's endpoint fails; here Handoff missed a channel made private, people
joining and leaving a private channel, its own removal from one, and a record from before Handoff
asked Slack whether it is a member. The tick's re-check finds and corrects all of it, a bounded
batch a minute, claimed once across replicas, and logs the corrections with their counts.
"""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot.app import HandoffApp
from bot.deps import Deps
from bot.runtime import build_deps
from bot.tick import run_tick
from decisions.finder import find_all
from ingest.recheck import BATCH
from store import channels, people, teams
from store import decisions as store
from store.channels import ChannelInfo
from store.decisions import NewDecision
from store.models import Job
from store.people import Profile
from tests.conftest import START
from tests.fakes.slack_api import FakeSlack
from tests.support import TEAM_ID, make_settings, seed_channel

QUIET = [f"C0Q{n:02d}" for n in range(BATCH + 5)]


def _file(session: Session, channel_id: str, text: str) -> None:
    new = NewDecision(team_id=TEAM_ID, channel_id=channel_id, text=text, logged_by="U1", source="command")
    store.file(session=session, new=new, now=START)


@pytest.fixture
def missed(fake_slack: FakeSlack, session_factory: sessionmaker[Session]) -> None:
    """What Handoff holds (from before its endpoint was down), and what Slack says now."""
    for user in ("U1", "U2", "U3"):
        fake_slack.add_user(TEAM_ID, user, name=user.lower())
    # Slack now: #general was made private; #leads lost Bo and gained Cy; Handoff was removed from #ops;
    # Handoff was never in #random.
    fake_slack.add_channel(TEAM_ID, "C1", name="general", members=["U1", "UBOT"], is_private=True)
    fake_slack.add_channel(TEAM_ID, "G1", name="leads", members=["U1", "U3", "UBOT"], is_private=True)
    fake_slack.add_channel(TEAM_ID, "G2", name="ops", members=["U1", "U2"], is_private=True)
    fake_slack.add_channel(TEAM_ID, "C3", name="random", members=["U1", "U2"])
    for channel_id in QUIET:
        fake_slack.add_channel(TEAM_ID, channel_id, name=channel_id.lower(), members=["U1", "UBOT"])
    with session_factory.begin() as session:
        team = teams.ensure_team(session=session, team_id=TEAM_ID, now=START)
        team.bot_user_id = "UBOT"
        for user in ("U1", "U2", "U3"):
            people.save_profile(session=session, profile=Profile(TEAM_ID, user, name=user.lower()), now=START)
        seed_channel(session, "C1", "general", ["U1", "U2", "UBOT"])
        seed_channel(session, "G1", "leads", ["U1", "U2", "UBOT"], private=True)
        seed_channel(session, "G2", "ops", ["U1", "U2", "UBOT"], private=True)
        # Saved before Handoff asked Slack whether it is in a channel: a member by default.
        info = ChannelInfo(TEAM_ID, "C3", "random", is_member=True)
        channels.save_channel(session=session, info=info, now=START)
        for channel_id in QUIET:
            seed_channel(session, channel_id, channel_id.lower(), ["U1", "UBOT"])
        for channel_id, text in (("C1", "Ship on Monday"), ("G1", "Reorg in Q2"), ("G2", "Pager rota")):
            _file(session, channel_id, text)


def _seen(factory: sessionmaker[Session], user: str) -> set[str]:
    with factory() as session:
        return {hit.decision.text for hit in find_all(session=session, team_id=TEAM_ID, viewer_id=user, raw="")}


def _read(fake: FakeSlack) -> int:
    return len(fake.calls_to("conversations.info"))


def test_the_daily_recheck_corrects_what_events_missed_a_batch_a_minute_and_logs_the_counts(
    missed: None,
    deps: Deps,
    handoff: HandoffApp,
    fake_slack: FakeSlack,
    session_factory: sessionmaker[Session],
    caplog: pytest.LogCaptureFixture,
    database_url: str,
) -> None:
    # Before: Bo still sees what Slack no longer shows him.
    assert _seen(session_factory, "U2") == {"Ship on Monday", "Reorg in Q2", "Pager rota"}
    settings = make_settings(database_url=database_url, slack_api_url=fake_slack.url)
    other = build_deps(settings, clock=deps.clock, worker_id="worker-b")
    try:
        caplog.set_level(logging.INFO, logger="ingest.recheck")
        first = run_tick(deps, handoff.processors, now=START)
        assert first.counts["channel_rechecks_planned"] == 1
        assert first.counts["channels_rechecked"] == BATCH == _read(fake_slack)
        # A second replica ticking at the same instant finds nothing due: the next batch waits a minute.
        assert "channels_rechecked" not in run_tick(other, handoff.processors, now=START).counts
        assert _read(fake_slack) == BATCH
        # The rest, a minute later, in whichever replica ticks.
        rest = run_tick(other, handoff.processors, now=START + timedelta(minutes=1))
        assert rest.counts["channels_rechecked"] == len(QUIET) + 4 - BATCH
        assert "channels_rechecked" not in run_tick(deps, handoff.processors, now=START + timedelta(minutes=2)).counts
    finally:
        other.engine.dispose()
    assert _read(fake_slack) == len(QUIET) + 4
    # Members were read only for the private channels Handoff is in (#general now, #leads), once each.
    assert sorted(call.params["channel"] for call in fake_slack.calls_to("conversations.members")) == ["C1", "G1"]

    # After: what Slack says.
    assert _seen(session_factory, "U2") == set()
    assert _seen(session_factory, "U3") == {"Reorg in Q2"}
    assert _seen(session_factory, "U1") == {"Ship on Monday", "Reorg in Q2"}
    with session_factory() as session:
        random = channels.get_channel(session=session, team_id=TEAM_ID, channel_id="C3")
        assert random is not None and not random.is_member
        notices = session.query(Job).filter(Job.kind == "hidden_channel_notice").all()
        assert sorted(job.payload["recipient"] for job in notices) == ["U1", "U2"]
    (corrected,) = [r.getMessage() for r in caplog.records if "daily channel re-check" in r.getMessage()]
    assert corrected == (
        f"daily channel re-check of {TEAM_ID} corrected what Handoff believed ({len(QUIET) + 4} channels read): "
        "handoff_membership_changed=2, members_added=1, members_removed=2, privacy_changed=1"
    )

    # The next day, once more.
    next_day = run_tick(deps, handoff.processors, now=START + timedelta(days=1))
    assert next_day.counts["channel_rechecks_planned"] == 1 and next_day.counts["channels_rechecked"] == BATCH


def test_the_recheck_waits_for_slack_when_it_says_to_and_resumes_where_it_stopped(
    missed: None, deps: Deps, handoff: HandoffApp, fake_slack: FakeSlack, session_factory: sessionmaker[Session]
) -> None:
    # Slack answers the first three reads, then asks to wait a minute.
    fake_slack.fail_next(
        "conversations.info", status=429, retry_after=60, match=lambda params: params.get("channel") == QUIET[3]
    )
    report = run_tick(deps, handoff.processors, now=START)
    assert report.counts.get("channels_rechecked") == 3
    assert "channels_rechecked" not in run_tick(deps, handoff.processors, now=START + timedelta(seconds=30)).counts
    later = run_tick(deps, handoff.processors, now=START + timedelta(minutes=1, seconds=30))
    assert later.counts["channels_rechecked"] == BATCH
    with session_factory() as session:
        (job,) = session.query(Job).filter(Job.kind == "channel_recheck").all()
        assert job.done_at is None and job.payload["counts"]["channels_read"] == 3 + BATCH
