"""Long IN lists in pieces: SQLite takes at most 32,766 bound variables in one statement."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")

# Parameters per IN list: well under SQLite's limit, with room for the rest of the statement.
CHUNK = 5_000


def chunks(items: Iterable[T]) -> Iterator[list[T]]:
    """`items` in lists of at most CHUNK."""
    batch: list[T] = []
    for item in items:
        batch.append(item)
        if len(batch) == CHUNK:
            yield batch
            batch = []
    if batch:
        yield batch
