"""Soak: `handoff serve` under a steady 400 events/s for 15 minutes, with held pings and catch-ups due meanwhile.

Starts the fake Slack and `handoff serve` (a fresh SQLite file, or a scratch database on
--database-url). Four senders post signed message events open-loop: event i leaves at
start + i / rate, whatever the server's answers, so a server that falls behind shows it. Before
the run, people whose held pings and morning catch-ups fall due at minute boundaries during it
are added to the store; the fake Slack's DMs to them are watched to time each delivery.

Each minute it prints: events acknowledged and processed, the backlog's age (the oldest
unprocessed event), the largest write-ahead log seen (SQLite), the resident memory of the server
and of its event worker, the last tick's duration, and each delivery that fell due with its
lateness. At the end the server gets SIGTERM (timed), is started again, and every acknowledged
event must come out processed. Then the targets of issue 24 are checked one by one.

    python -m bench.soak [--minutes 15] [--rate 400] [--database-url postgresql://postgres@127.0.0.1:5432/test]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path

from slack_sdk.signature import SignatureVerifier
from sqlalchemy import Engine, create_engine, func, pool, select

from bench import load
from bench.ack_latency import _scratch_postgres
from bench.bare_app import SIGNING_SECRET
from pings.delivery import schedule_morning
from store import catchups, held_pings, working_hours
from store.models import InboxEvent, WorkerBeat
from tests.fakes.slack_api import FakeSlack

TEAM_ID = "T0SOAK"
CHANNELS = [f"C{n:03d}" for n in range(20)]
USERS = [f"U{n:03d}" for n in range(50)]
SENDERS = 4
ALL_DAYS = frozenset(range(7))
# Targets (issue 24).
BACKLOG_TARGET = timedelta(seconds=10)
WAL_TARGET_BYTES = 64 * 1024 * 1024
MEMORY_GROWTH_TARGET = 0.10
LATENESS_TARGET = timedelta(seconds=5)
SHUTDOWN_TARGET_SECONDS = 10.0


@dataclass
class Due:
    """A delivery that falls due during the run: a held ping or a catch-up, to one person."""

    what: str
    user_id: str
    due_at: datetime
    seen_at: datetime | None = None

    @property
    def lateness(self) -> timedelta | None:
        return self.seen_at - self.due_at if self.seen_at is not None else None


@dataclass
class Minute:
    """What one minute of the run looked like."""

    minute: int
    acked: int
    processed: int
    backlog_age: float
    wal_max_bytes: int | None
    server_rss: int
    worker_rss: int
    tick_seconds: float | None
    tick_at: datetime | None
    ack_p99_ms: float
    deliveries: list[Due] = field(default_factory=list)


class Senders:
    """Four keep-alive connections posting signed message events open-loop at a steady rate."""

    def __init__(self, port: int, rate: float, seconds: float) -> None:
        self.port, self.rate, self.seconds = port, rate, seconds
        self.verifier = SignatureVerifier(SIGNING_SECRET)
        self.lock = threading.Lock()
        self.acked: list[str] = []
        self.latencies: list[float] = []
        self.failed = 0
        self.threads: list[threading.Thread] = []
        self.start_at = 0.0
        self.base_ts = int(time.time()) - 3600

    def start(self) -> None:
        self.start_at = time.perf_counter() + 0.2
        total = int(self.rate * self.seconds)
        for sender in range(SENDERS):
            thread = threading.Thread(target=self._send, args=(sender, total), daemon=True)
            thread.start()
            self.threads.append(thread)

    def join(self) -> None:
        for thread in self.threads:
            thread.join()

    def take_latencies(self) -> list[float]:
        with self.lock:
            taken, self.latencies = self.latencies, []
        return taken

    def _body(self, index: int) -> tuple[str, str]:
        channel, user = CHANNELS[index % len(CHANNELS)], USERS[index % len(USERS)]
        event_id = f"Ev{uuid.uuid4().hex[:16].upper()}"
        body = {
            "token": "legacy",
            "team_id": TEAM_ID,
            "api_app_id": "A0SOAK",
            "type": "event_callback",
            "event_id": event_id,
            "event_time": self.base_ts,
            "authorizations": [{"team_id": TEAM_ID, "user_id": "UBOT", "is_bot": True}],
            "event": {
                "type": "message",
                "channel": channel,
                "user": user,
                "text": f"status update {index}: the deploy of service {index % 97} is green " * 2,
                "ts": f"{self.base_ts + index // 1000}.{index % 1000:06d}",
            },
        }
        return event_id, json.dumps(body)

    def _send(self, sender: int, total: int) -> None:
        connection: http.client.HTTPConnection | None = None
        for index in range(sender, total, SENDERS):
            due = self.start_at + index / self.rate
            pause = due - time.perf_counter()
            if pause > 0:
                time.sleep(pause)
            event_id, body = self._body(index)
            stamp = str(int(time.time()))
            headers = {
                "Content-Type": "application/json",
                "X-Slack-Request-Timestamp": stamp,
                "X-Slack-Signature": self.verifier.generate_signature(timestamp=stamp, body=body) or "",
            }
            try:
                if connection is None:
                    connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                connection.request("POST", "/slack/events", body=body.encode(), headers=headers)
                response = connection.getresponse()
                response.read()
                ok = response.status == 200
            except OSError:
                ok, connection = False, None
            with self.lock:
                if ok:
                    self.acked.append(event_id)
                    self.latencies.append(time.perf_counter() - due)
                else:
                    self.failed += 1
        if connection is not None:
            connection.close()


class DeliveryWatch:
    """Watches the fake Slack's calls for the DMs of the people with something due, and when they came."""

    def __init__(self, fake: FakeSlack, dues: list[Due]) -> None:
        self.fake, self.dues = fake, dues
        self.by_user = {due.user_id: due for due in dues}
        self.dm_of: dict[str, str] = {}
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.stopped.set()
        self.thread.join()

    def _run(self) -> None:
        while not self.stopped.wait(0.2):
            now = datetime.now(UTC)
            for call in self.fake.calls_to("conversations.open"):
                channel = call.response.get("channel", {}).get("id")
                if channel:
                    self.dm_of[str(channel)] = str(call.params.get("users", ""))
            for call in self.fake.calls_to("chat.postMessage"):
                due = self.by_user.get(self.dm_of.get(str(call.params.get("channel")), ""))
                if due is not None and due.seen_at is None:
                    due.seen_at = now


