"""kill -9 at the dangerous points of each delivered item, then another process: each arrives, and once.

For every kind of item Handoff posts from the tick, two of them are due. The fake Slack holds the
first one's chat.postMessage *after* it took effect (the message is in the DM, the answer never
comes), and the test SIGKILLs the `handoff tick` process there: the first item is sent but not
recorded, and the second was claimed but not sent. Once the leases run out, a second process
ticks: the second item goes out, the first is found in the conversation (message metadata) and
recorded, not sent again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.db import build_engine, build_session_factory
from decisions import review, sync
from digest import delivery as catchups
from digest import planning
from pings import delivery as pings
from pings import notices
from store import held_pings, jobs
from store.held_pings import NewPing
from store.models import CatchUpPrefs, CatchUpRecord, Decision, HeldPing, Job, Person, Team
from tests.fakes.slack_api import FakeSlack
from tests.support import BOT_USER_ID, TEAM_ID, seed_channel
from tests.workers import finish, handoff_env, kill_hard, start_tick, tick

# Monday 17:00 UTC: 09:00 in Los Angeles, where both recipients live.
DUE = datetime(2026, 3, 2, 17, 0, tzinfo=UTC)
# Past every lease (catch-ups hold theirs five minutes).
AFTER_LEASES = DUE + timedelta(minutes=6)
FIRST, SECOND = "UA", "UB"
SOURCES = {FIRST: "1772470000.000100", SECOND: "1772470000.000200"}


@dataclass(frozen=True)
class Kind:
    """One kind of delivered item: how to make two due, and how to tell them apart in Slack."""

    metadata: str
    seed: Callable[[Session], None]
    # Which of the two a posted message is (FIRST or SECOND), from the message.
    whose: Callable[[dict[str, Any]], str]
    # Whether the database says each item is done.
    recorded: Callable[[Session], bool]


def _by_dm(message: dict[str, Any]) -> str:
    return str(message["channel"])[1:]  # the fake names a DM D<user>


def _by_thread(message: dict[str, Any]) -> str:
    return next(user for user, ts in SOURCES.items() if message.get("thread_ts") == ts)


def _decision(session: Session, user: str, *, owner: str | None = None) -> Decision:
    decision = Decision(
        team_id=TEAM_ID,
        channel_id="C1",
        message_ts=SOURCES[user],
        text=f"Decided by {user}: ship it",
        logged_by=user,
        author_id=user,
        owner_id=owner,
        review_by=DUE.date() if owner else None,
        source="reaction",
        status="accepted",
        created_at=DUE - timedelta(days=3),
        updated_at=DUE - timedelta(days=3),
    )
    session.add(decision)
    session.flush()
    return decision


def _seed_decision_messages(session: Session) -> None:
    for user in (FIRST, SECOND):
        sync.schedule(session=session, decision=_decision(session, user), now=DUE)


def _decision_messages_recorded(session: Session) -> bool:
    confirmed = session.scalars(select(Decision.confirmation_ts)).all()
    return len(confirmed) == 2 and all(confirmed)


def _seed_reviews(session: Session) -> None:
    for user in (FIRST, SECOND):
        decision = _decision(session, user, owner=user)
        jobs.schedule(
            session=session,
            kind=review.REVIEW_KIND,
            team_id=TEAM_ID,
            key=f"{decision.id}:{date.isoformat(DUE.date())}",
            due_at=DUE,
            now=DUE - timedelta(days=3),
            payload={"decision_id": decision.id, "review_by": DUE.date().isoformat()},
        )


def _seed_catchups(session: Session) -> None:
    for user in (FIRST, SECOND):
        session.add(CatchUpPrefs(team_id=TEAM_ID, user_id=user, engaged_at=DUE - timedelta(days=1), updated_at=DUE))
    session.flush()
    assert planning.plan_due(session=session, now=DUE - timedelta(hours=1)) == 2


def _seed_pings(session: Session) -> None:
    for user in (FIRST, SECOND):
        new = NewPing(team_id=TEAM_ID, sender_id="US", recipient_id=user, text=f"for {user}", due_at=DUE)
        held_pings.add(session=session, new=new, now=DUE - timedelta(hours=10))
        pings.schedule_morning(session=session, team_id=TEAM_ID, recipient_id=user, due_at=DUE, now=DUE)


def _seed_notices(session: Session) -> None:
    for n, user in enumerate((FIRST, SECOND)):
        notices.schedule(
            session=session,
            team_id=TEAM_ID,
            delivery_id=100 + n,
            sender_id=user,
            recipient_id="UGONE",
            count=1,
            why="slack: user_disabled",
            now=DUE,
        )


def _jobs_done(kind: str) -> Callable[[Session], bool]:
    def done(session: Session) -> bool:
        rows = session.scalars(select(Job.done_at).where(Job.kind == kind)).all()
        return len(rows) == 2 and all(rows)

    return done


KINDS = {
    "decision message": Kind(sync.METADATA_TYPE, _seed_decision_messages, _by_thread, _decision_messages_recorded),
    "review reminder": Kind(review.METADATA_TYPE, _seed_reviews, _by_dm, _jobs_done(review.REVIEW_KIND)),
    "catch-up": Kind(
        catchups.METADATA_TYPE,
        _seed_catchups,
        _by_dm,
        lambda session: len(session.scalars(select(CatchUpRecord.id)).all()) == 2,
    ),
    "held ping": Kind(
        pings.METADATA_TYPE,
        _seed_pings,
        _by_dm,
        lambda session: set(session.scalars(select(HeldPing.status))) == {"delivered"},
    ),
    "ping failure notice": Kind(notices.METADATA_TYPE, _seed_notices, _by_dm, _jobs_done(notices.NOTICE_KIND)),
}


def _world(fake: FakeSlack, factory: sessionmaker[Session]) -> None:
    for user in (FIRST, SECOND):
        fake.add_user(TEAM_ID, user, tz="America/Los_Angeles")
    fake.add_channel(TEAM_ID, "C1", name="general", members=[FIRST, SECOND, BOT_USER_ID])
    for user, ts in SOURCES.items():
        fake.add_message("C1", ts=ts, user=user, text=f"Shall we ship it? ({user})")
    with factory.begin() as session:
        session.add(Team(team_id=TEAM_ID, url="https://acme.slack.com/", bot_user_id=BOT_USER_ID, first_seen_at=DUE))
        for user in (FIRST, SECOND):
            session.add(
                Person(team_id=TEAM_ID, user_id=user, name=user.lower(), tz="America/Los_Angeles", updated_at=DUE)
            )
        # As filing a decision records it: a review reminder quotes it only to an owner who may see it.
        seed_channel(session, "C1", "general", [FIRST, SECOND, BOT_USER_ID])


def _received(fake: FakeSlack, kind: Kind) -> list[str]:
    return sorted(
        kind.whose(message)
        for message in fake.posted_messages()
        if (message.get("metadata") or {}).get("event_type") == kind.metadata
    )


@pytest.mark.parametrize("name", sorted(KINDS))
def test_killed_after_slack_took_one_and_before_sending_the_other_each_arrives_once(
    name: str, database_url: str, fake_slack: FakeSlack, tmp_path: Path
) -> None:
    kind = KINDS[name]
    engine = build_engine(database_url)
    factory = build_session_factory(engine)
    _world(fake_slack, factory)
    with factory.begin() as session:
        kind.seed(session)
    env = handoff_env(database_url, fake_slack.url)
    held = fake_slack.hold(
        "chat.postMessage",
        after=True,
        match=lambda params: (params.get("metadata") or {}).get("event_type") == kind.metadata,
    )
    process = start_tick(env, tmp_path, DUE)
    if not held.wait_reached(timeout=120):
        pytest.fail(f"the tick never posted: {finish(process, timeout=5).stderr[-3000:]}")
    kill_hard(process)
    held.release()
    # Slack has the first; the second was claimed and never sent; nothing is recorded.
    assert _received(fake_slack, kind) == [FIRST]
    with factory() as session:
        assert not kind.recorded(session)
    if name == "catch-up":
        # Another process before the lease (five minutes, the longest) runs out leaves them alone.
        tick(env, tmp_path, DUE + timedelta(minutes=4))
        assert _received(fake_slack, kind) == [FIRST]
    # Once the leases ran out, another process finishes the work.
    tick(env, tmp_path, AFTER_LEASES)
    assert _received(fake_slack, kind) == [FIRST, SECOND]
    with factory() as session:
        assert kind.recorded(session)
    assert fake_slack.server_errors == []
    engine.dispose()
