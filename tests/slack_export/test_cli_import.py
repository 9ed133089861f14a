"""`handoff import` as an operator runs it: a real process, its summary, its exit codes, one-line refusals."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, pool, select

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


def _import_measured(path: Path, database_url: str, cwd: Path) -> tuple[int, str, int]:
    """`handoff import` of `path`: exit code, stderr, and the process's peak memory in MB.

    Its address space is capped at 2 GB, so that a regression fails here with a MemoryError instead
    of taking the machine's memory (the old code grew past 23 GB on such an archive).
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "HANDOFF_", "OPENAI_", "DATABASE_"))}
    env["DATABASE_URL"] = database_url

    capped = (
        "import os, resource, sys; resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30)); "
        "os.execv(sys.argv[1], sys.argv[1:])"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", capped, HANDOFF, "import", str(path), "--team", TEAM_ID],
        env=env,
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stderr is not None
    stderr = process.stderr.read()
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    # ru_maxrss is in kilobytes on Linux.
    return process.returncode, stderr, usage.ru_maxrss // 1024


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
