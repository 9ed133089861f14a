"""The `handoff` console script as an operator runs it: real processes, exit codes, one-line errors."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from PIL import Image
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import Engine, create_engine, func, pool, select
from sqlalchemy.orm import Session

from metrics.chart import SERIES_KEY
from store import inbox
from store.inbox import Delivery
from store.models import InboxEvent, Message
from tests.fakes.slack_api import FakeSlack
from tests.metrics.history import seed_history, seed_workspace
from tests.oauth import CLIENT_ID, CLIENT_SECRET, KEY
from tests.support import BOT_TOKEN, SIGNING_SECRET, TEAM_ID, LiveServer, command_form, event_body, signed_headers

# OAuth mode: the app's credentials instead of a bot token.
OAUTH = {"SLACK_CLIENT_ID": CLIENT_ID, "SLACK_CLIENT_SECRET": CLIENT_SECRET}

HANDOFF = shutil.which("handoff") or str(Path(sys.executable).with_name("handoff"))


def _env(**values: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "HANDOFF_", "OPENAI_", "DATABASE_"))}
    env.update(values)
    return env


def _run(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([HANDOFF, *args], check=False, env=env, cwd=cwd, capture_output=True, text=True, timeout=120)


def test_migrate_then_tick_twice_at_the_same_instant(tmp_path: Path, fake_slack: FakeSlack) -> None:
    env = _env(DATABASE_URL=f"sqlite:///{tmp_path / 'h.db'}", SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_API_URL=fake_slack.url)
    migrated = _run(["migrate"], env, tmp_path)
    assert migrated.returncode == 0, migrated.stderr
    assert re.fullmatch(
        rf"handoff: created the Handoff schema in sqlite:///{re.escape(str(tmp_path))}/h.db: "
        r"\d\d tables, at revision \w+\.\n",
        migrated.stdout,
    ), migrated.stdout
    again = _run(["migrate"], env, tmp_path)
    assert "is already up to date" in again.stdout and "nothing to do" in again.stdout
    first = _run(["tick", "--now", "2026-03-29T07:00:00+02:00"], env, tmp_path)
    second = _run(["tick", "--now", "2026-03-29T07:00:00+02:00"], env, tmp_path)
    assert first.returncode == 0 and second.returncode == 0, first.stderr + second.stderr
    assert first.stdout == "handoff: tick at 2026-03-29T05:00:00+00:00: retention_runs=1\n"
    assert second.stdout == "handoff: tick at 2026-03-29T05:00:00+00:00: nothing due\n"
    # One result line: the report is printed, not logged a second time.
    assert "tick at" not in first.stderr + second.stderr


def test_migrate_says_from_which_revision_it_upgraded_and_hides_the_password(
    database_url: str, backend: str, tmp_path: Path
) -> None:
    from alembic import command
    from alembic.script import ScriptDirectory

    from bot.migrate import alembic_config

    script = ScriptDirectory.from_config(alembic_config(database_url))
    head = script.get_current_head()
    assert head is not None
    previous = script.get_revision(head).down_revision
    assert isinstance(previous, str)
    command.downgrade(alembic_config(database_url), previous)
    url = database_url.replace("postgres@", "postgres:s3cret@") if backend == "postgres" else database_url
    result = _run(["migrate"], _env(DATABASE_URL=url), tmp_path)
    assert result.returncode == 0, result.stderr
    assert "upgraded the schema of " in result.stdout
    assert f"from revision {previous} to {head}" in result.stdout
    assert "s3cret" not in result.stdout + result.stderr


def test_version_is_the_packages(tmp_path: Path) -> None:
    from importlib.metadata import version

    result = _run(["--version"], _env(), tmp_path)
    assert result.returncode == 0
    assert result.stdout == f"handoff {version('handoff')}\n"


@pytest.mark.parametrize(
    ("args", "env_values", "expected"),
    [
        (["tick"], {}, "SLACK_BOT_TOKEN is not set"),
        (["serve"], {"SLACK_BOT_TOKEN": "xoxb-1"}, "SLACK_SIGNING_SECRET is not set"),
        (["serve", "--socket-mode"], {"SLACK_BOT_TOKEN": "xoxb-1"}, "SLACK_APP_TOKEN is not set"),
        (["migrate"], {"HANDOFF_TRAFFIC_RETENTION_DAYS": "lots"}, "HANDOFF_TRAFFIC_RETENTION_DAYS is invalid"),
        (["migrate"], {"DATABASE_URL": "mysql://x"}, "DATABASE_URL is invalid"),
        (["tick"], {"SLACK_BOT_TOKEN": "xoxb-1"}, "run `handoff migrate` first"),
        # OAuth mode keeps workspace tokens encrypted: no key, no start (unless it is a local trial).
        (["serve"], {**OAUTH, "SLACK_SIGNING_SECRET": "s"}, "HANDOFF_ENCRYPTION_KEY is not set"),
        (["tick"], OAUTH, "HANDOFF_ENCRYPTION_KEY is not set"),
        (["serve"], {**OAUTH, "SLACK_SIGNING_SECRET": "s", "HANDOFF_INSECURE_DEV": "1"}, "run `handoff migrate` first"),
        (["serve", "--socket-mode"], {**OAUTH, "HANDOFF_ENCRYPTION_KEY": KEY}, "--socket-mode is for one workspace"),
        (["migrate"], {"HANDOFF_ENCRYPTION_KEY": "short"}, "HANDOFF_ENCRYPTION_KEY is invalid"),
        (["migrate"], {"HANDOFF_UNINSTALL_GRACE_DAYS": "-1"}, "HANDOFF_UNINSTALL_GRACE_DAYS is invalid"),
        (["migrate"], {"HANDOFF_LOG_FORMAT": "xml"}, "HANDOFF_LOG_FORMAT is invalid: 'xml' is neither text nor json"),
    ],
)
def test_configuration_mistakes_are_one_line_and_exit_2(
    tmp_path: Path, args: list[str], env_values: dict[str, str], expected: str
) -> None:
    env = _env(**{"DATABASE_URL": f"sqlite:///{tmp_path / 'h.db'}", **env_values})
    result = _run(args, env, tmp_path)
    assert result.returncode == 2
    assert expected in result.stderr
    assert "Traceback" not in result.stderr
    assert len([line for line in result.stderr.splitlines() if line.startswith("handoff:")]) == 1


def test_an_unreachable_database_is_one_line_and_exit_1(tmp_path: Path) -> None:
    result = _run(["migrate"], _env(DATABASE_URL="postgresql://nobody@127.0.0.1:1/none"), tmp_path)
    assert result.returncode == 1
    assert result.stderr.startswith("handoff: cannot use the database at DATABASE_URL")
    assert "Traceback" not in result.stderr


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Served:
    base: str
    process: subprocess.Popen[str]

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=30)


def _start_serving(env: dict[str, str], cwd: Path) -> Served:
    """`handoff serve` as a real process, once its health check answers."""
    port = _free_port()
    process = subprocess.Popen(
        [HANDOFF, "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    served = Served(base=f"http://127.0.0.1:{port}", process=process)
    deadline = time.monotonic() + 30
    while True:  # readiness of a separate process: poll its health endpoint
        try:
            if httpx.get(f"{served.base}/healthz", timeout=1).status_code == 200:
                break
        except httpx.TransportError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            served.stop()
            pytest.fail(f"handoff serve did not come up: {process.communicate(timeout=5)[0]}")
        time.sleep(0.05)
    return served


def _stop_serving(served: Served) -> None:
    served.stop()
    if served.process.stdout is not None:
        served.process.stdout.close()


@pytest.fixture
def served(database_url: str, fake_slack: FakeSlack, tmp_path: Path) -> Iterator[Served]:
    """`handoff serve` as a real process on the test's (already migrated) database."""
    env = _env(
        DATABASE_URL=database_url,
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=fake_slack.url,
    )
    served = _start_serving(env, tmp_path)
    yield served
    _stop_serving(served)