def rss_bytes(pid: int) -> int:
    """Resident memory of a process (0 when it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def children(pid: int) -> list[int]:
    """The child processes of `pid` (the event worker of a serve process)."""
    try:
        return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def wal_bytes(database_url: str) -> int | None:
    if not database_url.startswith("sqlite"):
        return None
    try:
        return os.path.getsize(database_url.removeprefix("sqlite:///") + "-wal")
    except FileNotFoundError:
        return 0


def seed(database_url: str, fake: FakeSlack, start: datetime, minutes: int) -> list[Due]:
    """People with a held ping or a catch-up due at each minute boundary from the second minute on."""
    from bot.db import build_engine, build_session_factory

    engine = build_engine(database_url)
    factory = build_session_factory(engine)
    dues: list[Due] = []
    first = start.replace(second=0, microsecond=0) + timedelta(minutes=2)
    instants = [first + timedelta(minutes=n) for n in range(max(minutes - 2, 1))]
    with factory.begin() as session:
        for n, due_at in enumerate(instants):
            pinged, reader = f"UP{n:03d}", f"UC{n:03d}"
            for user in (pinged, reader):
                fake.add_user(TEAM_ID, user, name=user.lower(), tz="UTC")
            for text in ("Could you review the rollout plan?", "And the on-call swap for Friday?"):
                held_pings.add(
                    session=session,
                    new=held_pings.NewPing(TEAM_ID, USERS[n % len(USERS)], pinged, text, due_at),
                    now=start,
                )
            schedule_morning(session=session, team_id=TEAM_ID, recipient_id=pinged, due_at=due_at, now=start)
            dues.append(Due("held ping", pinged, due_at))
            # Their working day starts at the due minute: the catch-up comes then.
            begin = due_at.time().replace(tzinfo=None)
            end = clock_time(min(begin.hour + 8, 23), 59 if begin.hour + 8 > 23 else begin.minute)
            working_hours.set_hours(
                session=session, team_id=TEAM_ID, user_id=reader, start=begin, end=end, days=ALL_DAYS, now=start
            )
            working_hours.set_zone(session=session, team_id=TEAM_ID, user_id=reader, tz="UTC", now=start)
            catchups.change_prefs(session=session, team_id=TEAM_ID, user_id=reader, now=start, enabled=True)
            dues.append(Due("catch-up", reader, due_at))
    engine.dispose()
    return dues


def read_minute(engine: Engine) -> tuple[int, float, float | None, datetime | None]:
    """(events processed, age in seconds of the oldest unprocessed event, the last tick's seconds and instant)."""
    now = datetime.now(UTC)
    with engine.connect() as connection:
        processed = connection.scalar(select(func.count()).where(InboxEvent.done_at.is_not(None))) or 0
        oldest = connection.scalar(select(func.min(InboxEvent.received_at)).where(InboxEvent.done_at.is_(None)))
        beat = connection.execute(
            select(WorkerBeat.last_report, WorkerBeat.last_tick_at).order_by(WorkerBeat.last_tick_at.desc()).limit(1)
        ).first()
    if oldest is not None and oldest.tzinfo is None:
        oldest = oldest.replace(tzinfo=UTC)
    age = (now - oldest).total_seconds() if oldest is not None else 0.0
    seconds = beat[0].get("tick_seconds") if beat is not None else None
    return int(processed), max(age, 0.0), seconds, (beat[1] if beat is not None else None)


class Server(load.Server):
    """`handoff serve` as a child process (as the load benchmark starts it), stopped with SIGTERM."""

    def terminate(self) -> float:
        """SIGTERM, and the seconds until the process (and its worker) exited."""
        assert self.process is not None
        began = time.monotonic()
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            return float("inf")
        return time.monotonic() - began

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=int, default=15)
    parser.add_argument("--rate", type=float, default=400.0)
    parser.add_argument("--database-url", help="a PostgreSQL server (a scratch database is created and dropped)")
    args = parser.parse_args()
    # Stopped from outside: clean up (the server, the scratch database) on the way out.
    signal.signal(signal.SIGTERM, lambda _signum, _frame: sys.exit(1))

    workdir = Path(tempfile.mkdtemp(prefix="handoff-soak-"))
    scratch = _scratch_postgres(args.database_url) if args.database_url else None
    database_url = scratch[0] if scratch else f"sqlite:///{workdir / 'soak.db'}"
    engine_name = "PostgreSQL" if scratch else "SQLite"
    fake = FakeSlack()
    fake.add_team(TEAM_ID, bot_token="xoxb-soak", bot_user_id="UBOT")
    for user in USERS:
        fake.add_user(TEAM_ID, user, name=user.lower())
    for channel in CHANNELS:
        fake.add_channel(TEAM_ID, channel, name=f"team-{channel.lower()}", members=[*USERS, "UBOT"])
    fake.start()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "HANDOFF_", "DATABASE_"))},
        "DATABASE_URL": database_url,
        "SLACK_BOT_TOKEN": "xoxb-soak",
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": fake.url,
    }
    subprocess.run([load._handoff(), "migrate"], env=env, cwd=workdir, check=True, capture_output=True)
    dues = seed(database_url, fake, datetime.now(UTC), args.minutes)
    watch = DeliveryWatch(fake, dues)
    watch.start()
    server = Server(env, workdir)
    reader = create_engine(database_url, poolclass=pool.NullPool)
    minutes: list[Minute] = []
    try:
        server.start()
        assert server.process is not None
        senders = Senders(server.port, args.rate, args.minutes * 60)
        print(f"{engine_name}: {args.rate:.0f} events/s for {args.minutes} min, {len(dues)} deliveries due meanwhile")
        print("min  acked      processed  backlog  WAL max   server RSS  worker RSS  tick    ack p99   due this minute")
        senders.start()
        began = time.monotonic()
        for minute in range(1, args.minutes + 1):
            wal_max = wal_bytes(database_url)
            while time.monotonic() < began + minute * 60:
                time.sleep(1.0)
                size = wal_bytes(database_url)
                if size is not None and wal_max is not None:
                    wal_max = max(wal_max, size)
            processed, age, tick_seconds, tick_at = read_minute(reader)
            worker = children(server.process.pid)
            latencies = sorted(senders.take_latencies())
            p99 = latencies[int(len(latencies) * 0.99)] * 1000 if latencies else 0.0
            end = datetime.now(UTC)
            row = Minute(
                minute=minute,
                acked=len(senders.acked),
                processed=processed,
                backlog_age=age,
                wal_max_bytes=wal_max,
                server_rss=rss_bytes(server.process.pid),
                worker_rss=sum(rss_bytes(pid) for pid in worker),
                tick_seconds=tick_seconds,
                tick_at=tick_at,
                ack_p99_ms=p99,
                deliveries=[due for due in dues if end - timedelta(minutes=1) < due.due_at <= end],
            )
            minutes.append(row)
            print(_format(row), flush=True)
        senders.join()
        time.sleep(2)
        shutdown = server.terminate()
        print(f"SIGTERM after the run: exited in {shutdown:.1f} s")
        server.start()
        caught_up = _wait_processed(reader, set(senders.acked), limit_seconds=300)
        server.terminate()
        watch.stop()
        _verdict(minutes, dues, senders, shutdown=shutdown, caught_up=caught_up, name=engine_name)
    finally:
        server.stop()
        fake.stop()
        reader.dispose()
        if scratch:
            scratch[1]()


