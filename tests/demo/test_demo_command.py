"""`handoff demo` as a newcomer runs it: the night, then each person's catch-up, with no Slack and no network."""

from __future__ import annotations

import contextlib
import io
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bot.cli import main
from demo.night import CHATTER

HANDOFF = shutil.which("handoff") or str(Path(sys.executable).with_name("handoff"))
# Addresses that route nowhere: any attempt to use them would hang or fail the run.
NOWHERE = {
    "SLACK_API_URL": "http://10.255.255.1:9/api/",
    "SLACK_BOT_TOKEN": "xoxb-not-a-real-token",
    "OPENAI_BASE_URL": "http://10.255.255.1:9/v1",
    "OPENAI_API_KEY": "sk-not-a-real-key",
    "HANDOFF_LLM_MODEL": "gpt-4o-mini",
    "DATABASE_URL": "postgresql://nobody@10.255.255.1:9/handoff",
}
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\]8;[^\x1b]*\x1b\\")


@dataclass(frozen=True)
class Shown:
    """What the demo printed: everything, and each catch-up panel's text by its reader's name."""

    output: str
    panels: dict[str, str]
    subtitles: dict[str, str]
    database: Path


def _panels(output: str) -> tuple[dict[str, str], dict[str, str]]:
    """Each rich panel's body on one line (wrapping undone), and its bottom border, keyed by the title's name."""
    panels: dict[str, str] = {}
    subtitles: dict[str, str] = {}
    name: str | None = None
    lines: list[str] = []
    for line in output.splitlines():
        if line.startswith("╭"):
            name, lines = line.strip("╭─ ").split(" · ")[0], []
        elif line.startswith("╰") and name is not None:
            panels[name] = " ".join(" ".join(lines).split())
            subtitles[name] = line
            name = None
        elif name is not None:
            lines.append(line.strip().strip("│"))
    return panels, subtitles


class _NoNetwork(OSError):
    pass


def _refuse(*args: Any, **kwargs: Any) -> Any:
    raise _NoNetwork("the demo must not use the network")


@pytest.fixture(scope="module")
def shown(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Shown]:
    """One in-process run of `handoff demo`, with sockets refused and every Slack/OpenAI variable pointing nowhere."""
    where = tmp_path_factory.mktemp("demo")
    # A .env the real commands would choke on: the demo never reads it.
    (where / ".env").write_text("DATABASE_URL=mysql://not-supported\n", encoding="utf-8")
    out = io.StringIO()
    with pytest.MonkeyPatch.context() as patch:
        for name, value in NOWHERE.items():
            patch.setenv(name, value)
        # Wide enough that no line of the night's table wraps (panels are read with their wrapping undone).
        patch.setenv("COLUMNS", "300")
        patch.chdir(where)
        patch.setattr(socket.socket, "connect", _refuse)
        patch.setattr(socket.socket, "connect_ex", _refuse)
        patch.setattr(socket, "create_connection", _refuse)
        patch.setattr(socket, "getaddrinfo", _refuse)
        started = time.monotonic()
        with contextlib.redirect_stdout(out):
            code = main(["demo", "--database", str(where / "night.db")])
        elapsed = time.monotonic() - started
    assert code == 0
    assert elapsed < 30, f"the demo took {elapsed:.1f} s"
    output = _ANSI.sub("", out.getvalue())
    panels, subtitles = _panels(output)
    yield Shown(output=output, panels=panels, subtitles=subtitles, database=where / "night.db")


def test_every_person_gets_one_catch_up_at_nine_on_their_own_clock(shown: Shown) -> None:
    assert set(shown.panels) == {"Dana Reyes", "Sam Okafor", "Ana Keller", "Ravi Iyer", "Mei Tanaka"}
    for name, subtitle in shown.subtitles.items():
        assert "arrived Wed 10 Jun 09:00 their time" in subtitle, name
    # They arrive as the sun moves west: Tokyo first, San Francisco last.
    order = [line.strip("╭─ ").split(" · ")[0] for line in shown.output.splitlines() if line.startswith("╭")]
    assert order == ["Mei Tanaka", "Ravi Iyer", "Ana Keller", "Sam Okafor", "Dana Reyes"]
    for panel in shown.panels.values():
        assert panel.startswith("Your catch-up") and "While you were away" in panel


