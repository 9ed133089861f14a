"""Team metrics over a year of history: 5,000 people, 1,000,000 messages, 20,000 decisions, 200,000 pings.

Fills a database (in a child process, so its memory is not counted) with a year of a workspace's
life: 5,000 people over 24 zones, 500 channels (one in ten private) of which each person is in 15,
1,000,000 messages, 20,000 decisions (most filed in a thread, some with a review-by date, some
superseded or retracted), 200,000 pings (held, in hours, urgent, a few cancelled), 100,000
off-hours mentions, and a catch-up for every person on every weekday (about 1.3 million). Rows are
written in time order, as the tables grow in life (the decisions' ids, too). Then
times the real reads (`metrics.report`) for what `/handoff stats`, the weekly report and
`handoff stats` show: every channel for the admins over 8 weeks and over the whole year, one
member's view, one channel; and drawing the chart. Each is run several times; the median is printed.

    python -m bench.stats [--people 5000] [--messages 1000000] [--decisions 20000] [--pings 200000] [--runs 5]
    python -m bench.stats --database-url postgresql://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import argparse
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, insert

from bench.catchup import ZONES
from bench.scratch import scratch_database
from bot.db import build_engine, build_read_session_factory
from metrics import report
from metrics.chart import chart_png
from metrics.scopes import Conversation, Report
from metrics.weeks import weeks_ending
from store.models import (
    CatchUpRecord,
    Channel,
    ChannelMember,
    Decision,
    DecisionRevision,
    HeldPing,
    Mention,
    Message,
    Person,
    Team,
)
from store.slack_time import datetime_to_ts

TEAM = "TBENCH"
# A Monday morning: the year before it is the history.
NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
YEAR_START = NOW - timedelta(days=364)
CHANNELS, CHANNELS_EACH = 500, 15
MENTIONS = 100_000
CHUNK = 20_000
TZ = "Europe/Berlin"


def _chunks(rows: Iterator[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    chunk: list[dict[str, Any]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _bulk(engine: Engine, model: Any, rows: Iterator[dict[str, Any]]) -> int:
    count = 0
    for chunk in _chunks(rows):
        with engine.begin() as connection:
            connection.execute(insert(model), chunk)
        count += len(chunk)
    return count


def _instants(rng: random.Random, count: int) -> list[datetime]:
    """`count` random instants of the year, in order."""
    seconds = sorted(rng.randrange(364 * 24 * 3600) for _ in range(count))
    return [YEAR_START + timedelta(seconds=second) for second in seconds]


def fill(url: str, people: int, messages: int, decisions: int, pings: int) -> None:
    """A year of one workspace's life, written in bulk."""
    rng = random.Random(8)
    engine = build_engine(url)
    started = time.perf_counter()
    users = [f"U{n:05d}" for n in range(people)]
    channel_ids = [f"C{n:04d}" for n in range(CHANNELS)]
    members: dict[str, list[str]] = {c: [] for c in channel_ids}
    for user in users:
        for channel_id in rng.sample(channel_ids, CHANNELS_EACH):
            members[channel_id].append(user)
    with engine.begin() as connection:
        connection.execute(
            insert(Team), [{"team_id": TEAM, "name": "Bench", "bot_user_id": "UBOT", "first_seen_at": YEAR_START}]
        )
    _bulk(
        engine,
        Person,
        ({"team_id": TEAM, "user_id": u, "name": u.lower(), "tz": ZONES[n % len(ZONES)], "updated_at": YEAR_START}
         for n, u in enumerate(users)),
    )  # fmt: skip
    _bulk(
        engine,
        Channel,
        ({"team_id": TEAM, "channel_id": c, "name": f"team-{n}", "is_private": n % 10 == 0, "updated_at": YEAR_START}
         for n, c in enumerate(channel_ids)),
    )  # fmt: skip
    _bulk(
        engine,
        ChannelMember,
        ({"team_id": TEAM, "channel_id": c, "user_id": u, "joined_at": YEAR_START}
         for c in channel_ids for u in members[c]),
    )  # fmt: skip

    def busy_channel() -> str:
        return channel_ids[int(rng.paretovariate(1.2)) % CHANNELS]

    def message_rows() -> Iterator[dict[str, Any]]:
        for n, posted in enumerate(_instants(rng, messages)):
            channel_id = busy_channel()
            yield {"team_id": TEAM, "channel_id": channel_id, "ts": f"{datetime_to_ts(posted)[:-6]}{n:06d}",
                   "user_id": rng.choice(members[channel_id]), "text": "the numbers for the launch review",
                   "posted_at": posted, "ingested_at": posted, "is_bot": False, "is_system": False}  # fmt: skip

    _bulk(engine, Message, message_rows())
    _fill_decisions(engine, rng, decisions, busy_channel, members)

    def ping_rows() -> Iterator[dict[str, Any]]:
        for n, created in enumerate(_instants(rng, pings)):
            kind = n % 10
            urgent, held = kind == 0, kind >= 4
            due = created + timedelta(hours=rng.randint(1, 14)) if held else created
            yield {"team_id": TEAM, "sender_id": users[(n * 7) % people], "recipient_id": users[n % people],
                   "text": "When you are in: the numbers", "source_channel_id": busy_channel() if n % 3 else f"D{n}",
                   "urgent": urgent, "status": "cancelled" if n % 50 == 1 else "delivered", "due_at": due,
                   "created_at": created, "delivered_at": due}  # fmt: skip

    _bulk(engine, HeldPing, ping_rows())

    def mention_rows() -> Iterator[dict[str, Any]]:
        for n, posted in enumerate(_instants(rng, MENTIONS)):
            channel_id = busy_channel()
            yield {"team_id": TEAM, "channel_id": channel_id, "ts": f"{datetime_to_ts(posted)[:-6]}{n:06d}",
                   "sender_id": rng.choice(members[channel_id]), "recipient_id": rng.choice(members[channel_id]),
                   "posted_at": posted}  # fmt: skip

    _bulk(engine, Mention, mention_rows())

    def catchup_rows() -> Iterator[dict[str, Any]]:
        for offset in range(364):
            day = YEAR_START.date() + timedelta(days=offset)
            if day.weekday() >= 5:
                continue
            for n, user in enumerate(users):
                sent = datetime(day.year, day.month, day.day, n % 24, tzinfo=UTC)
                yield {"team_id": TEAM, "user_id": user, "local_date": day, "window_start": sent - timedelta(days=1),
                       "window_end": sent, "late": False, "content": {}, "entries": rng.randint(0, 40),
                       "reading_minutes": rng.randint(0, 8), "sent_at": sent}  # fmt: skip

    sent = _bulk(engine, CatchUpRecord, catchup_rows())
    # What autovacuum does on PostgreSQL in time (statistics, and the visibility map for index-only scans).
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("VACUUM ANALYZE" if engine.dialect.name == "postgresql" else "ANALYZE")
    print(f"filled in {time.perf_counter() - started:.0f} s ({sent:,} catch-ups)")
    engine.dispose()


