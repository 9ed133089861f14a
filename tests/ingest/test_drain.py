"""Draining the inbox in slices: what is not processed now is not held back by a lease."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.app import HandoffApp
from bot.deps import Deps
from ingest.drain import drain_inbox
from ingest.runner import Outcome
from store import inbox
from store.models import InboxEvent
from store.slack_time import datetime_to_ts
from tests.conftest import START
from tests.fakes.slack_api import FakeSlack
from tests.support import TEAM_ID, event_body


def _store_events(factory: sessionmaker[Session], count: int) -> None:
    deliveries = []
    for index in range(count):
        ts = datetime_to_ts(START - timedelta(seconds=index))
        body = event_body({"type": "message", "channel": "C1", "user": "U1", "text": f"m{index}", "ts": ts})
        deliveries.append(inbox.Delivery(body["event_id"], TEAM_ID, "message", json.dumps(body)))
    with factory.begin() as session:
        inbox.record_events(connection=session.connection(), deliveries=deliveries, now=START)


def test_a_limited_drain_processes_that_many_and_leaves_the_rest_due_for_anyone(
    deps: Deps, handoff: HandoffApp, fake_slack: FakeSlack, session_factory: sessionmaker[Session]
) -> None:
    fake_slack.add_user(TEAM_ID, "U1", name="ana")
    fake_slack.add_channel(TEAM_ID, "C1", name="general", members=["U1", "UBOT"])
    _store_events(session_factory, 7)
    assert drain_inbox(deps, handoff.processors, batch=2, limit=3) == {Outcome.DONE: 3}
    with session_factory() as session:
        rows = session.scalars(select(InboxEvent)).all()
    assert sum(row.done_at is not None for row in rows) == 3
    # None of the other four was claimed: another worker can take them at once.
    assert all(row.lease_owner is None for row in rows if row.done_at is None)
    assert drain_inbox(deps, handoff.processors) == {Outcome.DONE: 4}
