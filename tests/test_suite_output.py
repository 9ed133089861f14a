"""The suite's own output: without PostgreSQL it says so once, instead of a SKIPPED line per test."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_without_postgres_the_suite_says_so_in_one_line() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HANDOFF_")}
    ran = subprocess.run(
        [sys.executable, "-m", "pytest", "tests/store/test_workspace_pause.py", "-p", "no:randomly", "-p", "no:xdist"],
        check=False,
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert "SKIPPED" not in ran.stdout
    assert ran.stdout.count("HANDOFF_TEST_POSTGRES_URL is not set") == 1
    assert "deselected" in ran.stdout.splitlines()[-1]
