"""`handoff import` as an operator runs it: a real process, its summary, its exit codes, one-line refusals."""

from __future__ import annotations

import json
import os
import random
import shutil
import string
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, pool, select

from slack_export.json_files import MAX_ELEMENT_BYTES
from store.models import Decision
from tests.slack_export.acme import acme
from tests.support import TEAM_ID

HANDOFF = shutil.which("handoff") or str(Path(sys.executable).with_name("handoff"))


def _handoff(args: list[str], database_url: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "HANDOFF_", "OPENAI_", "DATABASE_"))}
    # No Slack token: importing an export needs no Slack.
    env["DATABASE_URL"] = database_url
    return subprocess.run([HANDOFF, *args], check=False, env=env, cwd=cwd, capture_output=True, text=True, timeout=120)


def _decision_count(database_url: str) -> int:
    engine = create_engine(database_url, poolclass=pool.NullPool)
    with engine.connect() as connection:
        count = int(connection.execute(select(func.count()).select_from(Decision)).scalar_one())
    engine.dispose()
    return count


def test_import_prints_a_summary_and_a_second_run_adds_nothing(tmp_path: Path, database_url: str) -> None:
    path = acme().zip(tmp_path / "acme.zip")

    first = _handoff(["import", str(path), "--team", TEAM_ID], database_url, tmp_path)
    second = _handoff(["import", str(path), "--team", TEAM_ID], database_url, tmp_path)

    assert first.returncode == 0, first.stderr
    assert f"Imported {path} into workspace {TEAM_ID}." in first.stdout
    assert "people     6 new, 0 already known" in first.stdout
    assert "channels   2 public, 1 private: 3 new" in first.stdout
    assert "decisions  5 filed, 0 already in the log" in first.stdout
    assert "direct-message conversations" in first.stdout
    assert second.returncode == 0, second.stderr
    assert "decisions  0 filed, 5 already in the log" in second.stdout
    assert "Traceback" not in first.stderr + second.stderr
    assert _decision_count(database_url) == 5


def test_a_dry_run_says_so_and_files_nothing(tmp_path: Path, database_url: str) -> None:
    path = acme().folder(tmp_path / "acme")

    result = _handoff(["import", str(path), "--team", TEAM_ID, "--dry-run"], database_url, tmp_path)

    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"Dry run of {path} into workspace {TEAM_ID}: nothing was written.")
    assert "decisions  5 filed" in result.stdout
    assert _decision_count(database_url) == 0


def test_a_refused_archive_is_one_line_and_exit_1(tmp_path: Path, database_url: str) -> None:
    path = tmp_path / "export.zip"
    path.write_text("not a zip")

    result = _handoff(["import", str(path), "--team", TEAM_ID], database_url, tmp_path)

    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.startswith(f"handoff import: {path} is not a zip archive")
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


def test_another_workspaces_export_is_refused_with_exit_1_unless_forced(tmp_path: Path, database_url: str) -> None:
    path = acme().zip(tmp_path / "acme.zip")

    refused = _handoff(["import", str(path), "--team", "T0THER"], database_url, tmp_path)
    forced = _handoff(["import", str(path), "--team", "T0THER", "--force"], database_url, tmp_path)

    assert refused.returncode == 1 and "is an export of workspace T0001, not T0THER" in refused.stderr
    assert forced.returncode == 0 and "decisions  5 filed" in forced.stdout


def test_an_unmigrated_database_is_told_to_migrate_first(tmp_path: Path) -> None:
    path = acme().zip(tmp_path / "acme.zip")

    result = _handoff(["import", str(path), "--team", TEAM_ID], f"sqlite:///{tmp_path / 'new.db'}", tmp_path)

    assert result.returncode == 2 and "run `handoff migrate` first" in result.stderr


# Runs the command given in its arguments with its address space capped at 2 GB, then prints the peak
# memory (kilobytes) of that command alone. Measured from this small process rather than from the test's:
# a child forked from pytest would count pytest's own pages until it execs.
MEASURED = """
import resource, subprocess, sys
resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))
done = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
sys.exit(done.returncode)
"""


def _import_measured(path: Path, database_url: str, cwd: Path) -> tuple[int, str, int]:
    """`handoff import` of `path`: exit code, stderr, and the process's peak memory in MB.

    Its address space is capped at 2 GB, so that a regression fails here with a MemoryError instead
    of taking the machine's memory (the old code grew past 23 GB on such an archive).
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "HANDOFF_", "OPENAI_", "DATABASE_"))}
    env["DATABASE_URL"] = database_url
    done = subprocess.run(
        [sys.executable, "-c", MEASURED, HANDOFF, "import", str(path), "--team", TEAM_ID],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    return done.returncode, done.stderr, int(done.stdout.strip().splitlines()[-1]) // 1024


@pytest.mark.parametrize("member", ["users.json", "general/2026-02-27.json"])
def test_an_archive_nesting_arrays_100000_deep_is_refused_in_one_line_in_bounded_memory(
    tmp_path: Path, database_url: str, member: str
) -> None:
    export = acme()
    deep = b"[" * 100_000 + b"]" * 100_000
    if member == "users.json":
        export.users = deep
    else:
        export.days["general"]["2026-02-27"] = deep
    path = export.zip(tmp_path / "deep.zip")
    assert path.stat().st_size < 8 * 1024

    code, stderr, peak_mb = _import_measured(path, database_url, tmp_path)

    assert code == 1, stderr
    (line,) = stderr.strip().splitlines()
    assert line.startswith(f"handoff import: {path}: {member} nests more than 64 levels deep")
    assert peak_mb < 300, f"peak {peak_mb} MB"
    assert _decision_count(database_url) == 0


def test_the_largest_entry_within_the_limits_imports_in_under_300_mb(tmp_path: Path, database_url: str) -> None:
    # The worst shape for memory: one entry (a person) of 1.65 million distinct short strings, 15.7 MB of
    # JSON, just under the 16 MB an entry may have: ijson builds it whole, each string an object.
    export = acme()
    rnd = random.Random(7)
    people = list(export.users) if isinstance(export.users, list) else []
    fields = ["".join(rnd.choices(string.ascii_letters, k=6)) for _ in range(1_650_000)]
    people[0] = {**people[0], "profile": {**people[0]["profile"], "fields": fields}}
    export.users = json.dumps(people).encode()
    assert 15 << 20 < len(export.users) < MAX_ELEMENT_BYTES
    path = export.zip(tmp_path / "large.zip")

    code, stderr, peak_mb = _import_measured(path, database_url, tmp_path)

    assert code == 0, stderr
    assert peak_mb < 300, f"peak {peak_mb} MB"
