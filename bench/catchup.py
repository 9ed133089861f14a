"""Composing a morning of catch-ups: 10,000 people over 24 time zones, 500 channels, 100,000 messages.

Fills a database (in a child process, so its memory is not counted) with a workspace whose people
are spread over 24 zones, each in 15 of 500 channels (one in ten private), a day of traffic
(threads, mentions, decision words), filed decisions, held pings, and everyone's catch-up planned
by the real planner. Then runs the real delivery (`digest.delivery.deliver_due`) at each zone's
start, with posting to Slack left out, and reports the time to compose every catch-up, how many
times the summarizer ran against the bound (channels with traffic x window buckets), and the peak
memory of this process.

    python -m bench.catchup [--people 10000] [--channels 500] [--messages 100000] [--runs 3]
    python -m bench.catchup --database-url postgresql://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import argparse
import random
import resource
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, insert, select, update

from bench.scratch import scratch_database
from bot.clock import FixedClock
from bot.db import build_engine, build_session_factory
from bot.runtime import build_deps
from bot.settings import Settings
from digest import delivery, planning
from digest.extractive import ExtractiveSummarizer
from digest.model import ChannelSummary, ChannelWindow
from store.models import (
    CatchUpPrefs,
    CatchUpRecord,
    Channel,
    ChannelMember,
    ChannelSummaryRow,
    Decision,
    DecisionRevision,
    HeldPing,
    Job,
    Mention,
    Message,
    Person,
    Team,
)
from store.slack_time import datetime_to_ts

TEAM = "TBENCH"
ZONES = (
    "Pacific/Pago_Pago", "Pacific/Honolulu", "America/Anchorage", "America/Los_Angeles", "America/Denver",
    "America/Chicago", "America/New_York", "America/Halifax", "America/Sao_Paulo", "Atlantic/South_Georgia",
    "Atlantic/Azores", "Europe/London", "Europe/Berlin", "Europe/Athens", "Europe/Moscow", "Asia/Dubai",
    "Asia/Karachi", "Asia/Kolkata", "Asia/Dhaka", "Asia/Bangkok", "Asia/Shanghai", "Asia/Tokyo",
    "Australia/Sydney", "Pacific/Auckland",
)  # fmt: skip
# Planning happens the evening before: every zone's next 09:00 falls in the following day.
PLANNED_AT = datetime(2026, 3, 2, 19, 0, tzinfo=UTC)
CHANNELS_EACH = 15
WORDS = [
    "deploy",
    "review",
    "migration",
    "schema",
    "budget",
    "launch",
    "customer",
    "incident",
    "rollout",
    "latency",
    "cache",
    "billing",
    "design",
    "roadmap",
    "hiring",
    "onboarding",
    "metrics",
    "dashboard",
    "release",
    "contract",
    "vendor",
    "audit",
    "security",
]


def fill(url: str, people: int, channels: int, messages: int) -> None:
    """The workspace, a day of traffic, and everyone's next catch-up planned."""
    rng = random.Random(7)
    engine = build_engine(url)
    started = time.perf_counter()
    users = [f"U{n:05d}" for n in range(people)]
    channel_ids = [f"C{n:04d}" for n in range(channels)]
    members: dict[str, list[str]] = {c: [] for c in channel_ids}
    for user in users:
        for channel_id in rng.sample(channel_ids, CHANNELS_EACH):
            members[channel_id].append(user)
    day_start = PLANNED_AT - timedelta(hours=12)
    with engine.begin() as connection:
        connection.execute(
            insert(Team),
            [{"team_id": TEAM, "url": "https://bench.slack.com/", "bot_user_id": "UBOT", "first_seen_at": day_start}],
        )
        connection.execute(
            insert(Person),
            [
                {"team_id": TEAM, "user_id": u, "name": u.lower(), "tz": ZONES[n % len(ZONES)], "updated_at": day_start}
                for n, u in enumerate(users)
            ],
        )
        connection.execute(
            insert(Channel),
            [
                {
                    "team_id": TEAM,
                    "channel_id": c,
                    "name": f"team-{n}",
                    "is_private": n % 10 == 0,
                    "members_synced_at": day_start,
                    "updated_at": day_start,
                }
                for n, c in enumerate(channel_ids)
            ],
        )
        connection.execute(
            insert(ChannelMember),
            [
                {"team_id": TEAM, "channel_id": c, "user_id": u, "joined_at": day_start}
                for c in channel_ids
                for u in members[c]
            ],
        )
        rows: list[dict[str, object]] = []
        mention_rows: list[dict[str, object]] = []
        parents: dict[str, list[str]] = {c: [] for c in channel_ids}
        for n in range(messages):
            channel_id = channel_ids[int(rng.paretovariate(1.2)) % channels]
            author = rng.choice(members[channel_id])
            posted = day_start + timedelta(seconds=rng.randrange(24 * 3600))
            ts = f"{datetime_to_ts(posted)[:-6]}{n % 1_000_000:06d}"
            text = " ".join(rng.choices(WORDS, k=rng.randint(4, 18)))
            if n % 20 == 0:
                mentioned = rng.choice(members[channel_id])
                text = f"<@{mentioned}> can you look at the {text}?"
                mention_rows.append(
                    {"team_id": TEAM, "channel_id": channel_id, "ts": ts, "sender_id": author,
                     "recipient_id": mentioned, "posted_at": posted}
                )  # fmt: skip
            elif n % 37 == 0:
                text = f"We agreed: going with the {text}"
            thread = rng.choice(parents[channel_id]) if parents[channel_id] and n % 3 == 0 else None
            if thread is None:
                parents[channel_id].append(ts)
            rows.append(
                {"team_id": TEAM, "channel_id": channel_id, "ts": ts, "thread_ts": thread, "user_id": author,
                 "text": text, "posted_at": posted, "ingested_at": posted, "is_bot": n % 50 == 0, "is_system": False}
            )  # fmt: skip
            if len(rows) == 20_000:
                connection.execute(insert(Message), rows)
                rows = []
        if rows:
            connection.execute(insert(Message), rows)
        if mention_rows:
            connection.execute(insert(Mention), mention_rows)
        for n in range(200):
            channel_id = channel_ids[n % channels]
            at = day_start + timedelta(minutes=7 * n)
            decision_id = connection.execute(
                insert(Decision).returning(Decision.id),
                [{"team_id": TEAM, "channel_id": channel_id, "text": f"Decided: {' '.join(rng.choices(WORDS, k=6))}",
                  "logged_by": members[channel_id][0], "status": "accepted", "source": "command",
                  "created_at": at, "updated_at": at}],
            ).scalar_one()  # fmt: skip
            connection.execute(
                insert(DecisionRevision),
                [{"decision_id": decision_id, "team_id": TEAM, "actor_id": members[channel_id][0],
                  "action": "created", "new_value": "x", "at": at}],
            )  # fmt: skip
        connection.execute(
            insert(HeldPing),
            [
                {"team_id": TEAM, "sender_id": users[(n * 7) % people], "recipient_id": users[n % people],
                 "text": "When you are in: the numbers for the review", "status": "held",
                 "due_at": PLANNED_AT + timedelta(hours=2), "created_at": day_start}
                for n in range(5_000)
            ],
        )  # fmt: skip
        connection.execute(
            insert(CatchUpPrefs),
            [{"team_id": TEAM, "user_id": u, "engaged_at": day_start, "updated_at": day_start} for u in users],
        )
    with build_session_factory(engine).begin() as session:
        planning.plan_due(session=session, now=PLANNED_AT, limit=people)
    with engine.connect() as connection:
        connection.exec_driver_sql("ANALYZE")
        connection.commit()
    print(f"filled in {time.perf_counter() - started:.0f} s")
    engine.dispose()


