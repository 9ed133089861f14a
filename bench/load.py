"""Load: 30,000 signed events at 1,000 per second against one `handoff serve`, then a kill -9 mid-run.

Starts the fake Slack and `handoff serve` (a fresh SQLite file, or a scratch database on
--database-url), signs every event beforehand (so the sender spends its time sending), and sends
them open-loop: event i leaves at start + i / rate from a pool of keep-alive connections, and its
latency counts from that scheduled instant, so a server that falls behind shows it.

Run 1 is steady. Run 2 kills the server with SIGKILL halfway, starts it again, re-sends what was
not acknowledged as Slack does (X-Slack-Retry-Num, signed afresh), and runs `handoff tick --now`
past the dead worker's leases. After each run: every acknowledged event is in the inbox once, and
its message is in the store once.

    python -m bench.load [--events 30000] [--rate 1000] [--database-url postgresql://postgres@127.0.0.1:5432/test]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from slack_sdk.signature import SignatureVerifier
from sqlalchemy import create_engine, pool, select

from bench.ack_latency import _free_port, _scratch_postgres, _wait_healthy, _wait_processed
from bench.bare_app import SIGNING_SECRET
from store.models import InboxEvent, Message
from tests.fakes.slack_api import FakeSlack

TEAM_ID = "T0LOAD"
CHANNELS = [f"C{n:03d}" for n in range(20)]
USERS = [f"U{n:03d}" for n in range(50)]
ACK_DEADLINE = 3.0


@dataclass
class Event:
    event_id: str
    channel: str
    ts: str
    body: str


@dataclass
class Run:
    """What one run saw: acknowledged event ids, latencies from each scheduled send, what failed."""

    acked: set[str] = field(default_factory=set)
    latencies: list[float] = field(default_factory=list)
    unacked: list[int] = field(default_factory=list)
    elapsed: float = 0.0


def make_events(count: int, first: int) -> list[Event]:
    # Messages of the last hour: the tick run after the crash must not prune them as old traffic.
    base = int(time.time()) - 3600
    events = []
    for index in range(first, first + count):
        channel, user = CHANNELS[index % len(CHANNELS)], USERS[index % len(USERS)]
        ts = f"{base + index // 1000}.{index % 1000:06d}"
        event_id = f"Ev{uuid.uuid4().hex[:16].upper()}"
        body = {
            "token": "legacy",
            "team_id": TEAM_ID,
            "api_app_id": "A0LOAD",
            "type": "event_callback",
            "event_id": event_id,
            "event_time": 1_772_434_800,
            "authorizations": [{"team_id": TEAM_ID, "user_id": "UBOT", "is_bot": True}],
            "event": {"type": "message", "channel": channel, "user": user, "text": f"update {index} " * 6, "ts": ts},
        }
        events.append(Event(event_id, channel, ts, json.dumps(body)))
    return events


def _headers(verifier: SignatureVerifier, body: str, retry: int = 0) -> dict[str, str]:
    stamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json",
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": verifier.generate_signature(timestamp=stamp, body=body) or "",
    }
    if retry:
        headers["X-Slack-Retry-Num"] = str(retry)
        headers["X-Slack-Retry-Reason"] = "http_error"
    return headers


def send(port: int, events: list[Event], rate: float, senders: int, *, on_half: threading.Event | None = None) -> Run:
    """Send `events` open-loop at `rate` per second; `on_half` is set once half of them are due."""
    verifier = SignatureVerifier(SIGNING_SECRET)
    signed = [_headers(verifier, event.body) for event in events]
    run = Run()
    lock = threading.Lock()
    cursor = [0]
    start = time.perf_counter() + 0.5

    def sender() -> None:
        connection: http.client.HTTPConnection | None = None
        while True:
            with lock:
                index = cursor[0]
                cursor[0] += 1
            if index >= len(events):
                break
            due = start + index / rate
            if on_half is not None and index == len(events) // 2:
                on_half.set()
            pause = due - time.perf_counter()
            if pause > 0:
                time.sleep(pause)
            event = events[index]
            try:
                if connection is None:
                    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                connection.request("POST", "/slack/events", body=event.body.encode(), headers=signed[index])
                response = connection.getresponse()
                response.read()
                ok = response.status == 200
            except OSError:
                ok = False
                connection = None
            with lock:
                if ok:
                    run.acked.add(event.event_id)
                    run.latencies.append(time.perf_counter() - due)
                else:
                    run.unacked.append(index)
        if connection is not None:
            connection.close()

    threads = [threading.Thread(target=sender) for _ in range(senders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    run.elapsed = time.perf_counter() - start
    return run


def resend(port: int, events: list[Event]) -> set[str]:
    """Slack's retries of what was not acknowledged: the same events, signed afresh, until each is taken."""
    verifier = SignatureVerifier(SIGNING_SECRET)
    acked: set[str] = set()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    for event in events:
        for retry in (1, 2, 3):
            connection.request(
                "POST", "/slack/events", body=event.body.encode(), headers=_headers(verifier, event.body, retry)
            )
            response = connection.getresponse()
            response.read()
            if response.status == 200:
                acked.add(event.event_id)
                break
    connection.close()
    return acked


