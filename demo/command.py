"""`handoff demo` from the command line: run the demo and print it."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console

from demo.run import DemoError, run_demo
from demo.show import show
from demo.world import display_names

__all__ = ["DemoError", "run_and_show"]


def run_and_show(database: Path, *, console: Console | None = None) -> int:
    """Play the night into `database` and print it; DemoError (one line) when it cannot run."""
    result = run_demo(database)
    show(console or Console(), result, names=display_names())
    return 0
