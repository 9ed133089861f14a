"""One tick's release work for held pings: claim the due deliveries, give them their pings, record them.

1,000,000 held pings, of which 10,000 are due (5,000 recipients' mornings, two pings each); the
rest wait for mornings over the coming week. Times the query work of releasing every due ping the
way the tick does (batches of `pings.delivery.claim_batch`, each recorded with one `record_sent`
transaction), with Slack left out. Runs it several times, restoring the due rows in between, and
prints the median.

    python -m bench.hold_release [--pings 1000000] [--due 10000] [--runs 5]
    python -m bench.hold_release --database-url postgresql://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, update

from bench.scratch import scratch_database
from bot.db import build_engine, build_session_factory
from pings.delivery import DELIVERY_KIND, claim_batch, record_sent
from store.models import HeldPing, Job

TEAM = "TBENCH"
NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
BATCH = 500
PINGS_PER_MORNING = 2


def fill(database_url: str, pings: int, due: int) -> None:
    """Held pings and their morning deliveries: `due` of the pings are due at NOW."""
    engine = build_engine(database_url)
    started = time.perf_counter()
    rows: list[dict[str, object]] = []
    deliveries: list[dict[str, object]] = []
    mornings: set[tuple[str, datetime]] = set()
    for n in range(pings):
        if n < due:
            recipient, due_at = f"U{n // PINGS_PER_MORNING:06d}", NOW - timedelta(minutes=n % 30)
            due_at = NOW - timedelta(minutes=(n // PINGS_PER_MORNING) % 30)
        else:
            recipient = f"U{100_000 + n % 200_000:06d}"
            due_at = NOW + timedelta(hours=1 + (n % 200_000) % (7 * 24))
        rows.append(
            {
                "team_id": TEAM,
                "sender_id": f"U{(n * 7) % 250_000:06d}",
                "recipient_id": recipient,
                "text": f"Could you look at item {n} when you are in?",
                "urgent": False,
                "status": "held",
                "due_at": due_at,
                "created_at": NOW - timedelta(hours=8),
            }
        )
        if (recipient, due_at) not in mornings:
            mornings.add((recipient, due_at))
            deliveries.append(
                {
                    "kind": DELIVERY_KIND,
                    "team_id": TEAM,
                    "key": f"{recipient}:{due_at.isoformat()}",
                    "payload": {"recipient": recipient},
                    "due_at": due_at,
                    "created_at": NOW - timedelta(hours=8),
                    "attempts": 0,
                }
            )
        if len(rows) == 20_000:
            with engine.begin() as connection:
                connection.execute(insert(HeldPing), rows)
            rows = []
    with engine.begin() as connection:
        if rows:
            connection.execute(insert(HeldPing), rows)
        for start in range(0, len(deliveries), 20_000):
            connection.execute(insert(Job), deliveries[start : start + 20_000])
    with engine.connect() as connection:
        connection.exec_driver_sql("ANALYZE")
        connection.commit()
    print(f"filled {pings:,} held pings ({len(deliveries):,} deliveries) in {time.perf_counter() - started:.0f} s")
    engine.dispose()


def release_all(database_url: str) -> tuple[float, int, int]:
    """Release every due delivery as the tick would; returns (seconds, deliveries, pings)."""
    engine = build_engine(database_url)
    factory = build_session_factory(engine)
    done = pings = 0
    started = time.perf_counter()
    while True:
        with factory.begin() as session:
            batch = claim_batch(session=session, now=NOW, owner="bench", limit=BATCH)
        # Slack left out: every message of the batch "went", then the batch is recorded.
        with factory.begin() as session:
            pings += record_sent(session=session, deliveries=batch, owner="bench", now=NOW)
        done += len(batch)
        if len(batch) < BATCH:
            break
    elapsed = time.perf_counter() - started
    engine.dispose()
    return elapsed, done, pings


def restore(database_url: str) -> None:
    """Put the due rows back as they were before the release."""
    engine = build_engine(database_url)
    with engine.begin() as connection:
        connection.execute(
            update(Job)
            .where(Job.kind == DELIVERY_KIND, Job.due_at <= NOW)
            .values(done_at=None, lease_owner=None, lease_until=None, attempts=0)
        )
        connection.execute(
            update(HeldPing).where(HeldPing.due_at <= NOW).values(status="held", delivery_id=None, delivered_at=None)
        )
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pings", type=int, default=1_000_000)
    parser.add_argument("--due", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--database-url", help="a PostgreSQL server (a scratch database is created and dropped)")
    args = parser.parse_args()
    # The SQLite database is about 350 MB; it goes with the run.
    with scratch_database(args.database_url, "pings") as url:
        fill(url, args.pings, args.due)
        timings = []
        for run in range(args.runs):
            seconds, deliveries, released = release_all(url)
            assert released == args.due, f"released {released} pings, expected {args.due}"
            print(f"run {run + 1}: {seconds * 1000:.0f} ms for {deliveries:,} deliveries, {released:,} pings")
            timings.append(seconds)
            restore(url)
        print(f"median {statistics.median(timings) * 1000:.0f} ms ({engine_name(url)})")


def engine_name(url: str) -> str:
    return "PostgreSQL" if url.startswith("postgresql") else "SQLite"


if __name__ == "__main__":
    main()