def _fill_decisions(
    engine: Engine, rng: random.Random, count: int, busy_channel: Callable[[], str], members: dict[str, list[str]]
) -> None:
    decisions: list[dict[str, Any]] = []
    revisions: list[dict[str, Any]] = []
    for n, created in enumerate(_instants(rng, count), start=1):
        channel_id = busy_channel()
        owner = rng.choice(members[channel_id])
        status, changed = "accepted", None
        if n % 10 == 0:
            status, changed = "superseded", created + timedelta(hours=rng.randint(1, 200))
        elif n % 33 == 0:
            status, changed = "retracted", created + timedelta(minutes=rng.randint(1, 600))
        thread_start = created - timedelta(minutes=rng.randint(1, 48 * 60)) if n % 5 < 3 else None
        review_by: date | None = (created + timedelta(days=rng.randint(7, 90))).date() if n % 5 == 0 else None
        decisions.append(
            {"id": n, "team_id": TEAM, "channel_id": channel_id, "message_ts": f"{datetime_to_ts(created)[:-6]}{n:06d}",
             "thread_ts": datetime_to_ts(thread_start) if thread_start else None, "text": "Decided: ship it",
             "owner_id": owner if review_by else None, "review_by": review_by, "logged_by": owner, "status": status,
             "source": "reaction", "created_at": created, "updated_at": changed or created}
        )  # fmt: skip
        revisions.append({"decision_id": n, "team_id": TEAM, "actor_id": owner, "action": "created", "at": created})
        if changed is not None:
            revisions.append(
                {"decision_id": n, "team_id": TEAM, "actor_id": owner, "action": "status", "old_value": "accepted",
                 "new_value": status, "at": changed}
            )  # fmt: skip
    _bulk(engine, Decision, iter(decisions))
    _bulk(engine, DecisionRevision, iter(revisions))