def test_serve_in_oauth_mode_offers_add_to_slack(database_url: str, fake_slack: FakeSlack, tmp_path: Path) -> None:
    env = _env(
        DATABASE_URL=database_url,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=fake_slack.url,
        HANDOFF_ENCRYPTION_KEY=KEY,
        **OAUTH,
    )
    served = _start_serving(env, tmp_path)
    try:
        page = httpx.get(f"{served.base}/slack/install", timeout=10)
        redirect = httpx.get(f"{served.base}/slack/oauth_redirect?code=x&state=y", timeout=10)
    finally:
        _stop_serving(served)
    assert page.status_code == 200
    # The consent screen of the Slack that SLACK_API_URL names, for this app's client id and scopes.
    authorize = fake_slack.url.removesuffix("/api/") + "/oauth/v2/authorize?"
    assert f'href="{authorize}' in page.text
    assert f"client_id={CLIENT_ID}&amp;scope=channels:history," in page.text, page.text
    assert "slack-app-oauth-state=" in page.headers["set-cookie"]
    assert redirect.status_code == 400  # a redirect without its browser's cookie installs nothing


def _post_message(served: Served, ts: str) -> httpx.Response:
    body = json.dumps(event_body({"type": "message", "channel": "C1", "user": "U1", "text": "deploy done", "ts": ts}))
    return httpx.post(
        f"{served.base}/slack/events",
        content=body,
        headers={"Content-Type": "application/json", **signed_headers(body)},
    )


