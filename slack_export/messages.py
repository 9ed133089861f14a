"""One message object of a day file, read into what the live path would have stored for it (plain functions)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ingest.traffic_events import IGNORED_SUBTYPES, incoming_message
from store.slack_time import ts_to_datetime
from store.traffic import IncomingMessage

MAX_ID = 32
# A thread's ts as Slack writes it; anything else leaves the message out of any thread.
THREAD_TS = re.compile(r"\d{1,11}\.\d{1,6}")
MAX_SUBTYPE = 64
MAX_EMOJI_NAME = 100

# Why a message object is not stored; each reason is counted in the summary.
NOT_AN_OBJECT = "entries of day files that are not message objects"
NO_TS = "messages without a valid timestamp (ts)"
NOT_A_MESSAGE = "entries of another type than message"
ODD_IDS = "messages whose user, bot or subtype is not a Slack id"
NOTICES = "edit and deletion notices (a message in an export already carries its final text)"
# An export writes a deleted thread parent as a tombstone so that its replies keep their place.
TOMBSTONE = "tombstone"
# The live path stores every subtype (joins, bots, files, /me, broadcasts) and ignores these.
SKIPPED_SUBTYPES = IGNORED_SUBTYPES | {"message_changed", "message_deleted"}


@dataclass(frozen=True)
class Reading:
    """A day file's entry: a message to store (with its edit and reactions), a tombstone, or a reason to skip it."""

    message: IncomingMessage | None = None
    posted_at: datetime | None = None
    edited_at: datetime | None = None
    # (emoji name, people who reacted with it, in the order they did)
    reactions: tuple[tuple[str, tuple[str, ...]], ...] = ()
    tombstone: bool = False
    skipped: str | None = None


def read_message(team_id: str, channel_id: str, raw: Any) -> Reading:
    """What an export's message object is; never raises on odd input."""
    if not isinstance(raw, dict):
        return Reading(skipped=NOT_AN_OBJECT)
    if raw.get("type", "message") != "message":
        return Reading(skipped=NOT_A_MESSAGE)
    ts = raw.get("ts")
    posted_at = _instant(ts)
    if posted_at is None or len(str(ts)) > MAX_ID:
        return Reading(skipped=NO_TS)
    subtype = raw.get("subtype")
    # A subtype that is not text (a list, an object) cannot be looked up in a set: it is an odd id, below.
    if isinstance(subtype, str) and subtype in SKIPPED_SUBTYPES:
        return Reading(skipped=NOTICES)
    if not all(_id_or_none(raw.get(key), limit) for key, limit in (("user", MAX_ID), ("bot_id", MAX_ID))) or not (
        _id_or_none(subtype, MAX_SUBTYPE)
    ):
        return Reading(skipped=ODD_IDS)
    if subtype == TOMBSTONE:
        return Reading(posted_at=posted_at, tombstone=True, message=_incoming(team_id, channel_id, raw))
    edited = raw.get("edited")
    return Reading(
        message=_incoming(team_id, channel_id, raw),
        posted_at=posted_at,
        edited_at=_instant(edited.get("ts")) if isinstance(edited, dict) else None,
        reactions=_reactions(raw.get("reactions")),
    )


def decision_logger(
    reactions: tuple[tuple[str, tuple[str, ...]], ...],
    *,
    is_decision_emoji: Callable[[str], bool],
    may_log: Callable[[str], bool],
) -> str | None:
    """Who filed the decision: the first person to react with a decision emoji (Slack lists them in order)."""
    for name, users in reactions:
        if is_decision_emoji(name):
            for user_id in users:
                if may_log(user_id):
                    return user_id
    return None


def _incoming(team_id: str, channel_id: str, raw: dict[str, Any]) -> IncomingMessage:
    thread_ts = raw.get("thread_ts")
    # The same reading as a live message event; odd values are dropped rather than stored.
    clean = {
        **raw,
        "ts": str(raw["ts"]),
        "text": raw.get("text") if isinstance(raw.get("text"), str) else "",
        "thread_ts": thread_ts if isinstance(thread_ts, str) and THREAD_TS.fullmatch(thread_ts) else None,
    }
    return incoming_message(team_id, channel_id, clean)


def _reactions(raw: Any) -> tuple[tuple[str, tuple[str, ...]], ...]:
    if not isinstance(raw, list):
        return ()
    found: list[tuple[str, tuple[str, ...]]] = []
    for reaction in raw:
        if not isinstance(reaction, dict):
            continue
        name, users = reaction.get("name"), reaction.get("users")
        if not isinstance(name, str) or not name or len(name) > MAX_EMOJI_NAME or not isinstance(users, list):
            continue
        people = tuple(dict.fromkeys(u for u in users if isinstance(u, str) and 0 < len(u) <= MAX_ID))
        if people:
            found.append((name, people))
    return tuple(found)


def _id_or_none(value: Any, limit: int) -> bool:
    return value is None or (isinstance(value, str) and len(value) <= limit)


def _instant(ts: Any) -> datetime | None:
    if not isinstance(ts, str | int | float) or isinstance(ts, bool):
        return None
    try:
        return ts_to_datetime(str(ts))
    except (ValueError, OverflowError, OSError):
        # Not a number, or an instant datetime cannot hold.
        return None
