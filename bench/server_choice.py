"""Which production HTTP server for `handoff serve`: the bare Bolt app under uvicorn vs gunicorn.

Serves the same bare Bolt app (one no-op message listener) behind Bolt's ASGI adapter under
uvicorn (one process, dispatch on a thread pool, as `handoff serve` does) and behind Bolt's WSGI
adapter under gunicorn (one worker, gthread, 16 threads), and drives both with the ack benchmark's
senders. Needs the bench extra: pip install -e '.[bench]'.

    python -m bench.server_choice [--seconds 10] [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys

from bench.ack_latency import CONCURRENCY, TEAM_ID, _drive, _free_port, _wait_healthy
from tests.fakes.slack_api import FakeSlack


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    fake = FakeSlack()
    fake.add_team(TEAM_ID, bot_token="xoxb-test", bot_user_id="UBOT")
    fake.start()
    env = {**os.environ, "BARE_SLACK_API_URL": fake.url}
    uvicorn_port, gunicorn_port = _free_port(), _free_port()
    servers = {
        "uvicorn (ASGI)": (
            uvicorn_port,
            subprocess.Popen([sys.executable, "-m", "bench.bare_app", str(uvicorn_port), fake.url], env=env),
        ),
        "gunicorn (WSGI, gthread)": (
            gunicorn_port,
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "--workers",
                    "1",
                    "--threads",
                    "16",
                    "--worker-class",
                    "gthread",
                    "--bind",
                    f"127.0.0.1:{gunicorn_port}",
                    "--log-level",
                    "warning",
                    "bench.bare_app:wsgi_app()",
                ],
                env=env,
            ),
        ),
    }
    try:
        for port, process in servers.values():
            _wait_healthy(port, process)
            _drive(port, 4, 1.0, offset=900_000_000)
        print(f"\nbare Bolt app, median of {args.runs} run(s) of {args.seconds:.0f} s")
        print("| server | senders | ev/s | p50 ms | p99 ms |")
        print("|---|---|---|---|---|")
        offset = 0
        for concurrency in CONCURRENCY:
            for name, (port, _) in servers.items():
                results = []
                for _ in range(args.runs):
                    offset += 100_000_000
                    results.append(_drive(port, concurrency, args.seconds, offset))
                print(
                    f"| {name} | {concurrency} | {statistics.median(r.events_per_second for r in results):.0f} | "
                    f"{statistics.median(r.p50_ms for r in results):.2f} | "
                    f"{statistics.median(r.p99_ms for r in results):.2f} |"
                )
    finally:
        for _, process in servers.values():
            process.terminate()
            process.wait(timeout=30)
        fake.stop()


if __name__ == "__main__":
    main()