def _count(database_url: str, model: type[object]) -> int:
    engine = create_engine(database_url, poolclass=pool.NullPool)
    with engine.connect() as connection:
        count = int(connection.scalar(select(func.count()).select_from(model)) or 0)
    engine.dispose()
    return count


def test_serve_acknowledges_a_signed_event_only_once_it_is_stored(
    served: Served, fake_slack: FakeSlack, database_url: str
) -> None:
    fake_slack.add_user(TEAM_ID, "U1", name="ana")
    fake_slack.add_channel(TEAM_ID, "C1", name="general", members=["UBOT", "U1"])
    assert _post_message(served, "1772434800.000100").status_code == 200
    # The ack came after the inbox write: the event is durable whatever happens next.
    assert _count(database_url, InboxEvent) == 1


def test_serve_processes_events_in_its_event_worker(served: Served, fake_slack: FakeSlack, database_url: str) -> None:
    fake_slack.add_user(TEAM_ID, "U1", name="ana")
    fake_slack.add_channel(TEAM_ID, "C1", name="general", members=["UBOT", "U1"])
    for index in range(5):
        assert _post_message(served, f"1772434800.00030{index}").status_code == 200
    deadline = time.monotonic() + 30
    while _count(database_url, Message) < 5:  # another process: poll its effect, bounded
        assert time.monotonic() < deadline, "the event worker did not process the events"
        time.sleep(0.05)
    assert len(fake_slack.calls_to("conversations.info")) == 1
    # GET /metrics adds up both processes: the front acknowledged, the event worker processed and called Slack.
    while True:  # the worker counts just after its last write: poll, bounded
        metrics = _metrics(served)
        if metrics.get('handoff_events_processed_total{outcome="done"}') == 5 or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert metrics['handoff_events_processed_total{outcome="done"}'] == 5
    assert metrics["handoff_events_acknowledged_total"] == 5
    assert metrics['handoff_slack_calls_total{method="conversations.info",outcome="ok"}'] == 1
    assert metrics["handoff_inbox_backlog"] == 0


def _metrics(served: Served) -> dict[str, float]:
    """Every sample of the scrape, keyed as Prometheus prints it (name{labels})."""
    response = httpx.get(f"{served.base}/metrics", timeout=10)
    assert response.status_code == 200
    samples: dict[str, float] = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            labels = ",".join(f'{name}="{value}"' for name, value in sorted(sample.labels.items()))
            samples[f"{sample.name}{{{labels}}}" if labels else sample.name] = sample.value
    return samples


def test_serve_writes_json_log_lines_with_the_event_and_no_secret(
    database_url: str, fake_slack: FakeSlack, tmp_path: Path
) -> None:
    fake_slack.add_user(TEAM_ID, "U1", name="ana")
    fake_slack.add_channel(TEAM_ID, "C1", name="general", members=["UBOT", "U1"])
    fake_slack.fail_next("conversations.info", status=429, retry_after=30)
    env = _env(
        DATABASE_URL=database_url,
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=fake_slack.url,
        HANDOFF_LOG_FORMAT="json",
    )
    served = _start_serving(env, tmp_path)
    try:
        assert _post_message(served, "1772434800.000400").status_code == 200
        deadline = time.monotonic() + 30
        while not fake_slack.calls_to("conversations.info"):  # the worker's turn: poll, bounded
            assert time.monotonic() < deadline, "the event worker did not try the event"
            time.sleep(0.05)
    finally:
        served.stop()
    output = served.process.stdout.read() if served.process.stdout else ""
    lines = [json.loads(line) for line in output.splitlines() if line.strip()]
    assert lines, output
    assert all({"time", "level", "logger", "message"} <= set(line) for line in lines)
    retried = [line for line in lines if "will be retried" in line["message"]]
    assert retried and retried[0]["team_id"] == TEAM_ID and retried[0]["event_id"].startswith("Ev")
    assert BOT_TOKEN not in output and SIGNING_SECRET not in output and "deploy done" not in output


