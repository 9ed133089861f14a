"""Messages whose content lives in attachments or blocks (integrations, shared messages): decisions,
catch-ups and imports read the same words from them, never "(no text)"."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.app import HandoffApp
from bot.clock import FixedClock
from bot.deps import Deps
from bot.tick import run_tick
from store.models import Decision
from store.slack_time import datetime_to_ts
from tests.conftest import START
from tests.fakes.slack_api import FakeSlack
from tests.integration_payloads import INCIDENT, INCIDENT_TEXT, PULL_REQUEST, PULL_REQUEST_TEXT, SHARED
from tests.support import TEAM_ID, LiveServer, command_form, event_body

# Dana's day starts at 09:00 in Los Angeles: 17:00 UTC on START's Monday.
DANA_START = datetime(2026, 3, 2, 17, 0, tzinfo=UTC)


def _world(fake: FakeSlack) -> None:
    fake.add_user(TEAM_ID, "U1", name="ana", tz="Europe/Berlin")
    fake.add_user(TEAM_ID, "U2", name="dana", tz="America/Los_Angeles")
    fake.add_user(TEAM_ID, "U3", name="ravi", tz="Asia/Kolkata")
    fake.add_channel(TEAM_ID, "C1", name="general", members=["U1", "U2", "U3", "UBOT"])


def _post(live: LiveServer, fake: FakeSlack, at: datetime, **fields: Any) -> str:
    ts = datetime_to_ts(at)
    fake.add_message("C1", ts=ts, **fields)
    event = {"type": "message", "channel": "C1", "text": "", "ts": ts, "event_ts": ts, **fields}
    assert live.post_event(event_body(event)).status_code == 200
    live.settle()
    return ts


def _react(live: LiveServer, ts: str) -> None:
    item = {"type": "message", "channel": "C1", "ts": ts}
    event = {"type": "reaction_added", "user": "U1", "reaction": "memo", "item": item, "event_ts": ts}
    assert live.post_event(event_body(event)).status_code == 200
    live.settle()


def _decision_texts(factory: sessionmaker[Session]) -> list[str]:
    with factory() as session:
        return [d.text for d in session.scalars(select(Decision).order_by(Decision.id))]


def test_a_decision_filed_on_an_integrations_message_keeps_its_attachment_or_blocks_text(
    live: LiveServer, fake_slack: FakeSlack, session_factory: sessionmaker[Session]
) -> None:
    _world(fake_slack)
    github = _post(live, fake_slack, START, bot_id="B0GITHUB", subtype="bot_message", attachments=PULL_REQUEST)
    pagerduty = _post(live, fake_slack, START + timedelta(minutes=1), bot_id="B0PD", blocks=INCIDENT)
    _react(live, github)
    _react(live, pagerduty)
    assert _decision_texts(session_factory) == [PULL_REQUEST_TEXT, INCIDENT_TEXT]
    confirmations = json.dumps([c.params for c in fake_slack.calls_to("chat.postMessage")], ensure_ascii=False)
    assert "#42 Move the store to Postgres" in confirmations and "no text" not in confirmations


def test_a_decision_on_a_message_read_from_slack_keeps_its_attachment_text(
    live: LiveServer, fake_slack: FakeSlack, session_factory: sessionmaker[Session]
) -> None:
    # The message predates Handoff: it is read from Slack when the reaction comes.
    _world(fake_slack)
    ts = datetime_to_ts(START - timedelta(days=2))
    fake_slack.add_message("C1", ts=ts, bot_id="B0GITHUB", subtype="bot_message", attachments=PULL_REQUEST)
    _react(live, ts)
    assert _decision_texts(session_factory) == [PULL_REQUEST_TEXT]


def test_a_shared_message_is_summarized_in_the_catch_up_with_its_words(
    live: LiveServer, fake_slack: FakeSlack, deps: Deps, handoff: HandoffApp, clock: FixedClock
) -> None:
    _world(fake_slack)
    # Dana uses Handoff once (asks for her hours): from then on she gets a catch-up.
    assert live.post_form(command_form("/hours", "", user_id="U2", channel_id="C1")).status_code == 200
    live.settle()
    _post(live, fake_slack, START + timedelta(minutes=5), user="U1", attachments=SHARED)
    clock.instant = DANA_START
    assert run_tick(deps, handoff.processors).counts["catchups_sent"] == 1
    (dm,) = [c for c in fake_slack.calls_to("chat.postMessage") if "handoff_catchup" in json.dumps(c.params)]
    assert "Freeze deploys until the latency incident is closed" in json.dumps(dm.params["blocks"])
