"""JSON read from an export is looked at before the parser gets it: too deep or too large is refused, whatever
the chunks it arrives in; anything Slack writes goes through untouched."""

from __future__ import annotations

import io
import json
from typing import Any

import ijson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from slack_export.archive import ArchiveError
from slack_export.json_files import MAX_DEPTH, MAX_ELEMENT_BYTES, Bounded

# Strings that look like structure: brackets, quotes and backslashes inside them must not count.
TRICKY = st.sampled_from(["[[[", "]]", '{"', "\\", '\\"', '"', '\\\\"[', "é", "\u2028", "}{"])
STRINGS = st.lists(TRICKY | st.text(max_size=5), max_size=4).map("".join)
VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**53), max_value=2**53) | STRINGS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(STRINGS, inner, max_size=3),
    max_leaves=20,
)


class Chunked:
    """A stream that hands out its bytes in the given sizes, in turn: a zip member's reads vary."""

    def __init__(self, data: bytes, sizes: list[int]) -> None:
        self._data, self._sizes, self._at, self._turn = data, sizes, 0, 0

    def read(self, size: int = -1) -> bytes:
        if size == 0:
            # ijson asks for nothing first, to see whether the stream gives bytes or text.
            return b""
        step = self._sizes[self._turn % len(self._sizes)]
        self._turn += 1
        chunk = self._data[self._at : self._at + min(step, size if size > 0 else step)]
        self._at += len(chunk)
        return chunk


def _nested(value: Any, levels: int) -> Any:
    for _ in range(levels):
        value = [value]
    return value


def _depth(value: Any) -> int:
    if isinstance(value, list):
        return 1 + max((_depth(item) for item in value), default=0)
    if isinstance(value, dict):
        return 1 + max((_depth(item) for item in value.values()), default=0)
    return 0


def _read(data: bytes, sizes: list[int]) -> list[Any]:
    return list(ijson.items(Bounded(Chunked(data, sizes), label="x.zip", name="f.json"), "item", use_float=True))


@settings(max_examples=200, deadline=None)
@given(
    st.lists(VALUES, min_size=1, max_size=4),
    st.integers(min_value=0, max_value=70),
    st.lists(st.integers(min_value=1, max_value=40), min_size=1, max_size=5),
    st.booleans(),
)
def test_nesting_is_measured_exactly_across_chunks_and_escapes(
    items: list[Any], extra: int, sizes: list[int], ascii_only: bool
) -> None:
    document = [_nested(items[0], extra), *items[1:]]
    data = json.dumps(document, ensure_ascii=ascii_only).encode()
    if _depth(document) > MAX_DEPTH:
        with pytest.raises(ArchiveError, match=r"^x\.zip: f\.json nests more than 64 levels deep"):
            _read(data, sizes)
    else:
        assert _read(data, sizes) == json.loads(data)


def test_a_string_larger_than_the_limit_is_refused_before_the_parser_builds_it() -> None:
    data = b'["' + b"a" * (MAX_ELEMENT_BYTES + 10) + b'"]'
    with pytest.raises(ArchiveError, match=r"f\.json holds a string of more than 16 MB"):
        _read(data, [1 << 16])


def test_an_entry_larger_than_the_limit_is_refused_and_many_small_ones_are_not() -> None:
    big = json.dumps([{"members": [f"U{n:08d}" for n in range(MAX_ELEMENT_BYTES // 12 + 10)]}]).encode()
    with pytest.raises(ArchiveError, match=r"f\.json holds an entry of more than 16 MB"):
        _read(big, [1 << 16])
    many = json.dumps([{"text": "x" * 1000, "ts": str(n)} for n in range(20_000)]).encode()
    assert len(many) > MAX_ELEMENT_BYTES and len(_read(many, [1 << 16])) == 20_000


def test_a_real_export_nests_far_less_than_the_limit() -> None:
    # A message with blocks, the deepest thing Slack writes.
    message = {
        "type": "message",
        "blocks": [{"type": "rich_text", "elements": [{"type": "rich_text_list", "elements": [{"elements": []}]}]}],
    }
    assert _depth([message]) < MAX_DEPTH // 4
    assert _read(io.BytesIO(json.dumps([message]).encode()).read(), [7]) == [message]
