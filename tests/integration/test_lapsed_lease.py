"""A worker whose lease ran out while it worked posts nothing: the worker that took the job over posts, once.

For every kind of item Handoff posts from the tick, two are due. Worker A claims both at the due
minute, then its Slack call before the post is held (as a slow model or a slow Slack holds it in
production) until past every lease; meanwhile worker B ticks, takes both over and delivers them.
When A's call is answered, A must not post what B already posted.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.clock import FixedClock
from bot.deps import Deps
from bot.runtime import build_deps
from decisions import review, sync
from digest import delivery as catchups
from pings import delivery as pings
from pings import notices
from store import traffic
from store.models import HeldPing
from store.traffic import IncomingMessage
from tests.fakes.openai_api import FakeOpenAI
from tests.fakes.slack_api import FakeSlack
from tests.integration.test_crashes import AFTER_LEASES, DUE, FIRST, KINDS, SECOND, _received, _world
from tests.support import TEAM_ID, make_settings


@dataclass(frozen=True)
class Delivery:
    """How a tick delivers one kind, and the Slack call it makes after the claim and before each post."""

    run: Callable[[Deps], object]
    before_post: str


DELIVERIES = {
    "catch-up": Delivery(lambda deps: catchups.deliver_due(deps, deps.clock.now()), "conversations.open"),
    "held ping": Delivery(pings.deliver_due, "conversations.open"),
    "review reminder": Delivery(review.deliver_due, "conversations.open"),
    "ping failure notice": Delivery(notices.deliver_due, "conversations.open"),
    # Looks in the thread for an earlier try's message before posting in it.
    "decision message": Delivery(sync.deliver_due, "conversations.replies"),
}


@pytest.fixture
def other(database_url: str, fake_slack: FakeSlack, clock: FixedClock) -> Iterator[Deps]:
    """A second process (another replica's tick) on the same database, Slack and clock."""
    settings = make_settings(database_url=database_url, slack_api_url=fake_slack.url)
    built = build_deps(settings, clock=clock, worker_id="worker-b")
    yield built
    built.engine.dispose()


@pytest.fixture
def with_model(database_url: str, fake_slack: FakeSlack, fake_openai: FakeOpenAI, clock: FixedClock) -> Iterator[Deps]:
    """A process whose catch-ups are summarized by a model (the fake endpoint)."""
    settings = make_settings(
        database_url=database_url,
        slack_api_url=fake_slack.url,
        OPENAI_API_KEY="sk-test",
        OPENAI_BASE_URL=fake_openai.url,
        HANDOFF_LLM_MODEL="gpt-4o-mini",
    )
    built = build_deps(settings, clock=clock, worker_id="worker-slow")
    yield built
    built.engine.dispose()


@pytest.mark.parametrize("name", sorted(KINDS))
def test_a_worker_whose_lease_ran_out_before_posting_leaves_the_item_to_the_one_that_took_it_over(
    name: str, deps: Deps, other: Deps, fake_slack: FakeSlack, clock: FixedClock
) -> None:
    kind, delivery = KINDS[name], DELIVERIES[name]
    factory = deps.session_factory
    _world(fake_slack, factory)
    with factory.begin() as session:
        kind.seed(session)
    clock.instant = DUE
    held = fake_slack.hold(delivery.before_post, after=False)
    worker_a = threading.Thread(target=delivery.run, args=(deps,))
    worker_a.start()
    try:
        assert held.wait_reached(timeout=60), "worker A never reached Slack"
        # A claimed both at DUE and is still working past every lease: B's tick takes them over.
        clock.instant = AFTER_LEASES
        delivery.run(other)
        assert _received(fake_slack, kind) == [FIRST, SECOND]
    finally:
        held.release()
        worker_a.join(timeout=60)
    assert not worker_a.is_alive()
    # A's work ends without a second post of either.
    assert _received(fake_slack, kind) == [FIRST, SECOND]
    with factory() as session:
        assert kind.recorded(session)
    assert fake_slack.server_errors == []


def test_a_held_ping_riding_in_a_catch_up_taken_over_is_delivered_once(
    deps: Deps, other: Deps, fake_slack: FakeSlack, clock: FixedClock
) -> None:
    factory = deps.session_factory
    _world(fake_slack, factory)
    with factory.begin() as session:
        KINDS["catch-up"].seed(session)
        KINDS["held ping"].seed(session)
    clock.instant = DUE
    held = fake_slack.hold("conversations.open", after=False)
    worker_a = threading.Thread(target=catchups.deliver_due, args=(deps, DUE))
    worker_a.start()
    try:
        assert held.wait_reached(timeout=60), "worker A never reached Slack"
        clock.instant = AFTER_LEASES
        catchups.deliver_due(other, AFTER_LEASES)
        # The morning deliveries find their pings gone into the catch-ups: nothing of their own.
        pings.deliver_due(other)
    finally:
        held.release()
        worker_a.join(timeout=60)
    assert not worker_a.is_alive()
    for user in (FIRST, SECOND):
        texts = [str(message) for message in fake_slack.posted_messages() if message["channel"] == f"D{user}"]
        assert len(texts) == 1, f"{user} got {len(texts)} DMs"
        assert sum(text.count(f"for {user}") for text in texts) >= 1
    with factory() as session:
        assert set(session.scalars(select(HeldPing.status))) == {"delivered"}
    assert fake_slack.server_errors == []


def test_a_catch_up_whose_model_answers_after_its_lease_is_sent_once_with_its_held_ping_once(
    with_model: Deps, other: Deps, fake_slack: FakeSlack, fake_openai: FakeOpenAI, clock: FixedClock
) -> None:
    factory = with_model.session_factory
    _world(fake_slack, factory)
    with factory.begin() as session:
        KINDS["catch-up"].seed(session)
        KINDS["held ping"].seed(session)
        # News in #general for both, so the catch-ups have a channel to summarize.
        for n, user in enumerate((FIRST, SECOND)):
            ts = f"{(DUE - timedelta(hours=2 - n)).timestamp():.6f}"
            said = IncomingMessage(TEAM_ID, "C1", ts, f"The release train leaves at noon ({user})", user_id=user)
            traffic.record_message(session=session, message=said, now=DUE)
    taken_over: list[object] = []

    def slow_model(messages: list[dict[str, Any]], model: str) -> str:
        # The model answers only once the lease is over, and another replica's tick ran meanwhile.
        if not taken_over:
            clock.instant = AFTER_LEASES
            taken_over.append(catchups.deliver_due(other, AFTER_LEASES))
        return json.dumps(
            {"points": [{"category": "other", "text": "The release train leaves at noon", "messages": [1]}]}
        )

    fake_openai.responder = slow_model
    clock.instant = DUE
    catchups.deliver_due(with_model, DUE)
    assert taken_over, "the catch-ups were composed without the model"
    for user in (FIRST, SECOND):
        dms = [str(message) for message in fake_slack.posted_messages() if message["channel"] == f"D{user}"]
        assert len(dms) == 1, f"{user} got {len(dms)} catch-ups"
        assert f"for {user}" in dms[0]
    with factory() as session:
        assert set(session.scalars(select(HeldPing.status))) == {"delivered"}
        assert KINDS["catch-up"].recorded(session)
    assert fake_slack.server_errors == []
