"""Decision search latency: 1,000,000 decisions over 200 channels, 100 realistic queries with filters.

Builds a fresh database (a SQLite file, or a scratch database on --database-url's PostgreSQL
server), fills it with decisions whose text follows a Zipf-like word distribution, public and
private channels with members, then runs 100 queries through the same code path as `/decisions`
(`decisions.finder.find`: parsing, name resolution, visibility, full text, rendering) as
different people, and prints p50/p95/max latency. Run it several times and take the median.

    python -m bench.decision_search [--decisions 1000000] [--database-url postgresql://postgres@127.0.0.1/test]
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert

from bench.scratch import scratch_database
from bot.db import build_engine, build_read_session_factory
from decisions.finder import find
from store.models import Channel, ChannelMember, Decision, Person

TEAM = "T0BENCH"
CHANNELS = 200
PRIVATE_EVERY = 5  # one channel in five is private
PEOPLE = 500
DOMAIN = [
    "ship",
    "deploy",
    "release",
    "beta",
    "launch",
    "postgres",
    "redis",
    "kafka",
    "migrate",
    "schema",
    "budget",
    "hire",
    "vendor",
    "contract",
    "pricing",
    "roadmap",
    "freeze",
    "rollback",
    "incident",
    "oncall",
    "latency",
    "api",
    "mobile",
    "android",
    "ios",
    "design",
    "review",
    "security",
    "audit",
    "compliance",
    "gdpr",
    "billing",
    "invoice",
    "onboarding",
    "churn",
    "retention",
    "experiment",
    "metric",
    "dashboard",
    "quarter",
    "okr",
    "sprint",
    "backlog",
    "staging",
    "production",
    "cluster",
    "kubernetes",
    "terraform",
    "cost",
]
TAGS = ("infra", "db", "release", "hiring", "budget", "security", "mobile", "design", "q1", "q2")


FILLER = [
    "we",
    "the",
    "to",
    "and",
    "of",
    "a",
    "for",
    "on",
    "in",
    "is",
    "will",
    "with",
    "this",
    "that",
    "be",
    "it",
    "at",
    "by",
    "from",
    "as",
    "our",
    "are",
    "not",
    "all",
    "after",
    "before",
    "now",
    "until",
    "next",
    "team",
    "keep",
    "move",
    "use",
    "go",
    "agreed",
    "decided",
    "going",
]


def _vocabulary(rng: random.Random) -> list[str]:
    """About 5,000 content words ranked by frequency; the domain words sit at ranks 20 to 500."""
    syllables = ["ka", "lo", "mi", "ren", "to", "sa", "vel", "dor", "pi", "nu", "tar", "gen", "qua", "zo"]
    made_up = sorted({"".join(rng.choice(syllables) for _ in range(rng.randint(2, 4))) for _ in range(6000)})
    rng.shuffle(made_up)
    words = made_up[:5000]
    ranks = sorted(rng.sample(range(20, 500), len(DOMAIN)))
    for rank, word in zip(ranks, DOMAIN, strict=True):
        words.insert(rank, word)
    return words


def _zipf_weights(size: int, exponent: float = 1.07) -> list[float]:
    return [1 / (rank**exponent) for rank in range(1, size + 1)]


def _sentence(rng: random.Random, words: list[str], weights: list[float]) -> str:
    """A decision-like sentence: filler words around a handful of Zipf-distributed content words."""
    content = rng.choices(words, weights=weights, k=rng.randint(3, 10))
    filler = rng.choices(FILLER, k=rng.randint(4, 14))
    mixed = content + filler
    rng.shuffle(mixed)
    return " ".join(mixed).capitalize() + "."


def fill(database_url: str, count: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    words = _vocabulary(rng)
    weights = _zipf_weights(len(words))
    engine = build_engine(database_url)
    now = datetime(2026, 11, 1, tzinfo=UTC)
    with engine.begin() as connection:
        connection.execute(
            insert(Person),
            [
                {
                    "team_id": TEAM,
                    "user_id": f"U{n:05d}",
                    "name": f"person{n}",
                    "real_name": "",
                    "display_name": "",
                    "is_bot": False,
                    "is_admin": False,
                    "is_owner": False,
                    "deleted": False,
                    "updated_at": now,
                }
                for n in range(PEOPLE)
            ],
        )
        channels = []
        members = []
        for c in range(CHANNELS):
            private = c % PRIVATE_EVERY == 0
            channels.append(
                {
                    "team_id": TEAM,
                    "channel_id": f"C{c:05d}",
                    "name": f"team-{c}",
                    "is_private": private,
                    "is_im": False,
                    "is_mpim": False,
                    "is_archived": False,
                    "is_ext_shared": False,
                    "is_member": True,
                    "updated_at": now,
                }
            )
            for u in rng.sample(range(PEOPLE), 40 if private else 120):
                members.append({"team_id": TEAM, "channel_id": f"C{c:05d}", "user_id": f"U{u:05d}", "joined_at": now})
        connection.execute(insert(Channel), channels)
        connection.execute(insert(ChannelMember), members)
    batch: list[dict[str, object]] = []
    started = time.perf_counter()
    for n in range(count):
        author = f"U{rng.randrange(PEOPLE):05d}"
        created = now - timedelta(minutes=rng.randrange(365 * 24 * 60))
        batch.append(
            {
                "team_id": TEAM,
                "channel_id": f"C{rng.randrange(CHANNELS):05d}",
                "message_ts": f"{created.timestamp():.6f}{n}",
                "thread_ts": None,
                "text": _sentence(rng, words, weights),
                "why": _sentence(rng, words, weights) if n % 3 == 0 else "",
                "alternatives": "",
                "tags": ",".join(rng.sample(TAGS, rng.randint(0, 2))),
                "owner_id": None,
                "review_by": None,
                "author_id": author,
                "logged_by": author,
                "permalink": None,
                "status": "retracted" if n % 50 == 0 else "accepted",
                "source": "reaction",
                "source_deleted": False,
                "created_at": created,
                "updated_at": created,
            }
        )
        if len(batch) == 10_000:
            with engine.begin() as connection:
                connection.execute(insert(Decision), batch)
            batch = []
    if batch:
        with engine.begin() as connection:
            connection.execute(insert(Decision), batch)
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            connection.exec_driver_sql("ANALYZE")
        else:
            connection.exec_driver_sql("ANALYZE")
            connection.exec_driver_sql("INSERT INTO decisions_fts(decisions_fts) VALUES ('optimize')")
        connection.commit()
    print(f"filled {count:,} decisions in {time.perf_counter() - started:.0f} s")
    engine.dispose()


def queries(rng: random.Random) -> list[tuple[str, str, str]]:
    """(viewer, current channel, query text): words alone, words with filters, filters alone."""
    out = []
    for n in range(100):
        viewer = f"U{rng.randrange(PEOPLE):05d}"
        channel = f"C{rng.randrange(CHANNELS):05d}"
        word = rng.choice(DOMAIN)
        shape = n % 5
        if shape == 0:
            text = word
        elif shape == 1:
            text = f"{word} {rng.choice(DOMAIN)}"
        elif shape == 2:
            text = f"{word} in:#team-{rng.randrange(CHANNELS)}"
        elif shape == 3:
            text = f"{word} tag:{rng.choice(TAGS)} since:2026-06-01"
        else:
            text = f"from:@person{rng.randrange(PEOPLE)} {word}"
        out.append((viewer, channel, text))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--decisions", type=int, default=1_000_000)
    parser.add_argument("--database-url", help="a PostgreSQL server (a scratch database is created and dropped)")
    args = parser.parse_args()
    with scratch_database(args.database_url, "search") as url:
        fill(url, args.decisions)
        engine = build_engine(url)
        factory = build_read_session_factory(engine)
        plan = queries(random.Random(11))
        with factory() as session:  # warm the caches once, as a running service would be
            for viewer, channel, text in plan[:10]:
                find(session=session, team_id=TEAM, viewer_id=viewer, channel_id=channel, raw=text)
        timings = []
        for viewer, channel, text in plan:
            with factory() as session:
                began = time.perf_counter()
                find(session=session, team_id=TEAM, viewer_id=viewer, channel_id=channel, raw=text)
                timings.append((time.perf_counter() - began) * 1000)
        timings.sort()
        print(
            f"{engine.dialect.name}: {len(timings)} queries over {args.decisions:,} decisions: "
            f"p50 {statistics.median(timings):.1f} ms, p95 {timings[94]:.1f} ms, max {timings[-1]:.1f} ms"
        )
        engine.dispose()


if __name__ == "__main__":
    main()
