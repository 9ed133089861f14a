"""Finding decisions: full text (FTS5 / tsvector), filters, and who may see what.

A person sees decisions from public channels of their own workspace and from private channels,
group DMs and DMs they are a member of while Handoff is in them — nothing else. A channel Handoff
knows nothing about is treated as private to no one. The rule itself is `store.visibility`'s, the
one every read of channel content goes through.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import ColumnElement, and_, bindparam, func, literal_column, select, table, text
from sqlalchemy.orm import Session

from store.models import Channel, Decision
from store.visibility import visible

SNIPPET_WORDS = 16
# FTS5 bm25 weights for text, why, alternatives, tags.
BM25 = "bm25(decisions_fts, 4.0, 2.0, 1.0, 2.0)"
# How many of the newest matches bm25 ranks at first (see _search_fts5), and the widest window
# before ranking every match.
RANK_WINDOW = 10_000
MAX_WINDOW = 640_000
# PostgreSQL ranks within the newest this-many decisions first (see _search_postgres).
PG_RANK_WINDOW = 50_000


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
    return and_(Decision.team_id == team_id, visible(team_id=team_id, viewer_id=viewer_id))


def reviews_owned(*, session: Session, team_id: str, viewer_id: str, limit: int = 10) -> list[Hit]:
    """The viewer's own open review-by items (decisions they own, still proposed or accepted), soonest first."""
    rows = session.execute(
        select(Decision, Channel.name)
        .join(Channel, and_(Channel.team_id == Decision.team_id, Channel.channel_id == Decision.channel_id))
        .where(
            visible_to(team_id=team_id, viewer_id=viewer_id),
            Decision.owner_id == viewer_id,
            Decision.review_by.is_not(None),
            Decision.status.in_(["proposed", "accepted"]),
        )
        .order_by(Decision.review_by, Decision.id)
        .limit(limit)
    ).all()
    return [Hit(decision=row[0], channel_name=row[1] or "", snippet=row[0].text) for row in rows]


def search(
    *, session: Session, team_id: str, viewer_id: str, filters: Filters, limit: int | None = 10, offset: int = 0
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
        return _search_postgres(session, filters, conditions, limit=limit, offset=offset)
    elif searching:
        return _search_fts5(session, filters, conditions, limit=limit, offset=offset)
    else:
        statement = (
            select(Decision, Channel.name, Decision.text)
            .join(Channel, and_(Channel.team_id == Decision.team_id, Channel.channel_id == Decision.channel_id))
            .where(*conditions)
            .order_by(Decision.created_at.desc(), Decision.id.desc())
        )
    if limit is not None:
        statement = statement.limit(limit)
    rows = session.execute(statement.offset(offset)).all()
    return [Hit(decision=row[0], channel_name=row[1] or "", snippet=str(row[2] or "")) for row in rows]


def _search_fts5(
    session: Session, filters: Filters, conditions: list[ColumnElement[bool]], *, limit: int | None, offset: int
) -> list[Hit]:
    """FTS5 search, ranked by bm25 within the newest matches.

    bm25 has to score every match, which for a word in one decision out of ten is 100,000 rows.
    So the ranking looks at the newest RANK_WINDOW matches first (a rowid range FTS5 scans
    directly) and widens the window only when the filters leave too few results in it.
    """
    match = literal_column("decisions_fts").op("MATCH")(bindparam("match", filters.fts5_query))
    wanted = None if limit is None else limit + offset
    # Always windowed: FTS5 scans every match of the words whatever the other filters are, so a
    # rowid floor is what bounds the work.
    window: int | None = RANK_WINDOW
    while True:
        floor = _window_floor(session, filters.fts5_query, window) if window is not None else None
        statement: Any = (
            select(
                Decision,
                Channel.name,
                literal_column(f"snippet(decisions_fts, -1, '*', '*', '…', {SNIPPET_WORDS})"),
            )
            .select_from(table("decisions_fts"))
            .join(Decision, Decision.id == literal_column("decisions_fts.rowid"))
            .join(Channel, and_(Channel.team_id == Decision.team_id, Channel.channel_id == Decision.channel_id))
            .where(match, *conditions)
            .order_by(literal_column(BM25), Decision.created_at.desc())
        )
        if floor is not None:
            statement = statement.where(literal_column("decisions_fts.rowid") >= floor)
        if limit is not None:
            statement = statement.limit(limit)
        rows = session.execute(statement.offset(offset)).all()
        enough = wanted is not None and len(rows) + offset >= wanted
        if floor is None or enough:
            return [Hit(decision=row[0], channel_name=row[1] or "", snippet=str(row[2] or "")) for row in rows]
        window = window * 8 if window is not None and window < MAX_WINDOW else None


def _window_floor(session: Session, fts5_query: str, window: int) -> int | None:
    """The smallest rowid among the newest `window` matches; None when there are no more than that."""
    floor = session.execute(
        text(
            "SELECT rowid FROM decisions_fts WHERE decisions_fts MATCH :match ORDER BY rowid DESC LIMIT 1 OFFSET :skip"
        ),
        {"match": fts5_query, "skip": window - 1},
    ).scalar_one_or_none()
    return None if floor is None else int(floor)


def _search_postgres(
    session: Session, filters: Filters, conditions: list[ColumnElement[bool]], *, limit: int | None, offset: int
) -> list[Hit]:
    """tsvector search, ranked by ts_rank within the newest decisions.

    The GIN index finds every match cheaply, but ranking reads each matching row. So ranking
    first looks at matches among the newest PG_RANK_WINDOW decisions (an id range the planner
    ANDs with the GIN bitmap) and widens the range only when too few results are in it.
    """
    query = func.websearch_to_tsquery("english", bindparam("words", filters.words))
    vector: ColumnElement[Any] = literal_column("decisions.search")
    snippet = func.ts_headline(
        "english", Decision.text, query, f"StartSel=*,StopSel=*,MaxWords={SNIPPET_WORDS},MinWords=6"
    )
    newest = session.scalar(select(func.max(Decision.id))) or 0
    wanted = None if limit is None else limit + offset
    # A channel or person filter bounds the matches by itself (and has its index): rank them all.
    window: int | None = None if filters.channel_id or filters.author_id else PG_RANK_WINDOW
    while True:
        floor = newest - window if window is not None and newest > window else None
        statement: Any = (
            select(Decision, Channel.name, snippet)
            .join(Channel, and_(Channel.team_id == Decision.team_id, Channel.channel_id == Decision.channel_id))
            .where(vector.op("@@")(query), *conditions)
            .order_by(func.ts_rank(vector, query).desc(), Decision.created_at.desc())
        )
        if floor is not None:
            statement = statement.where(Decision.id > floor)
        if limit is not None:
            statement = statement.limit(limit)
        rows = session.execute(statement.offset(offset)).all()
        if floor is None or (wanted is not None and len(rows) + offset >= wanted):
            return [Hit(decision=row[0], channel_name=row[1] or "", snippet=str(row[2] or "")) for row in rows]
        window = window * 8 if window is not None else None
