"""`/decisions` with anything typed: a query or a refusal that quotes the person inertly, and any words are a
valid full-text query on SQLite (FTS5) and PostgreSQL (websearch_to_tsquery)."""

from __future__ import annotations

import json
import sqlite3

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session, sessionmaker

from decisions.finder import find
from decisions.query import FILTERS, QueryError, fts5_match, parse
from tests.hostile_text import broadcast_words, hostile_text, mrkdwn_texts, stray_markup, tokens

QUERIES = st.one_of(
    hostile_text(),
    st.tuples(st.sampled_from([f"{name}:" for name in FILTERS] + ["nope:", "IN:", ""]), hostile_text(max_pieces=8)).map(
        "".join
    ),
)


@settings(max_examples=800, deadline=None)
@given(QUERIES)
def test_any_query_is_parsed_or_refused_and_its_words_are_a_valid_fts5_query(raw: str) -> None:
    try:
        query = parse(raw)
    except QueryError:
        return
    with sqlite3.connect(":memory:") as connection:
        connection.execute("CREATE VIRTUAL TABLE t USING fts5(text)")
        connection.execute("INSERT INTO t VALUES ('we ship on monday')")
        match = fts5_match(query.words)
        if match:
            connection.execute("SELECT count(*) FROM t WHERE t MATCH ?", (match,)).fetchone()


DB_PROPERTIES = settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)


@DB_PROPERTIES
@given(QUERIES)
def test_any_query_answers_with_an_inert_page_on_both_databases(
    session_factory: sessionmaker[Session], raw: str
) -> None:
    # The search itself runs too: FTS5 on SQLite, websearch_to_tsquery on PostgreSQL.
    with session_factory() as session:
        page = find(session=session, team_id="T0001", viewer_id="U1", channel_id="C1", raw=raw)
    shown = [page.text, *mrkdwn_texts(page.blocks)]
    for mrkdwn in shown:
        assert tokens(mrkdwn) == [], mrkdwn
        assert stray_markup(mrkdwn) == [], mrkdwn
        assert broadcast_words(mrkdwn) == [], mrkdwn
    assert len(json.dumps(page.blocks)) < 40_000
