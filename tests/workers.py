"""Real `handoff` processes for the tests: ticks started in parallel, waited for with a deadline, or killed."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from tests.support import BOT_TOKEN

# The worktree's own console script (installed editable into this interpreter's environment).
HANDOFF = shutil.which("handoff") or str(Path(sys.executable).with_name("handoff"))
DEADLINE_SECONDS = 300


def handoff_env(database_url: str, slack_api_url: str, **values: str) -> dict[str, str]:
    """The environment of a `handoff` process on this database and fake Slack, nothing of the real one's."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "HANDOFF_", "OPENAI_", "DATABASE_"))}
    env.update(DATABASE_URL=database_url, SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_API_URL=slack_api_url, **values)
    return env


@dataclass
class Finished:
    """What a process said and how it ended."""

    returncode: int
    stdout: str
    stderr: str


def start_tick(env: dict[str, str], cwd: Path, at: datetime) -> subprocess.Popen[str]:
    """`handoff tick --now AT`, started and not waited for."""
    return subprocess.Popen(
        [HANDOFF, "tick", "--now", at.isoformat()],
        env=env,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(process: subprocess.Popen[str], timeout: float = DEADLINE_SECONDS) -> Finished:
    """Wait for a process (killed past the deadline, then reported) and collect its output."""
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        stdout, stderr = process.communicate()
    return Finished(process.returncode, stdout, stderr)


def tick_together(env: dict[str, str], cwd: Path, at: datetime, *, processes: int) -> list[Finished]:
    """`processes` ticks at the same instant, all at once; each must exit 0."""
    started = [start_tick(env, cwd, at) for _ in range(processes)]
    finished = [finish(process) for process in started]
    for done in finished:
        assert done.returncode == 0, done.stderr[-4000:]
    return finished


def tick(env: dict[str, str], cwd: Path, at: datetime) -> Finished:
    """One tick, waited for; it must exit 0."""
    (done,) = tick_together(env, cwd, at, processes=1)
    return done


def kill_hard(process: subprocess.Popen[str]) -> Finished:
    """SIGKILL: no handler, no cleanup, no commit, as when the host loses the process."""
    process.send_signal(signal.SIGKILL)
    done = finish(process, timeout=30)
    assert done.returncode == -signal.SIGKILL, done.stderr[-4000:]
    return done
