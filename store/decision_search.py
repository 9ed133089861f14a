"""Finding decisions: full text (FTS5 / tsvector), filters, and who may see what.

A person sees decisions from public channels of their own workspace and from private channels,
group DMs and DMs they are a member of — nothing else. A channel Handoff knows nothing about is
treated as private to no one. This is the one place that rule is written for decisions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import ColumnElement, and_, bindparam, exists, func, literal_column, or_, select, table
from sqlalchemy.orm import Session

from store.models import Channel, ChannelMember, Decision

SNIPPET_WORDS = 16
# FTS5 bm25 weights for text, why, alternatives, tags.
BM25 = "bm25(decisions_fts, 4.0, 2.0, 1.0, 2.0)"


@dataclass(frozen=True)
class Filters:
    """What to look for; every part optional."""

    words: str = ""
    fts5_query: str = ""
    channel_id: str | None = None
    author_id: str | None = None
    tags: Sequence[str] = ()
    since: date | None = None
    before: date | None = None
    statuses: Sequence[str] = ("proposed", "accepted", "superseded")


@dataclass(frozen=True)
class Hit:
    """One decision found, with the name of its channel and the matching excerpt."""

    decision: Decision
    channel_name: str
    snippet: str


def visible_to(*, team_id: str, viewer_id: str) -> ColumnElement[bool]:
    """Decisions `viewer_id` may see (needs Channel joined on the decision's channel)."""
    member = exists().where(
        ChannelMember.team_id == Decision.team_id,
        ChannelMember.channel_id == Decision.channel_id,
        ChannelMember.user_id == viewer_id,
    )
    return and_(Decision.team_id == team_id, or_(Channel.is_private.is_(False), member))


def search(
    *, session: Session, team_id: str, viewer_id: str, filters: Filters, limit: int = 10, offset: int = 0
) -> list[Hit]:
    """Decisions matching `filters` that the viewer may see: best matches first, else newest first."""
    postgres = session.get_bind().dialect.name == "postgresql"
    conditions: list[ColumnElement[bool]] = [
        visible_to(team_id=team_id, viewer_id=viewer_id),
        Decision.status.in_(list(filters.statuses)),
    ]
    if filters.channel_id:
        conditions.append(Decision.channel_id == filters.channel_id)
    if filters.author_id:
        conditions.append(Decision.author_id == filters.author_id)
    for tag in filters.tags:
        conditions.append(("," + Decision.tags + ",").like(f"%,{tag},%"))
    if filters.since:
        conditions.append(Decision.created_at >= datetime.combine(filters.since, time(0), tzinfo=UTC))
    if filters.before:
        conditions.append(Decision.created_at < datetime.combine(filters.before, time(0), tzinfo=UTC))
    statement: Any
    searching = bool(filters.words.strip()) and (postgres or bool(filters.fts5_query))
    if searching and postgres:
        query = func.websearch_to_tsquery("english", bindparam("words", filters.words))
        vector: ColumnElement[Any] = literal_column("decisions.search")
        snippet = func.ts_headline(
            "english", Decision.text, query, f"StartSel=*,StopSel=*,MaxWords={SNIPPET_WORDS},MinWords=6"
        )
        statement = (
            select(Decision, Channel.name, snippet)
            .join(Channel, and_(Channel.team_id == Decision.team_id, Channel.channel_id == Decision.channel_id))
            .where(vector.op("@@")(query), *conditions)
            .order_by(func.ts_rank(vector, query).desc(), Decision.created_at.desc())
        )
    elif searching:
        fts = table("decisions_fts")
        statement = (
            select(
                Decision,
                Channel.name,
                literal_column(f"snippet(decisions_fts, -1, '*', '*', '…', {SNIPPET_WORDS})"),
            )
            .select_from(fts)
            .join(Decision, Decision.id == literal_column("decisions_fts.rowid"))
            .join(Channel, and_(Channel.team_id == Decision.team_id, Channel.channel_id == Decision.channel_id))
            .where(literal_column("decisions_fts").op("MATCH")(bindparam("match", filters.fts5_query)), *conditions)
            .order_by(literal_column(BM25), Decision.created_at.desc())
        )
    else:
        statement = (
            select(Decision, Channel.name, Decision.text)
            .join(Channel, and_(Channel.team_id == Decision.team_id, Channel.channel_id == Decision.channel_id))
            .where(*conditions)
            .order_by(Decision.created_at.desc(), Decision.id.desc())
        )
    rows = session.execute(statement.limit(limit).offset(offset)).all()
    return [Hit(decision=row[0], channel_name=row[1] or "", snippet=str(row[2] or "")) for row in rows]
