"""Channel summaries cached per window bucket: one summarizer call serves every member in the bucket."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from digest.model import CATEGORIES, ChannelSummary, SummaryPoint
from store.models import ChannelSummaryRow
from store.upsert import insert_ignore, table_of

Bucket = tuple[datetime, datetime]


def cached(
    *, session: Session, team_id: str, wanted: Iterable[tuple[str, Bucket]]
) -> dict[tuple[str, Bucket], ChannelSummary]:
    """The summaries already made for these (channel, window) pairs."""
    pairs = set(wanted)
    if not pairs:
        return {}
    channel_ids = sorted({channel_id for channel_id, _ in pairs})
    ends = sorted({bucket[1] for _, bucket in pairs})
    found: dict[tuple[str, Bucket], ChannelSummary] = {}
    for row in session.scalars(
        select(ChannelSummaryRow).where(
            ChannelSummaryRow.team_id == team_id,
            ChannelSummaryRow.channel_id.in_(channel_ids),
            ChannelSummaryRow.window_end.in_(ends),
        )
    ):
        key = (row.channel_id, (row.window_start, row.window_end))
        if key in pairs:
            found[key] = _summary(row)
    return found


def save(*, session: Session, team_id: str, bucket: Bucket, summary: ChannelSummary, now: datetime) -> None:
    """Keep a summary for its bucket (a concurrent replica's copy of the same bucket wins quietly)."""
    insert_ignore(
        session=session,
        model=ChannelSummaryRow,
        values={
            "team_id": team_id,
            "channel_id": summary.channel_id,
            "window_start": bucket[0],
            "window_end": bucket[1],
            "source": summary.source,
            "message_count": summary.message_count,
            "points": [_point(point) for point in summary.points],
            "created_at": now,
        },
        key=["team_id", "channel_id", "window_start", "window_end"],
    )


def save_many(
    *, session: Session, team_id: str, summaries: Mapping[tuple[str, Bucket], ChannelSummary], now: datetime
) -> None:
    """Keep many summaries in one statement (a concurrent replica's copy of the same bucket wins quietly)."""
    if not summaries:
        return
    rows = [
        {
            "team_id": team_id,
            "channel_id": channel_id,
            "window_start": bucket[0],
            "window_end": bucket[1],
            "source": summary.source,
            "message_count": summary.message_count,
            "points": [_point(point) for point in summary.points],
            "created_at": now,
        }
        for (channel_id, bucket), summary in sorted(summaries.items(), key=lambda pair: pair[0])
    ]
    session.execute(_insert_many(session.get_bind().dialect.name), rows)


def prune(*, session: Session, before: datetime) -> int:
    """Forget summaries made before an instant (they only serve the morning they were made for)."""
    result = session.execute(delete(ChannelSummaryRow).where(ChannelSummaryRow.created_at < before))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


@cache
def _insert_many(dialect: str) -> Any:
    # No RETURNING, unlike `save`: nobody needs to know which rows went in, and without it the
    # driver sends the rows as one multi-row statement.
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    return insert(table_of(ChannelSummaryRow)).on_conflict_do_nothing(
        index_elements=["team_id", "channel_id", "window_start", "window_end"]
    )


def _point(point: SummaryPoint) -> dict[str, Any]:
    return {
        "text": point.text,
        "ts": point.ts,
        "mentions": sorted(point.mentions),
        "score": point.score,
        "category": point.category,
        "thread_ts": point.thread_ts,
    }


def _summary(row: ChannelSummaryRow) -> ChannelSummary:
    return ChannelSummary(
        channel_id=row.channel_id,
        message_count=row.message_count,
        points=tuple(
            SummaryPoint(
                text=str(point.get("text", "")),
                ts=point.get("ts"),
                mentions=frozenset(point.get("mentions") or ()),
                score=float(point.get("score") or 0.0),
                # Summaries cached before points had categories read as uncategorised.
                category=point.get("category") if point.get("category") in CATEGORIES else None,
                thread_ts=point.get("thread_ts"),
            )
            for point in row.points or []
        ),
        source=row.source,
    )
