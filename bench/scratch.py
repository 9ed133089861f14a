"""A fresh, migrated database for one benchmark run, gone afterwards."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bench.ack_latency import _scratch_postgres
from bot.migrate import upgrade


@contextmanager
def scratch_database(database_url: str | None, name: str) -> Iterator[str]:
    """Yield the URL of an empty database at Handoff's latest schema: a scratch database on the
    PostgreSQL server `database_url` points at (dropped afterwards), else a SQLite file in a
    temporary folder (removed afterwards; some benchmarks' files run to hundreds of MB)."""
    workdir = Path(tempfile.mkdtemp(prefix=f"handoff-{name}-"))
    scratch = _scratch_postgres(database_url) if database_url else None
    url = scratch[0] if scratch else f"sqlite:///{workdir / f'{name}.db'}"
    try:
        upgrade(url)
        yield url
    finally:
        if scratch:
            scratch[1]()
        shutil.rmtree(workdir, ignore_errors=True)
