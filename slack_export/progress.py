"""Showing a long import's progress: a rich bar on a terminal, nothing elsewhere."""

from __future__ import annotations

from types import TracebackType
from typing import Protocol

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeRemainingColumn


class ProgressReport(Protocol):
    """Where an import says how far it is."""

    def phase(self, description: str, total: int) -> None:
        """A new phase of `total` units begins."""
        ...

    def advance(self, amount: int) -> None:
        """`amount` more units of the phase are done."""
        ...


class Silent:
    """No progress shown (tests, pipes, cron)."""

    def phase(self, description: str, total: int) -> None:
        """Nothing to show."""

    def advance(self, amount: int) -> None:
        """Nothing to show."""


class ProgressBar:
    """A rich progress bar on standard error, one line per phase; use as a context manager."""

    def __init__(self, console: Console) -> None:
        self._progress = Progress(
            TextColumn("{task.description:<22}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.percentage:>3.0f}%"),
            TimeRemainingColumn(),
            console=console,
        )
        self._task: TaskID | None = None

    def __enter__(self) -> ProgressBar:
        self._progress.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self._progress.stop()

    def phase(self, description: str, total: int) -> None:
        """Close the previous phase's bar and open one for this phase."""
        if self._task is not None:
            task = self._progress.tasks[self._task]
            self._progress.update(self._task, completed=task.total)
        self._task = self._progress.add_task(description, total=total)

    def advance(self, amount: int) -> None:
        """Move the current bar."""
        if self._task is not None:
            self._progress.advance(self._task, amount)