def check(database_url: str, events: list[Event], acked: set[str]) -> tuple[int, int, int]:
    """(acknowledged events missing from the inbox, inbox rows for them, their messages in the store)."""
    engine = create_engine(database_url, poolclass=pool.NullPool)
    wanted = {event.event_id for event in events if event.event_id in acked}
    keys = {(event.channel, event.ts) for event in events if event.event_id in acked}
    with engine.connect() as connection:
        stored = list(connection.scalars(select(InboxEvent.event_id).where(InboxEvent.team_id == TEAM_ID)))
        messages = list(connection.execute(select(Message.channel_id, Message.ts).where(Message.team_id == TEAM_ID)))
    engine.dispose()
    inbox_rows = sum(1 for event_id in stored if event_id in wanted)
    in_store = sum(1 for row in messages if (row[0], row[1]) in keys)
    return len(wanted - set(stored)), inbox_rows, in_store


def report(name: str, run: Run, rate: float) -> None:
    latencies = sorted(run.latencies)
    if not latencies:
        print(f"{name}: nothing acknowledged")
        return
    within = sum(1 for latency in latencies if latency <= ACK_DEADLINE) / len(latencies)
    print(
        f"{name}: {len(run.acked):,} acknowledged in {run.elapsed:.1f} s ({len(run.acked) / run.elapsed:.0f}/s, "
        f"target {rate:.0f}/s); ack p50 {latencies[len(latencies) // 2] * 1000:.1f} ms, "
        f"p99 {latencies[int(len(latencies) * 0.99)] * 1000:.1f} ms, max {latencies[-1] * 1000:.0f} ms; "
        f"within {ACK_DEADLINE:.0f} s: {within:.2%}; not acknowledged: {len(run.unacked):,}"
    )


class Server:
    """`handoff serve` as a child process, started and killed at will."""

    def __init__(self, env: dict[str, str], workdir: Path) -> None:
        self.env, self.workdir = env, workdir
        self.port = _free_port()
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        command = [_handoff(), "--log-level", "WARNING", "serve", "--host", "127.0.0.1", "--port", str(self.port)]
        self.process = subprocess.Popen(command, env=self.env, cwd=self.workdir)
        _wait_healthy(self.port, self.process)

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)

    def cpu_seconds(self) -> float | None:
        """CPU time the server process (not its event worker) has used so far; None off Linux."""
        assert self.process is not None
        try:
            fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None
        # utime and stime, the 14th and 15th fields of the whole line, in clock ticks.
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)