class CountingSummarizer:
    """The built-in summarizer, counting its calls (the figure the target bounds)."""

    def __init__(self) -> None:
        self.inner = ExtractiveSummarizer()
        self.calls = 0
        self.buckets: set[tuple[datetime, datetime]] = set()
        self.channels: set[str] = set()

    @property
    def name(self) -> str:
        return self.inner.name

    def summarize(self, window: ChannelWindow) -> ChannelSummary:
        self.calls += 1
        self.buckets.add((window.start, window.end))
        self.channels.add(window.channel_id)
        return self.inner.summarize(window)


def compose_morning(url: str) -> tuple[float, int, CountingSummarizer]:
    """Every catch-up, zone by zone at its start, as the tick would (Slack left out)."""
    settings = Settings(
        _env_file=None, DATABASE_URL=url, SLACK_BOT_TOKEN="xoxb-bench", SLACK_API_URL="http://127.0.0.1:9/"
    )
    clock = FixedClock(PLANNED_AT)
    counting = CountingSummarizer()
    deps = build_deps(settings, clock=clock, worker_id="bench")
    deps = type(deps)(**{**deps.__dict__, "summarizer": counting})
    with deps.read_session_factory() as session:
        instants = sorted(set(session.scalars(select(Job.due_at).where(Job.kind == planning.CATCHUP_KIND))))
    sent = 0
    started = time.perf_counter()
    for instant in instants:
        clock.instant = instant
        sent += delivery.deliver_due(deps, instant, send=lambda _deps, _due, _now: True).sent
    elapsed = time.perf_counter() - started
    deps.engine.dispose()
    return elapsed, sent, counting


def restore(url: str) -> None:
    """Undo a morning: no catch-up sent, every job and ping waiting again, no cached summary."""
    engine = build_engine(url)
    with engine.begin() as connection:
        connection.execute(delete(CatchUpRecord))
        connection.execute(delete(ChannelSummaryRow))
        connection.execute(
            update(Job)
            .where(Job.kind == planning.CATCHUP_KIND)
            .values(done_at=None, lease_owner=None, lease_until=None, attempts=0)
        )
        connection.execute(
            update(CatchUpPrefs).values(next_due_at=select(Job.due_at).where(
                Job.kind == planning.CATCHUP_KIND, Job.team_id == CatchUpPrefs.team_id,
                Job.payload["recipient"].as_string() == CatchUpPrefs.user_id).scalar_subquery())
        )  # fmt: skip
        connection.execute(update(HeldPing).values(status="held", delivery_id=None, delivered_at=None))
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--channels", type=int, default=500)
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--database-url", help="a PostgreSQL server (a scratch database is created and dropped)")
    parser.add_argument("--fill", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.fill:
        fill(args.fill, args.people, args.channels, args.messages)
        return
    with scratch_database(args.database_url, "catchup") as url:
        subprocess.run(
            [sys.executable, "-m", "bench.catchup", "--fill", url, "--people", str(args.people),
             "--channels", str(args.channels), "--messages", str(args.messages)],
            check=True,
        )  # fmt: skip
        timings = []
        for run in range(args.runs):
            seconds, sent, counting = compose_morning(url)
            bound = len(counting.channels) * len(counting.buckets)
            print(
                f"run {run + 1}: {seconds:.1f} s for {sent:,} catch-ups; summarizer ran {counting.calls:,} times "
                f"(bound: {len(counting.channels)} channels with traffic x {len(counting.buckets)} buckets = {bound:,})"
            )
            timings.append(seconds)
            restore(url)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        engine = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
        print(f"median {statistics.median(timings):.1f} s ({engine}); peak memory {peak:.0f} MB")


if __name__ == "__main__":
    main()
