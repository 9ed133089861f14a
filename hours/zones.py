"""Time zone names as people type them: any IANA name, in any letter case."""

from __future__ import annotations

from functools import cache
from zoneinfo import available_timezones

# Present in the tz database or on this machine, but naming no place a person lives.
_NOT_FOR_PEOPLE = frozenset({"localtime", "Factory", "posixrules"})


@cache
def _names_by_lower_case() -> dict[str, str]:
    names = {name.lower(): name for name in available_timezones() if name not in _NOT_FOR_PEOPLE}
    names.setdefault("utc", "UTC")
    return names


def find_zone(word: str) -> str | None:
    """The IANA name `word` stands for ("europe/berlin" is Europe/Berlin), or None if it is no zone."""
    return _names_by_lower_case().get(word.lower())