def test_a_decision_superseded_twice_reads_old_to_new(shown: Shown) -> None:
    first = "Events store: Postgres, one schema per tenant."
    second = "Events store: one shared Postgres schema with row-level security."
    third = "Events store: shared schema with row-level security, partitioned by tenant hash."
    for name in ("Ana Keller", "Sam Okafor", "Dana Reyes"):
        panel = shown.panels[name]
        assert f"Changed 2 times in #eng: {first} → {second} → {third}" in panel, name
    # Tokyo woke before anything changed, Bengaluru after the first change only.
    assert f"Decided in #eng: {first}" in shown.panels["Mei Tanaka"]
    assert f"Changed in #eng: {first} → {second}" in shown.panels["Ravi Iyer"]


def test_held_pings_ride_inside_the_recipients_catch_up(shown: Shown) -> None:
    assert "@Dana Reyes sent you: Could you review the tenant-migration PR" in shown.panels["Ravi Iyer"]
    assert "@Sam Okafor sent you: When you're in, could you look at the db-3" in shown.panels["Mei Tanaka"]
    assert "held until Wed 09:00 Asia/Kolkata" in shown.output


def test_mentions_while_off_wait_in_the_catch_up(shown: Shown) -> None:
    assert "@Dana Reyes asked you in #eng: @Ana Keller could you re-run the load test" in shown.panels["Ana Keller"]
    assert "@Ravi Iyer mentioned you in #eng" in shown.panels["Dana Reyes"]
    assert "@Ana Keller is off until Wed 09:00 their time" in shown.output


def test_private_channels_reach_only_their_members_and_nobody_their_own_words(shown: Shown) -> None:
    leads, incident = "two more backend hires", "Replica lag on db-3 again"
    # Dana wrote the only message in #leads, Sam the incident's first: theirs is not news to them.
    assert {name for name, panel in shown.panels.items() if leads in panel} == {"Ana Keller"}
    assert {name for name, panel in shown.panels.items() if incident in panel} == {"Ravi Iyer", "Mei Tanaka"}
    # Ana answered in #leads after Dana's day: that much is news to Dana.
    assert {name for name, panel in shown.panels.items() if "#leads" in panel} == {"Ana Keller", "Dana Reyes"}


def test_the_nights_chatter_is_counted_and_never_quoted(shown: Shown) -> None:
    for name, panel in shown.panels.items():
        for say in CHATTER:
            assert say.text not in panel, (name, say.text)
    # Ana slept through #eng's whole night: what matters leads, grouped, and the rest (the chatter too) is a count.
    eng = shown.panels["Ana Keller"].split("#eng · ", 1)[1].split(" #", 1)[0]
    assert re.match(r"\d+ messages Decided • @Dana Reyes: Events store: Postgres, one schema per tenant\.", eng)
    assert "Questions • @Dana Reyes: @Ana Keller could you re-run the load test" in eng
    assert re.search(r"…and \d+ other messages$", eng)


def test_tokens_read_as_names_not_ids(shown: Shown) -> None:
    everything = " ".join(shown.panels.values())
    assert "<@" not in everything and "<#" not in everything and "<!date" not in everything
    assert "U01DANA" not in everything and "|open>" not in everything


def test_one_line_says_what_ran(shown: Shown) -> None:
    last = " ".join(shown.output.strip().splitlines()[-6:])
    summary = " ".join(last.split())
    assert "5 people in 5 time zones" in summary
    assert "3 decisions filed (2 superseded), 2 pings held" in summary
    assert "5 catch-ups" in summary and "no network" in summary


def test_a_file_that_is_not_a_demo_database_is_left_alone(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    precious = tmp_path / "notes.db"
    precious.write_bytes(b"not a database, and not the demo's")
    assert main(["demo", "--database", str(precious)]) == 1
    assert precious.read_bytes() == b"not a database, and not the demo's"
    assert "is not a demo database" in capsys.readouterr().err


def test_the_console_script_runs_with_its_defaults_and_starts_afresh(shown: Shown, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "HANDOFF_", "OPENAI_", "DATABASE_"))}
    env.update(NOWHERE)
    env.pop("COLUMNS", None)
    # An earlier run's database is where the default points: it is replaced, not refused or added to.
    shutil.copy(shown.database, tmp_path / "handoff-demo.db")
    ran = subprocess.run(
        [HANDOFF, "demo"], check=False, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert ran.returncode == 0, ran.stderr
    assert ran.stderr == ""
    assert ran.stdout.count("╭─ ") == 5
    summary = " ".join(ran.stdout.split())
    assert "5 catch-ups" in summary and "Database: handoff-demo.db" in summary
    assert "3 decisions filed (2 superseded)" in summary
    # Nothing is left behind but the database: no lock files beside it.
    assert sorted(path.name for path in tmp_path.iterdir()) == ["handoff-demo.db"]
