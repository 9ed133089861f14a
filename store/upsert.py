"""INSERT … ON CONFLICT for both dialects: concurrent writers of the same row never collide.

Statements are built once per (dialect, table, columns) on the Core table and executed with
parameters: SQLAlchemy then reuses their compiled form, which keeps ingest cheap.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any, cast

from sqlalchemy import Table, bindparam, func, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session


def table_of(model: type[Any]) -> Table:
    """The Core table behind a mapped class."""
    return cast(Table, model.__table__)


@cache
def _insert_ignore(dialect: str, table: Table, key: tuple[str, ...]) -> Any:
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    # RETURNING tells reliably whether the row went in, where rowcount of some paths does not.
    return insert(table).on_conflict_do_nothing(index_elements=list(key)).returning(*table.primary_key.columns)


@cache
def _insert_ignore_returning(
    dialect: str, table: Table, key: tuple[str, ...], columns: tuple[str, ...], returning: tuple[str, ...]
) -> Any:
    statement: Any
    if dialect != "postgresql":
        statement = sqlite_insert(table)
    else:
        # One array per column, unnested in lockstep: the statement's text is the same for any
        # number of rows, so psycopg parses it once and the server prepares it, where a multi-row
        # VALUES list is new text (re-parsed on the client) for every batch.
        arrays = [func.unnest(bindparam(name, type_=ARRAY(table.c[name].type))).label(name) for name in columns]
        statement = pg_insert(table).from_select(list(columns), select(*arrays))
    return statement.on_conflict_do_nothing(index_elements=list(key)).returning(*(table.c[n] for n in returning))


@cache
def _upsert(dialect: str, table: Table, key: tuple[str, ...], update: tuple[str, ...]) -> Any:
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = insert(table)
    return statement.on_conflict_do_update(
        index_elements=list(key), set_={name: statement.excluded[name] for name in update}
    )


def insert_ignore(*, session: Session, model: type[Any], values: dict[str, Any], key: Sequence[str]) -> bool:
    """Insert a row unless one with the same `key` columns exists; True when inserted."""
    statement = _insert_ignore(session.get_bind().dialect.name, table_of(model), tuple(key))
    return session.execute(statement, values).first() is not None


def insert_ignore_many(
    *, session: Session, model: type[Any], rows: Sequence[dict[str, Any]], key: Sequence[str], returning: Sequence[str]
) -> list[tuple[Any, ...]]:
    """Insert many rows (all with the same columns) at once, skipping those whose `key` exists.

    Returns the `returning` columns of the rows inserted. SQLite gets multi-row INSERTs
    (SQLAlchemy's "insertmanyvalues"), PostgreSQL one INSERT … SELECT FROM unnest(arrays).
    """
    if not rows:
        return []
    dialect = session.get_bind().dialect.name
    columns = tuple(rows[0])
    statement = _insert_ignore_returning(dialect, table_of(model), tuple(key), columns, tuple(returning))
    if dialect == "postgresql":
        arrays = {name: [row[name] for row in rows] for name in columns}
        return [tuple(row) for row in session.execute(statement, arrays)]
    return [tuple(row) for row in session.execute(statement, list(rows))]


def upsert(
    *,
    session: Session,
    model: type[Any],
    values: dict[str, Any],
    key: Sequence[str],
    update: Sequence[str] | None = None,
) -> None:
    """Insert a row, or update the row with the same `key` columns: its `update` columns (default: all given)."""
    columns = tuple(update) if update is not None else tuple(name for name in values if name not in key)
    statement = _upsert(session.get_bind().dialect.name, table_of(model), tuple(key), columns)
    session.execute(statement, values)