def _wait_processed(engine: Engine, acked: set[str], limit_seconds: float) -> tuple[int, float]:
    """(acknowledged events not processed, seconds waited) once every one is processed or the limit passes."""
    began = time.monotonic()
    missing = len(acked)
    while time.monotonic() - began < limit_seconds:
        with engine.connect() as connection:
            done = set(connection.scalars(select(InboxEvent.event_id).where(InboxEvent.done_at.is_not(None))))
        missing = len(acked - done)
        if not missing:
            break
        time.sleep(2)
    return missing, time.monotonic() - began


def _mb(value: int | None) -> str:
    return "-" if value is None else f"{value / 1_048_576:.1f} MB"


def _format(row: Minute) -> str:
    due = ", ".join(
        f"{d.what} {d.user_id} " + (f"{d.lateness.total_seconds():+.1f} s" if d.lateness is not None else "NOT YET")
        for d in row.deliveries
    )
    tick = f"{row.tick_seconds:.1f} s" if row.tick_seconds is not None else "-"
    return (
        f"{row.minute:>3}  {row.acked:>9,}  {row.processed:>9,}  {row.backlog_age:>5.1f} s  "
        f"{_mb(row.wal_max_bytes):>8}  "
        f"{_mb(row.server_rss):>10}  {_mb(row.worker_rss):>10}  {tick:>6}  {row.ack_p99_ms:>6.0f} ms  {due}"
    )


