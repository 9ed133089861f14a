"""INSERT … ON CONFLICT for both dialects: concurrent writers of the same row never collide."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import inspect
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session


def _insert(session: Session, model: type[Any]) -> Any:
    return (pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert)(model)


def insert_ignore(*, session: Session, model: type[Any], values: dict[str, Any], key: Sequence[str]) -> bool:
    """Insert a row unless one with the same `key` columns exists; True when inserted."""
    statement = (
        _insert(session, model)
        .values(**values)
        .on_conflict_do_nothing(index_elements=list(key))
        # RETURNING tells reliably whether the row went in: rowcount of ORM inserts does not.
        .returning(*inspect(model).primary_key)
    )
    return session.execute(statement).first() is not None


def upsert(
    *, session: Session, model: type[Any], values: dict[str, Any], key: Sequence[str], update: Sequence[str]
) -> None:
    """Insert a row, or update the `update` columns of the row with the same `key` columns."""
    statement = _insert(session, model).values(**values)
    statement = statement.on_conflict_do_update(
        index_elements=list(key), set_={name: statement.excluded[name] for name in update}
    )
    session.execute(statement)
