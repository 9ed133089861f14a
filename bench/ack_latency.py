"""Acknowledgement throughput and latency of `handoff serve`, beside a bare Bolt app.

Starts the fake Slack Web API, `handoff serve` (on a fresh SQLite file, or --database-url) and a
bare Bolt app (bench/bare_app.py: one no-op message listener, same ASGI front, same uvicorn), then
sends signed `message` events for --seconds from 1, 4 and 16 concurrent senders (keep-alive
connections), alternating the two apps. Reports events/s and p50/p99 latency of the
acknowledgement, the ratios to the bare app, and finally checks that every acknowledged event is
in Handoff's inbox. With --runs N, each figure is the median of N runs.

    python -m bench.ack_latency [--seconds 10] [--runs 3] [--database-url postgresql://postgres@127.0.0.1/test]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from slack_sdk.signature import SignatureVerifier
from sqlalchemy import create_engine, func, pool, select

from bench.bare_app import SIGNING_SECRET
from store.models import InboxEvent
from tests.fakes.slack_api import FakeSlack

TEAM_ID = "T0BENCH"
CONCURRENCY = (1, 4, 16)


@dataclass
class Result:
    events_per_second: float
    p50_ms: float
    p99_ms: float
    acked_ids: list[str]
    failures: int


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_healthy(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"server exited with {process.returncode}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("server did not become healthy")


def _wait_processed(database_url: str, limit_seconds: float = 300) -> float:
    """Wait until Handoff's event worker has processed every stored event; returns how long it took."""
    engine = create_engine(database_url, poolclass=pool.NullPool)
    began = time.monotonic()
    try:
        while time.monotonic() - began < limit_seconds:
            with engine.connect() as connection:
                pending = connection.scalar(select(func.count()).where(InboxEvent.done_at.is_(None)))
            if not pending:
                break
            time.sleep(0.2)
    finally:
        engine.dispose()
    return time.monotonic() - began


def _body(index: int) -> tuple[str, str]:
    event_id = f"Ev{uuid.uuid4().hex[:16].upper()}"
    ts = f"{1_772_434_800 + index // 1000}.{index % 1000:06d}"
    body = {
        "token": "legacy",
        "team_id": TEAM_ID,
        "api_app_id": "A0BENCH",
        "type": "event_callback",
        "event_id": event_id,
        "event_time": 1_772_434_800,
        "authorizations": [{"team_id": TEAM_ID, "user_id": "UBOT", "is_bot": True}],
        "event": {"type": "message", "channel": "C1", "user": "U1", "text": f"message {index} " * 8, "ts": ts},
    }
    return event_id, json.dumps(body)


