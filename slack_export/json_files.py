"""Reading an export's JSON files as streams of array elements, never a whole file at once.

Streaming bounds memory only for the files Slack writes. ijson keeps a path per level of nesting
(20,000 levels already cost a gigabyte), and it builds each element and each string whole. So
every byte is looked at before ijson gets it (`Bounded`), and a file nesting deeper than
MAX_DEPTH, or holding an element or a string larger than MAX_ELEMENT_BYTES, refuses the export:
Slack's files nest about 10 levels, and a message or a channel is kilobytes.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from collections.abc import Iterator
from typing import IO, Any, Protocol

import ijson

from slack_export.archive import GET_AN_EXPORT, ArchiveError, Export, damaged

# Enough to see past a byte-order mark and leading blanks to the opening bracket.
HEAD_BYTES = 64
BOM = b"\xef\xbb\xbf"
# Slack's files nest about 10 levels (a message's blocks the deepest): far more is no export of Slack's.
MAX_DEPTH = 64
# A message is at most tens of kilobytes, a channel with every member of a large workspace a few megabytes.
# ijson builds an element whole, a few times its size in Python objects: this keeps a run under 300 MB.
MAX_ELEMENT_BYTES = 16 * 1024 * 1024
# Bytes that matter for nesting once strings are set apart: everything else is deleted in one pass.
_NOT_BRACKETS = bytes(range(256)).translate(None, b"[]{}")
_RUNS = re.compile(rb"[\[{]+|[\]}]+")


class MalformedFile(Exception):
    """A file of the export is not the JSON array it should be; the message says where it breaks."""

    def __init__(self, name: str, reason: str) -> None:
        super().__init__(f"{name}: {reason}")
        self.name = name
        self.reason = reason


class Readable(Protocol):
    """Anything with a file's read()."""

    def read(self, size: int = -1, /) -> bytes:
        """Up to `size` bytes (all the rest when negative); b"" at the end."""
        ...


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


class Bounded:
    """A file's bytes, looked at before the parser gets them: ArchiveError past MAX_DEPTH or MAX_ELEMENT_BYTES.

    The scan works a chunk at a time with bytes methods (which run in C): escaped quotes and
    backslashes are dropped, strings are split off at their quotes, and what is left of the
    structure is reduced to brackets. A chunk is refused before the parser sees any of it.
    """

    def __init__(self, stream: Readable, *, label: str, name: str) -> None:
        self._stream = stream
        self._label, self._name = label, name
        self._depth = 0
        self._in_string = False
        # A trailing backslash whose escape ends in the next chunk.
        self._carry = b""
        # Bytes of the open string, and of the element (of the file's array) being read: upper bounds.
        self._string_bytes = 0
        self._element_bytes = 0

    def read(self, size: int = -1) -> bytes:
        data = self._stream.read(size)
        if data:
            self._scan(data)
        return data

    def _scan(self, data: bytes) -> None:
        text = self._carry + data
        self._carry = b""
        if b"\\" in text:
            trailing = len(text) - len(text.rstrip(b"\\"))
            if trailing % 2:
                self._carry, text = b"\\", text[:-1]
            # An escaped backslash first, so that `\\"` keeps its quote; then escaped quotes.
            text = text.replace(b"\\\\", b"").replace(b'\\"', b"")
        parts = text.split(b'"')
        # Even parts lie outside strings when the chunk starts outside one, odd parts when inside.
        outside = parts[1::2] if self._in_string else parts[0::2]
        inside_last = (len(parts) % 2 == 1) == self._in_string
        if self._in_string:
            # The string open when the chunk began runs on through its first part.
            self._string_bytes += len(parts[0])
            self._check_string()
        if len(parts) > 1 or not self._in_string:
            # A string opened in this chunk (strings wholly inside one chunk are smaller than it).
            self._string_bytes = len(parts[-1]) if inside_last else 0
            self._check_string()
        self._in_string = inside_last
        brackets = b"".join(outside).translate(None, _NOT_BRACKETS)
        opens = brackets.count(b"[") + brackets.count(b"{")
        closes = len(brackets) - opens
        if self._depth + opens <= MAX_DEPTH and self._depth - closes > 1:
            # Wholly inside one element, and nowhere near too deep: no need to follow the brackets.
            self._depth += opens - closes
            lowest = self._depth
        else:
            lowest = self._follow(brackets)
        # Back at the file's array (or outside it): an element ended in this chunk, the next began.
        self._element_bytes = len(data) if lowest <= 1 else self._element_bytes + len(data)
        if self._element_bytes > MAX_ELEMENT_BYTES:
            self._refuse(f"holds an entry of more than {MAX_ELEMENT_BYTES // (1024 * 1024)} MB")

    def _check_string(self) -> None:
        if self._string_bytes > MAX_ELEMENT_BYTES:
            self._refuse(f"holds a string of more than {MAX_ELEMENT_BYTES // (1024 * 1024)} MB")

    def _follow(self, brackets: bytes) -> int:
        """Walk the brackets' runs; returns the lowest depth reached."""
        depth = lowest = self._depth
        for run in _RUNS.findall(brackets):
            if run[0] in b"[{":
                depth += len(run)
                if depth > MAX_DEPTH:
                    self._refuse(f"nests more than {MAX_DEPTH} levels deep (Slack's files nest about 10)")
            else:
                depth -= len(run)
                lowest = min(lowest, depth)
        self._depth = depth
        return lowest

    def _refuse(self, what: str) -> None:
        raise ArchiveError(
            f"{self._label}: {self._name} {what}, which no Slack export does: it was made by hand or tampered with, "
            f"so it is refused. {GET_AN_EXPORT}"
        )


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
                bounded = Bounded(_Rest(head, stream), label=export.label, name=name)
                yield from ijson.items(bounded, "item", use_float=True)
            except ijson.JSONError as exc:
                raise MalformedFile(name, f"not valid JSON ({_reason(exc)})") from None
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
        raise damaged(export.label, name, exc) from None


def _reason(exc: Exception) -> str:
    # yajl's messages span several lines with a caret drawing; the first line says it.
    text = str(exc).strip().splitlines()
    return text[0].strip() if text else type(exc).__name__
