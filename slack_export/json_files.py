"""Reading an export's JSON files as streams of array elements, never a whole file at once."""

from __future__ import annotations

import zipfile
import zlib
from collections.abc import Iterator
from typing import IO, Any

import ijson

from slack_export.archive import Export, damaged

# Enough to see past a byte-order mark and leading blanks to the opening bracket.
HEAD_BYTES = 64
BOM = b"\xef\xbb\xbf"


class MalformedFile(Exception):
    """A file of the export is not the JSON array it should be; the message says where it breaks."""

    def __init__(self, name: str, reason: str) -> None:
        super().__init__(f"{name}: {reason}")
        self.name = name
        self.reason = reason


class _Rest:
    """A stream whose first bytes were already read (to check them): they are given back first."""

    def __init__(self, head: bytes, stream: IO[bytes]) -> None:
        self._head = head
        self._stream = stream

    def read(self, size: int = -1) -> bytes:
        if self._head:
            if size < 0:
                data, self._head = self._head + self._stream.read(), b""
                return data
            data, self._head = self._head[:size], self._head[size:]
            return data
        return self._stream.read(size)


def elements(export: Export, name: str) -> Iterator[Any]:
    """The elements of the JSON array in `name`, one at a time.

    MalformedFile when it is not a JSON array or breaks part-way (after the elements before the
    break); ArchiveError when the archive itself cannot be read back.
    """
    try:
        with export.open(name) as stream:
            head = stream.read(HEAD_BYTES).removeprefix(BOM)
            start = head.lstrip()
            if not start:
                raise MalformedFile(name, "the file is empty")
            if not start.startswith(b"["):
                raise MalformedFile(name, "not a JSON array (Slack writes a list of objects)")
            try:
                # Floats rather than Decimals: counts and numbers are not used for arithmetic here.
                yield from ijson.items(_Rest(head, stream), "item", use_float=True)
            except ijson.JSONError as exc:
                raise MalformedFile(name, f"not valid JSON ({_reason(exc)})") from None
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
        raise damaged(export.label, name, exc) from None


def _reason(exc: Exception) -> str:
    # yajl's messages span several lines with a caret drawing; the first line says it.
    text = str(exc).strip().splitlines()
    return text[0].strip() if text else type(exc).__name__