def test_serve_stops_on_sigterm_with_acknowledged_work_finished(
    served: Served, fake_slack: FakeSlack, database_url: str
) -> None:
    fake_slack.add_user(TEAM_ID, "U1", name="ana")
    fake_slack.add_channel(TEAM_ID, "C1", name="general", members=["UBOT", "U1"])
    assert _post_message(served, "1772434800.000200").status_code == 200
    # uvicorn shuts down gracefully, then re-raises the signal so the exit status tells it was stopped.
    assert served.stop() in {0, -signal.SIGTERM}
    assert "Traceback" not in (served.process.stdout.read() if served.process.stdout else "")
    assert _count(database_url, Message) == 1


def test_serve_under_load_stops_on_sigterm_promptly_and_leaves_nothing_claimed(
    served: Served, fake_slack: FakeSlack, database_url: str
) -> None:
    fake_slack.add_user(TEAM_ID, "U1", name="ana")
    fake_slack.add_channel(TEAM_ID, "C1", name="general", members=["UBOT", "U1"])
    # A backlog the event worker is still working through when the stop comes...
    engine = create_engine(database_url, poolclass=pool.NullPool)
    backlog = []
    for n in range(8000):
        body = event_body(
            {"type": "message", "channel": "C1", "user": "U1", "text": f"old {n}", "ts": f"1772000000.{n:06d}"}
        )
        backlog.append(Delivery(body["event_id"], TEAM_ID, "message", json.dumps(body)))
    with engine.begin() as connection:
        inbox.record_events(connection=connection, deliveries=backlog, now=datetime.now(UTC))
    # ...and senders still posting when it comes.
    acked: list[str] = []
    stop_sending = threading.Event()

    def sender(first: int) -> None:
        with httpx.Client(base_url=served.base, timeout=10) as client:
            for n in range(first, first + 100_000, 4):
                if stop_sending.is_set():
                    return
                body = event_body(
                    {"type": "message", "channel": "C1", "user": "U1", "text": "new", "ts": f"1772434800.{n:06d}"}
                )
                raw = json.dumps(body)
                try:
                    response = client.post(
                        "/slack/events",
                        content=raw,
                        headers={"Content-Type": "application/json", **signed_headers(raw)},
                    )
                except httpx.TransportError:
                    return
                if response.status_code == 200:
                    acked.append(body["event_id"])

    senders = [threading.Thread(target=sender, args=(n,)) for n in range(4)]
    for thread in senders:
        thread.start()
    deadline = time.monotonic() + 60
    while len(acked) < 200 or _count_done(engine) == 0:  # another process: poll until both are under way, bounded
        assert time.monotonic() < deadline, "serve did not take the load"
        time.sleep(0.05)
    served.process.send_signal(signal.SIGTERM)
    # A generous bound, not a measurement (bench/soak.py times it): a stop that waited for the
    # whole backlog, or hung on a draining tick, would not end within it.
    assert served.process.wait(timeout=60) in {0, -signal.SIGTERM}
    stop_sending.set()
    for thread in senders:
        thread.join()
    with engine.connect() as connection:
        rows = connection.execute(select(InboxEvent.event_id, InboxEvent.done_at, InboxEvent.lease_owner)).all()
    engine.dispose()
    stored = {row.event_id for row in rows}
    # Nothing acknowledged is lost, and nothing left is held under a lease of the stopped process:
    # the next start processes it at once.
    assert set(acked) <= stored
    assert [row for row in rows if row.done_at is None and row.lease_owner is not None] == []
    assert any(row.done_at is None for row in rows), "the backlog was worked off before the stop"


def _count_done(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.scalar(select(func.count()).where(InboxEvent.done_at.is_not(None))) or 0)


@pytest.fixture
def seeded_url(database_url: str) -> str:
    """The test's database with the seeded history of tests/metrics/history.py."""
    engine = create_engine(database_url, poolclass=pool.NullPool)
    with Session(engine) as session, session.begin():
        seed_workspace(session)
        seed_history(session)
    engine.dispose()
    return database_url


