"""`handoff import` throughput: a generated Slack export of 1,000,000 messages into SQLite or PostgreSQL.

The export is written streaming to a zip on disk (reused when it is already there): 1,000 people
over 6 zones, 200 channels (one in ten private) over 100 days (50 messages a channel a day),
messages shaped as Slack writes them (profile, blocks), one in ten a thread reply, 2% edited,
1% with reactions, one in a thousand carrying :memo: (about 1,000 decisions), some joins and app
messages. Each run imports it
into a fresh database in its own process, through the same code as the command
(`bot.slack_import.run_import`: check pass, people, one transaction per channel), and prints
messages per second, its CPU time and peak memory; then the median. The workspace keeps a year of
traffic, so every message is stored.

    python -m bench.import [--messages 1000000] [--runs 3] [--export /tmp/handoff-export-1000000.zip]
    python -m bench.import --database-url postgresql://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.scratch import scratch_database
from bot.clock import FixedClock
from bot.db import build_engine, build_session_factory
from bot.settings import Settings
from bot.slack_import import run_import
from slack_export.importer import ImportRequest
from slack_export.progress import Silent
from store import workspace_settings

TEAM = "TBENCH"
NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
PEOPLE, CHANNELS, DAYS = 1_000, 200, 100
# Messages per channel and day, as in a busy workspace; a smaller run spans fewer days.
PER_DAY = 50
ZONES = ["UTC", "Europe/Berlin", "America/Los_Angeles", "Asia/Tokyo", "Australia/Sydney", "America/Sao_Paulo"]
PHRASE = "ship the beta after QA signs off we moved standup to ten the migration runs tonight please review"
WORDS = PHRASE.split()


def generate(path: Path, messages: int) -> None:
    """Write an export of `messages` messages to `path`, one day file at a time."""
    started = time.perf_counter()
    days = min(DAYS, max(1, -(-messages // (CHANNELS * PER_DAY))))
    per_file = max(1, -(-messages // (CHANNELS * days)))
    written = 0
    tmp = path.with_suffix(".partial")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        users = [_user(n) for n in range(PEOPLE)]
        archive.writestr("users.json", json.dumps(users))
        public = [_channel(c) for c in range(CHANNELS) if c % 10]
        private = [_channel(c) for c in range(CHANNELS) if not c % 10]
        archive.writestr("channels.json", json.dumps(public))
        archive.writestr("groups.json", json.dumps(private))
        first_day = (NOW - timedelta(days=days)).date()
        for day_number in range(days):
            day = first_day + timedelta(days=day_number)
            for c in range(CHANNELS):
                if written >= messages:
                    break
                count = min(per_file, messages - written)
                with archive.open(f"channel-{c:03d}/{day.isoformat()}.json", "w") as out:
                    out.write(b"[")
                    base = datetime(day.year, day.month, day.day, 6, tzinfo=UTC).timestamp()
                    parent = ""
                    for i in range(count):
                        n = written + i
                        ts = f"{base + i * 20 + c / 1000:.6f}"
                        if i % 10 == 0:
                            parent = ts
                        out.write((b"," if i else b"") + json.dumps(_message(n, ts, parent, i)).encode())
                    out.write(b"]")
                written += count
            if written >= messages:
                break
    tmp.rename(path)
    size = path.stat().st_size
    print(f"generated {written:,} messages in {time.perf_counter() - started:.0f} s ({size / 1e6:.0f} MB zip)")


def _user(n: int) -> dict[str, Any]:
    name = f"person{n:04d}"
    return {
        "id": f"U{n:06d}",
        "team_id": TEAM,
        "name": name,
        "real_name": name.title(),
        "tz": ZONES[n % len(ZONES)],
        "tz_offset": 0,
        "deleted": n % 97 == 0,
        "is_bot": n == 0,
        "profile": {"real_name": name.title(), "display_name": name, "team": TEAM, "image_72": "https://x/y.png"},
    }


def _channel(c: int) -> dict[str, Any]:
    return {
        "id": f"C{c:05d}",
        "name": f"channel-{c:03d}",
        "created": 1_600_000_000,
        "members": [f"U{(c * 7 + k) % PEOPLE:06d}" for k in range(30)],
        "topic": {"value": ""},
        "purpose": {"value": f"Channel {c}"},
    }


def _message(n: int, ts: str, parent: str, i: int) -> dict[str, Any]:
    user = f"U{(n * 13) % PEOPLE:06d}"
    text = " ".join(WORDS[(n + k) % len(WORDS)] for k in range(6 + n % 12)) + f" #{n}"
    message: dict[str, Any] = {
        "client_msg_id": f"{n:08x}-0000-4000-8000-000000000000",
        "type": "message",
        "text": text,
        "user": user,
        "ts": ts,
        "team": TEAM,
        "user_team": TEAM,
        "user_profile": {"real_name": user, "display_name": user, "team": TEAM, "image_72": "https://x/y.png"},
        "blocks": [
            {
                "type": "rich_text",
                "elements": [{"type": "rich_text_section", "elements": [{"type": "text", "text": text}]}],
            }
        ],
    }
    if i % 10 and n % 10 == 3:
        message["thread_ts"], message["parent_user_id"] = parent, user
    if n % 50 == 7:
        message["edited"] = {"user": user, "ts": f"{float(ts) + 60:.6f}"}
    if n % 100 == 11:
        message["reactions"] = [{"name": "+1", "users": [user], "count": 1}]
    if n % 1000 == 5:
        message["reactions"] = [{"name": "memo", "users": [f"U{(n * 17) % PEOPLE:06d}", user], "count": 2}]
    if n % 500 == 1:
        message.update(subtype="channel_join", text=f"<@{user}> has joined the channel")
    elif n % 200 == 9:
        message.update(subtype="bot_message", bot_id="B000001", username="ci")
        message.pop("user")
    return message


def run_once(database_url: str, export: Path) -> None:
    """Import the export (a child process of `main`) and print seconds, entries and peak MB."""
    settings = Settings(_env_file=None, DATABASE_URL=database_url, SLACK_BOT_TOKEN="xoxb-bench")
    engine = build_engine(settings.database_url, pool_size=1)
    with build_session_factory(engine).begin() as session:
        workspace_settings.change(session=session, team_id=TEAM, actor_id="bench", now=NOW, traffic_retention_days=365)
    engine.dispose()
    started = time.perf_counter()
    # What `handoff import` runs, progress bar aside.
    summary = run_import(settings, ImportRequest(path=export, team_id=TEAM), clock=FixedClock(NOW), progress=Silent())
    elapsed = time.perf_counter() - started
    assert summary.complete, summary.stopped
    entries = summary.messages_new + summary.messages_known + summary.not_kept + sum(summary.skipped.values())
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(json.dumps({"seconds": elapsed, "messages": summary.messages_new, "entries": entries,
                      "decisions": summary.decisions_new, "peak_mb": usage.ru_maxrss / 1024,
                      "cpu": usage.ru_utime + usage.ru_stime}))  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--export", type=Path, help="where the generated export is kept (default: in /tmp)")
    parser.add_argument("--database-url", help="a PostgreSQL server (a scratch database per run, dropped after)")
    parser.add_argument("--run-once", nargs=2, metavar=("DATABASE_URL", "EXPORT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run_once:
        run_once(args.run_once[0], Path(args.run_once[1]))
        return
    export = args.export or Path(tempfile.gettempdir()) / f"handoff-export-{args.messages}.zip"
    if not export.exists():
        generate(export, args.messages)
    engine_name = "PostgreSQL" if args.database_url else "SQLite"
    rates, peaks = [], []
    for run in range(args.runs):
        with scratch_database(args.database_url, "import") as url:
            child = subprocess.run(
                [sys.executable, "-m", "bench.import", "--run-once", url, str(export)],
                check=True, capture_output=True, text=True,
            )  # fmt: skip
        result = json.loads(child.stdout.strip().splitlines()[-1])
        rate = result["messages"] / result["seconds"]
        rates.append(rate)
        peaks.append(result["peak_mb"])
        print(
            f"run {run + 1}: {result['messages']:,} messages ({result['decisions']:,} decisions) in "
            f"{result['seconds']:.0f} s = {rate:,.0f} messages/s ({result['cpu']:.0f} s of CPU in the importing "
            f"process); peak memory {result['peak_mb']:.0f} MB"
        )
    print(f"median {statistics.median(rates):,.0f} messages/s ({engine_name}); peak memory {max(peaks):.0f} MB")


if __name__ == "__main__":
    main()