def _drive(port: int, concurrency: int, seconds: float, offset: int) -> Result:
    verifier = SignatureVerifier(SIGNING_SECRET)
    latencies: list[list[float]] = [[] for _ in range(concurrency)]
    acked: list[list[str]] = [[] for _ in range(concurrency)]
    failures = [0] * concurrency
    start_barrier = threading.Barrier(concurrency + 1)
    stop_at = [0.0]

    def sender(slot: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        index = offset + slot * 10_000_000
        start_barrier.wait()
        while time.perf_counter() < stop_at[0]:
            event_id, body = _body(index)
            index += 1
            stamp = str(int(time.time()))
            headers = {
                "Content-Type": "application/json",
                "X-Slack-Request-Timestamp": stamp,
                "X-Slack-Signature": verifier.generate_signature(timestamp=stamp, body=body) or "",
            }
            began = time.perf_counter()
            connection.request("POST", "/slack/events", body=body.encode(), headers=headers)
            response = connection.getresponse()
            response.read()
            latencies[slot].append(time.perf_counter() - began)
            if response.status == 200:
                acked[slot].append(event_id)
            else:
                failures[slot] += 1
        connection.close()

    threads = [threading.Thread(target=sender, args=(slot,)) for slot in range(concurrency)]
    for thread in threads:
        thread.start()
    stop_at[0] = time.perf_counter() + seconds
    began = time.perf_counter()
    start_barrier.wait()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    flat = sorted(latency for slot in latencies for latency in slot)
    return Result(
        events_per_second=len(flat) / elapsed,
        p50_ms=flat[len(flat) // 2] * 1000,
        p99_ms=flat[min(len(flat) - 1, int(len(flat) * 0.99))] * 1000,
        acked_ids=[event_id for slot in acked for event_id in slot],
        failures=sum(failures),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--database-url",
        help="a PostgreSQL server to run on, in a scratch database created and dropped here "
        "(default: a fresh SQLite file)",
    )
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="handoff-bench-"))
    scratch = _scratch_postgres(args.database_url) if args.database_url else None
    database_url = scratch[0] if scratch else f"sqlite:///{workdir / 'bench.db'}"
    fake = FakeSlack()
    fake.add_team(TEAM_ID, bot_token="xoxb-test", bot_user_id="UBOT")
    fake.add_user(TEAM_ID, "U1", name="ana")
    fake.add_channel(TEAM_ID, "C1", name="general", members=["U1", "UBOT"])
    fake.start()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "HANDOFF_", "DATABASE_"))},
        "DATABASE_URL": database_url,
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": fake.url,
    }
    handoff_cli = str(Path(sys.executable).with_name("handoff"))
    subprocess.run([handoff_cli, "migrate"], env=env, cwd=workdir, check=True, capture_output=True)
    handoff_port, bare_port = _free_port(), _free_port()
    servers = {
        "handoff": (
            handoff_port,
            subprocess.Popen(
                [
                    handoff_cli,
                    "--log-level",
                    "WARNING",
                    "serve",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(handoff_port),
                    "--no-tick",
                ],
                env=env,
                cwd=workdir,
            ),
        ),
        "bare": (
            bare_port,
            subprocess.Popen([sys.executable, "-m", "bench.bare_app", str(bare_port), fake.url], env=env),
        ),
    }
    try:
        for port, process in servers.values():
            _wait_healthy(port, process)
        # Warm up both (first auth.test, first channel and user reads, JIT-free but cache-warm).
        for port, _ in servers.values():
            _drive(port, 4, 1.0, offset=900_000_000)
        acked: list[str] = []
        rows: list[str] = []
        offset = 0
        drain_seconds: dict[int, list[float]] = {c: [] for c in CONCURRENCY}
        for concurrency in CONCURRENCY:
            runs: dict[str, list[Result]] = {"handoff": [], "bare": []}
            for _ in range(args.runs):
                for name, (port, _) in servers.items():
                    offset += 100_000_000
                    result = _drive(port, concurrency, args.seconds, offset)
                    runs[name].append(result)
                    if name == "handoff":
                        acked.extend(result.acked_ids)
                        # Let the event worker finish the run's backlog, so that the next
                        # measurement (either app) starts on a quiet machine.
                        drain_seconds[concurrency].append(_wait_processed(database_url))
            med = {
                name: {
                    "eps": statistics.median(r.events_per_second for r in results),
                    "p50": statistics.median(r.p50_ms for r in results),
                    "p99": statistics.median(r.p99_ms for r in results),
                    "fail": sum(r.failures for r in results),
                }
                for name, results in runs.items()
            }
            h, b = med["handoff"], med["bare"]
            drain = statistics.median(drain_seconds[concurrency])
            rows.append(
                f"| {concurrency:>2} | {h['eps']:7.0f} | {h['p50']:6.2f} | {h['p99']:6.2f} | {b['eps']:7.0f} | "
                f"{b['p50']:6.2f} | {b['p99']:6.2f} | {h['eps'] / b['eps']:4.2f} | {h['p99'] / b['p99']:4.2f} | "
                f"{h['fail']}/{b['fail']} | {drain:5.1f} |"
            )
        print(
            f"\nack latency, median of {args.runs} run(s) of {args.seconds:.0f} s, "
            f"database {database_url.split(':')[0]}"
        )
        print(
            "| senders | handoff ev/s | p50 ms | p99 ms | bare ev/s | p50 ms | p99 ms "
            "| ev/s ratio | p99 ratio | non-200 | backlog processed s after |"
        )
        print("|---|---|---|---|---|---|---|---|---|---|---|")
        print("\n".join(rows))
        engine = create_engine(database_url, poolclass=pool.NullPool)
        with engine.connect() as connection:
            stored = set(connection.scalars(select(InboxEvent.event_id)))
        engine.dispose()
        missing = [event_id for event_id in acked if event_id not in stored]
        print(
            f"\nacknowledged by handoff: {len(acked)}; in the inbox: {len(acked) - len(missing)}; "
            f"missing: {len(missing)}"
        )
        if missing:
            raise SystemExit(1)
    finally:
        for _, process in servers.values():
            process.terminate()
            process.wait(timeout=30)
        fake.stop()
        if scratch:
            scratch[1]()


def _scratch_postgres(server_url: str) -> tuple[str, Callable[[], None]]:
    """A fresh database on the server `server_url` points at, and how to drop it afterwards."""
    name = f"handoff_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server_url.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()

    return admin.url.set(database=name).render_as_string(hide_password=False), drop


if __name__ == "__main__":
    main()