def _handoff() -> str:
    return str(Path(sys.executable).with_name("handoff"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=30_000)
    parser.add_argument("--rate", type=float, default=1_000.0)
    parser.add_argument("--senders", type=int, default=48, help="keep-alive connections sending in parallel")
    parser.add_argument("--database-url", help="a PostgreSQL server (a scratch database is created and dropped)")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="handoff-load-"))
    scratch = _scratch_postgres(args.database_url) if args.database_url else None
    database_url = scratch[0] if scratch else f"sqlite:///{workdir / 'load.db'}"
    fake = FakeSlack()
    fake.add_team(TEAM_ID, bot_token="xoxb-load", bot_user_id="UBOT")
    for user in USERS:
        fake.add_user(TEAM_ID, user, name=user.lower())
    for channel in CHANNELS:
        fake.add_channel(TEAM_ID, channel, name=f"team-{channel.lower()}", members=[*USERS, "UBOT"])
    fake.start()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "HANDOFF_", "DATABASE_"))},
        "DATABASE_URL": database_url,
        "SLACK_BOT_TOKEN": "xoxb-load",
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": fake.url,
    }
    subprocess.run([_handoff(), "migrate"], env=env, cwd=workdir, check=True, capture_output=True)
    server = Server(env, workdir)
    failed = False
    try:
        server.start()
        send(server.port, make_events(500, 10_000_000), args.rate, args.senders)  # warm-up, not counted
        _wait_processed(database_url)

        steady = make_events(args.events, 0)
        cpu_before = server.cpu_seconds()
        first = send(server.port, steady, args.rate, args.senders)
        cpu_after = server.cpu_seconds()
        report("run 1 (steady)", first, args.rate)
        if cpu_before is not None and cpu_after is not None:
            per_thousand = (cpu_after - cpu_before) / len(first.acked) * 1000 if first.acked else 0.0
            print(f"  server CPU (the HTTP process, acknowledging): {per_thousand:.2f} s per 1,000 events")
        print(f"  backlog processed {_wait_processed(database_url):.1f} s after the run")
        missing, rows, stored = check(database_url, steady, first.acked)
        print(
            f"  acknowledged {len(first.acked):,}: missing from the inbox {missing}, "
            f"inbox rows {rows:,}, messages {stored:,}"
        )
        failed |= missing > 0 or rows != len(first.acked) or stored != len(first.acked)

        crashing = make_events(args.events, args.events)
        half = threading.Event()

        def kill_halfway() -> None:
            half.wait()
            server.kill()

        killer = threading.Thread(target=kill_halfway)
        killer.start()
        second = send(server.port, crashing, args.rate, args.senders, on_half=half)
        killer.join()
        report("run 2 (kill -9 halfway)", second, args.rate)
        server.start()
        retried = resend(server.port, [crashing[index] for index in sorted(second.unacked)])
        # The dead worker's claims on events it acknowledged run out; the tick takes them over.
        later = (datetime.now(UTC) + timedelta(minutes=3)).isoformat()
        subprocess.run([_handoff(), "tick", "--now", later], env=env, cwd=workdir, check=True, capture_output=True)
        print(
            f"  re-sent {len(second.unacked):,} as Slack would; "
            f"backlog processed {_wait_processed(database_url):.1f} s later"
        )
        acked = second.acked | retried
        missing, rows, stored = check(database_url, crashing, acked)
        print(
            f"  acknowledged {len(acked):,}: missing from the inbox {missing}, inbox rows {rows:,}, messages {stored:,}"
        )
        failed |= missing > 0 or rows != len(acked) or stored != len(acked) or len(acked) != len(crashing)
    finally:
        server.stop()
        fake.stop()
        if scratch:
            scratch[1]()
    engine = "PostgreSQL" if database_url.startswith("postgresql") else "SQLite"
    print(f"{engine}: {'every acknowledged event stored and ingested once' if not failed else 'FAILED'}")
    if failed:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
