"""Several `handoff tick` processes on one database at once: every held ping and catch-up arrives once, on time.

A Monday: people in Kolkata, Berlin and Los Angeles start at 09:00 local (03:30, 08:00 and 17:00
UTC). Each person with a catch-up has one planned by the real planner; held pings wait for their
recipients' mornings, a tenth of them for people whose catch-up will carry them. Three processes
tick at each instant together, against the fake Slack over HTTP; after each round, what reached
Slack is exactly what was due by then, each item once.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, insert, select

from bot.db import build_engine, build_session_factory
from digest import planning
from hours.schedule import next_start
from pings.delivery import DELIVERY_KIND
from store import working_hours
from store.models import CatchUpPrefs, CatchUpRecord, HeldPing, Job, Person, Team
from tests.deliveries import catchups_received, ping_text, pings_received
from tests.fakes.slack_api import FakeSlack
from tests.support import BOT_USER_ID, TEAM_ID
from tests.workers import handoff_env, tick, tick_together

PLANNED = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)  # Monday, midnight UTC: before everyone's start
ZONES = ("Asia/Kolkata", "Europe/Berlin", "America/Los_Angeles")
# Kolkata's and Berlin's starts are behind at 08:00 (Kolkata's late); a minute before Los Angeles'
# start nothing of theirs may have gone; then theirs. (Each round starts processes: few rounds.)
ROUNDS = (
    datetime(2026, 3, 2, 8, 0, tzinfo=UTC),
    datetime(2026, 3, 2, 16, 59, tzinfo=UTC),
    datetime(2026, 3, 2, 17, 0, tzinfo=UTC),
)
# PostgreSQL is the deployment for replicas; SQLite serves several processes on one host, smaller.
SIZES = {"postgres": (5_000, 2_000), "sqlite": (600, 240)}
REPLICAS = 3


def seed(
    database_url: str, fake: FakeSlack, *, pings: int, catchups: int
) -> tuple[dict[int, datetime], dict[str, datetime]]:
    """People, planned catch-ups and held pings with their morning deliveries; returns when each is due."""
    with_catchup = [f"UC{n:05d}" for n in range(catchups)]
    ping_only = [f"UP{n:05d}" for n in range(pings // 2)]
    people = with_catchup + ping_only
    zone = {user: ZONES[n % len(ZONES)] for n, user in enumerate(people)}
    for user in people:
        fake.add_user(TEAM_ID, user, tz=zone[user])
    engine = build_engine(database_url)
    factory = build_session_factory(engine)
    before = PLANNED - timedelta(hours=8)
    with factory.begin() as session:
        session.execute(
            insert(Team),
            [
                {
                    "team_id": TEAM_ID,
                    "url": "https://acme.slack.com/",
                    "bot_user_id": BOT_USER_ID,
                    "first_seen_at": before,
                }
            ],
        )
        session.execute(
            insert(Person),
            [
                {"team_id": TEAM_ID, "user_id": u, "name": u.lower(), "tz": zone[u], "updated_at": before}
                for u in people
            ],
        )
        session.execute(
            insert(CatchUpPrefs),
            [{"team_id": TEAM_ID, "user_id": u, "engaged_at": before, "updated_at": before} for u in with_catchup],
        )
        assert planning.plan_due(session=session, now=PLANNED, limit=catchups) == catchups
        # A tenth of the pings are for people whose catch-up carries them; the rest, two per person.
        recipients = [with_catchup[(n // 10) % catchups] if n % 10 == 0 else ping_only[n // 2] for n in range(pings)]
        schedules = working_hours.schedules_for(
            session=session, team_id=TEAM_ID, user_ids=set(recipients), today=PLANNED.date()
        )
        due = {u: next_start(s.hours, s.time_off, PLANNED) for u, s in schedules.items()}
        session.execute(
            insert(HeldPing),
            [
                {
                    "team_id": TEAM_ID,
                    "sender_id": f"US{n % 50:03d}",
                    "recipient_id": recipient,
                    "text": ping_text(n),
                    "urgent": False,
                    "status": "held",
                    "due_at": due[recipient],
                    "created_at": before,
                }
                for n, recipient in enumerate(recipients)
            ],
        )
        session.execute(
            insert(Job),
            [
                {
                    "kind": DELIVERY_KIND,
                    "team_id": TEAM_ID,
                    "key": f"{recipient}:{due[recipient].isoformat()}",
                    "payload": {"recipient": recipient},
                    "due_at": due[recipient],
                    "created_at": before,
                }
                for recipient in sorted(set(recipients))
            ],
        )
        catchup_due = {
            str(user): when
            for user, when in session.execute(select(CatchUpPrefs.user_id, CatchUpPrefs.next_due_at)).all()
            if when is not None
        }
    with engine.connect() as connection:
        # As autovacuum would after a day of inserts: the planner needs to know the tables' sizes.
        connection.exec_driver_sql("ANALYZE")
        connection.commit()
    engine.dispose()
    return {n: due[recipient] for n, recipient in enumerate(recipients)}, catchup_due


def test_three_processes_ticking_at_once_deliver_every_ping_and_catch_up_once_and_none_early(
    backend: str, database_url: str, fake_slack: FakeSlack, tmp_path: Path
) -> None:
    pings, catchups = SIZES[backend]
    ping_due, catchup_due = seed(database_url, fake_slack, pings=pings, catchups=catchups)
    assert len(catchup_due) == catchups and {when.hour for when in catchup_due.values()} == {3, 8, 17}
    env = handoff_env(database_url, fake_slack.url)
    for at in ROUNDS:
        # The minute before Los Angeles' start only checks that nothing goes early: one process is enough.
        tick_together(env, tmp_path, at, processes=1 if at.minute == 59 else REPLICAS)
        received = pings_received(fake_slack)
        assert set(received.values()) <= {1}, [n for n, times in received.items() if times > 1][:10]
        assert set(received) == {n for n, when in ping_due.items() if when <= at}, at
        got_catchups = catchups_received(fake_slack)
        assert set(got_catchups.values()) <= {1}, [u for u, times in got_catchups.items() if times > 1][:10]
        assert set(got_catchups) == {u for u, when in catchup_due.items() if when <= at}, at
    # Once more at the last instant: nothing is left, nothing goes twice.
    again = tick(env, tmp_path, ROUNDS[-1])
    assert "nothing due" in again.stdout or "pings_delivered" not in again.stdout, again.stdout
    assert sum(pings_received(fake_slack).values()) == pings
    assert sum(catchups_received(fake_slack).values()) == catchups
    assert fake_slack.server_errors == []
    engine = build_engine(database_url)
    with build_session_factory(engine)() as session:
        statuses = Counter(session.scalars(select(HeldPing.status)))
        records = session.scalar(select(func.count()).select_from(CatchUpRecord))
    engine.dispose()
    assert statuses == {"delivered": pings} and records == catchups