def timed(runs: int, work: Callable[[], object]) -> tuple[float, object]:
    """The median seconds of `runs` runs of `work`, and its last result."""
    timings = []
    result: object = None
    for _ in range(runs):
        started = time.perf_counter()
        result = work()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings), result


def measure(url: str, runs: int) -> None:
    """Each view the way the app reads it, on a fresh connection pool."""
    engine = build_engine(url)
    factory = build_read_session_factory(engine)
    eight = weeks_ending(NOW.date() - timedelta(days=1), count=8, tz=TZ)
    year = weeks_ending(NOW.date() - timedelta(days=1), count=52, tz=TZ)

    def admins(weeks: tuple[Any, ...]) -> Callable[[], Report]:
        def work() -> Report:
            with factory() as session:
                return report.for_admins(session=session, team_id=TEAM, weeks=weeks)

        return work

    def member() -> Report:
        with factory() as session:
            return report.for_member(session=session, team_id=TEAM, user_id="U00042", weeks=eight)

    def channel() -> Report:
        busiest = Conversation("C0001", "team-1", "public", 150)
        with factory() as session:
            return report.for_channel(session=session, team_id=TEAM, channel=busiest, weeks=eight)

    name = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
    for label, work in (
        ("every channel, 8 weeks (weekly report, handoff stats)", admins(eight)),
        ("every channel, 52 weeks", admins(year)),
        ("one member's view, 8 weeks (/handoff stats)", member),
        ("one channel, 8 weeks (/handoff stats #channel)", channel),
    ):
        seconds, seen = timed(runs, work)
        assert isinstance(seen, Report) and seen.total.weeks is not None
        logged = sum(week.decisions_logged for week in seen.total.weeks)
        shape = f"{len(seen.rows)} rows, {logged:,} decisions"
        print(f"{label}: median {seconds * 1000:.0f} ms of {runs} runs ({name}; {shape})")
    last = admins(eight)()
    seconds, png = timed(runs, lambda: chart_png(last, title="Bench · 8 weeks"))
    assert isinstance(png, bytes)
    print(f"the chart, 8 weeks: median {seconds * 1000:.0f} ms of {runs} runs ({len(png):,} bytes)")
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=5_000)
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--decisions", type=int, default=20_000)
    parser.add_argument("--pings", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--database-url", help="a PostgreSQL server (a scratch database is created and dropped)")
    parser.add_argument("--fill", help=argparse.SUPPRESS)
    args = parser.parse_args()
    sizes = ["--people", str(args.people), "--messages", str(args.messages), "--decisions", str(args.decisions),
             "--pings", str(args.pings)]  # fmt: skip
    if args.fill:
        fill(args.fill, args.people, args.messages, args.decisions, args.pings)
        return
    with scratch_database(args.database_url, "stats") as url:
        subprocess.run([sys.executable, "-m", "bench.stats", "--fill", url, *sizes], check=True)
        measure(url, args.runs)


if __name__ == "__main__":
    main()