def _verdict(
    minutes: list[Minute],
    dues: list[Due],
    senders: Senders,
    *,
    shutdown: float,
    caught_up: tuple[int, float],
    name: str,
) -> None:
    last = minutes[-1]
    wal_values = [m.wal_max_bytes for m in minutes if m.wal_max_bytes is not None]
    settled = [m for m in minutes if m.minute > 2] or minutes
    server_rss = [m.server_rss for m in settled]
    worker_rss = [m.worker_rss for m in settled]

    def growth(values: list[int]) -> float:
        return (max(values) - values[0]) / values[0] if values and values[0] else 0.0

    lateness = [d.lateness.total_seconds() for d in dues if d.lateness is not None]
    undelivered = [d for d in dues if d.lateness is None]
    ticks = [m.tick_seconds for m in minutes if m.tick_seconds is not None]
    checks = [
        (
            f"backlog at the end {last.backlog_age:.1f} s (target < {BACKLOG_TARGET.total_seconds():.0f} s)",
            last.backlog_age < BACKLOG_TARGET.total_seconds(),
        ),
        (
            f"WAL max {_mb(max(wal_values)) if wal_values else '-'} (target < 64 MB)",
            not wal_values or max(wal_values) < WAL_TARGET_BYTES,
        ),
        (
            f"memory after minute 2: server +{growth(server_rss):.0%}, worker +{growth(worker_rss):.0%} "
            "(target within 10 %)",
            growth(server_rss) <= MEMORY_GROWTH_TARGET and growth(worker_rss) <= MEMORY_GROWTH_TARGET,
        ),
        (
            f"ticks: longest {max(ticks) if ticks else 0:.1f} s of {len(ticks)} seen (target within the minute)",
            bool(ticks) and max(ticks) < 60,
        ),
        (
            f"deliveries: {len(lateness)} of {len(dues)} delivered, lateness median "
            f"{statistics.median(lateness) if lateness else 0:.1f} s, max {max(lateness) if lateness else 0:.1f} s "
            f"(target within 5 s)",
            not undelivered and all(value <= LATENESS_TARGET.total_seconds() for value in lateness),
        ),
        (f"SIGTERM exit {shutdown:.1f} s (target < 10 s)", shutdown < SHUTDOWN_TARGET_SECONDS),
        (
            f"after restart: {len(senders.acked) - caught_up[0]:,} of {len(senders.acked):,} acknowledged events "
            f"processed ({caught_up[1]:.0f} s after the restart); not acknowledged: {senders.failed}",
            caught_up[0] == 0,
        ),
    ]
    print(f"{name} targets:")
    for text, ok in checks:
        print(f"  [{'met' if ok else 'MISSED'}] {text}")


if __name__ == "__main__":
    main()