STATS = ["stats", "--team", "T0001", "--weeks", "2", "--until", "2026-03-01", "--tz", "Europe/Berlin"]


def test_stats_prints_the_weeks_as_a_table_csv_or_json(seeded_url: str, tmp_path: Path) -> None:
    env = _env(DATABASE_URL=seeded_url)
    table = _run(STATS, env, tmp_path)
    assert table.returncode == 0, table.stderr
    assert "Acme: team outcomes by week (Europe/Berlin days)" in table.stdout
    assert re.search(r"23 Feb\N{EN DASH}1 Mar │\s+4 │\s+2 │ 12 h 30 min │", table.stdout), table.stdout
    assert "tiny" not in table.stdout and "leads" not in table.stdout
    rows = list(csv.DictReader(io.StringIO(_run([*STATS, "--format", "csv"], env, tmp_path).stdout)))
    workspace = [row for row in rows if row["group"] == "workspace"]
    assert [(r["first_day"], r["decisions_logged"], r["median_to_decision"]) for r in workspace] == [
        ("2026-02-16", "2", "4500"),
        ("2026-02-23", "4", "45000"),
    ]
    assert {row["name"] for row in rows} == {"Acme", "general"}
    document = json.loads(_run([*STATS, "--format", "json"], env, tmp_path).stdout)
    assert document["min_group"] == 5 and document["time_zone"] == "Europe/Berlin"
    # Groups only: no person is named or counted anywhere in the output.
    for output in (table.stdout, json.dumps(document), json.dumps(rows)):
        assert not re.search(r"\bU\d\b", output) and "ana" not in output
    # The private conversations never make a group in these weeks: no row, and nothing of them in the totals.
    assert [group["kind"] for group in document["groups"]] == ["workspace", "channel"]
    assert [week["pings_held"] for week in document["groups"][0]["weeks"]] == [2, 1]


def test_stats_draws_the_chart_to_a_file(seeded_url: str, tmp_path: Path) -> None:
    result = _run([*STATS, "--chart", str(tmp_path / "weeks.png")], _env(DATABASE_URL=seeded_url), tmp_path)
    assert result.returncode == 0, result.stderr
    assert f"wrote the chart to {tmp_path / 'weeks.png'}" in result.stderr
    image = Image.open(tmp_path / "weeks.png")
    assert image.format == "PNG"
    assert json.loads(image.info[SERIES_KEY])["series"]["Decisions logged"] == [2, 4]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["stats", "--team", "T9999"], "--team: Handoff has no workspace 'T9999' in this database"),
        (["export", "decisions", "--team", "T9999"], "--team: Handoff has no workspace 'T9999' in this database"),
        (["stats", "--team", "T0001", "--tz", "Mars/Olympus"], "--tz: 'Mars/Olympus' is not a time zone"),
        (["stats", "--team", "T0001", "--weeks", "60"], "'60' is not a number of weeks from 1 to 52"),
    ],
)
def test_stats_mistakes_are_one_line_and_exit_2(
    seeded_url: str, tmp_path: Path, args: list[str], expected: str
) -> None:
    result = _run(args, _env(DATABASE_URL=seeded_url), tmp_path)
    assert result.returncode == 2
    assert expected in result.stderr and "Traceback" not in result.stderr


def test_stats_json_totals_are_the_sum_of_the_groups_shown(seeded_url: str, tmp_path: Path) -> None:
    document = json.loads(_run([*STATS, "--format", "json"], _env(DATABASE_URL=seeded_url), tmp_path).stdout)
    total, *rows = document["groups"]
    for week, figures in enumerate(total["weeks"]):
        for key in ("decisions_logged", "decisions_churned", "pings_held", "pings_in_hours", "mentions_off_hours"):
            assert figures[key] == sum(row["weeks"][week][key] for row in rows if row["weeks"] is not None), key


def test_a_workspace_known_only_through_a_command_has_its_stats(
    live: LiveServer, database_url: str, tmp_path: Path
) -> None:
    assert _run(["stats", "--team", TEAM_ID], _env(DATABASE_URL=database_url), tmp_path).returncode == 2
    # Its first contact with Handoff is a slash command: no event, no decision.
    assert live.post_form(command_form("/hours", "09:00-17:00")).status_code == 200
    live.settle()
    result = _run(["stats", "--team", TEAM_ID], _env(DATABASE_URL=database_url), tmp_path)
    assert result.returncode == 0, result.stderr
