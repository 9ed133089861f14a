"""Pausing Python's cycle collector around bulk in-memory work (reading, ranking, composing a morning).

CPython runs a collection each time a few hundred more container objects exist than were freed,
and now and then a full one that walks every live object. Reading a day of traffic makes a few
hundred thousand objects that live until the round ends, so collections kept firing and walking
them again and again: about a quarter of a morning went there. None of that work makes reference
cycles, so reference counting frees it either way; the pause only postpones the collector, which
runs as usual once the block ends. Only blocks that never wait on Slack or a model are paused
(a database read is the longest wait inside one), so other threads' cycles wait seconds at most.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """Hold automatic cycle collection for the block; it is back on after (if it was on before)."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()
