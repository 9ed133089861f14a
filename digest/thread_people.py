"""Who has ever posted in a thread: its parent's author and every replier, whenever they posted.

"Replies in your thread" needs the people of each thread that had replies in a window, and a
thread's parent may be a week old. Which rows belong to a thread comes from the thread and ts
indexes alone (row ids, no row read); the authors of the rows read with the traffic are known
already, so only the other rows are read, by id.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping
from functools import cache

from sqlalchemy import ARRAY, Connection, Select, String, any_, bindparam, select
from sqlalchemy.orm import Session

from digest.in_lists import chunks
from digest.model import Line
from store.claims import among
from store.models import Message
from store.upsert import table_of

# A thread: (channel id, thread ts).
Key = tuple[str, str]


def read_thread_people(
    *,
    session: Session,
    team_id: str,
    threads: list[Key],
    read: Mapping[str, Mapping[str, Line]],
    authors: Mapping[int, str | None],
) -> dict[Key, set[str]]:
    """The people of these (channel, thread ts) threads; `read` and `authors` are the rows read already."""
    people: dict[Key, set[str]] = defaultdict(set)
    unread_parents: list[Key] = []
    for channel_id, parent in threads:
        line = read.get(channel_id, {}).get(parent)
        if line is None:
            unread_parents.append((channel_id, parent))
        elif line.user_id is not None:
            people[(channel_id, parent)].add(line.user_id)
    connection = session.connection()
    unknown: dict[int, list[Key]] = defaultdict(list)
    # Every reply of these threads, and the parents not read already.
    for column, pairs in (("thread_ts", threads), ("ts", unread_parents)):
        for row_id, channel_id, thread_ts in _rows_in(connection, team_id, column, pairs):
            key = (channel_id, thread_ts)
            if row_id not in authors:
                unknown[row_id].append(key)
            elif (author := authors[row_id]) is not None:
                people[key].add(author)
    statement = _authors(connection.dialect.name)
    for ids in chunks(sorted(unknown)):
        for row_id, author in connection.execute(statement, {"ids": ids}).all():
            if author is not None:
                for key in unknown[row_id]:
                    people[key].add(author)
    return people


def _rows_in(
    connection: Connection, team_id: str, column_name: str, pairs: list[Key]
) -> Iterator[tuple[int, str, str]]:
    """(id, channel, key) of the rows whose channel and `column_name` (thread_ts or ts) are one of `pairs`.

    One statement per channel, with a list of plain strings its index answers key by key.
    """
    by_channel: dict[str, list[str]] = defaultdict(list)
    for channel_id, key in pairs:
        by_channel[channel_id].append(key)
    statement = _channel_statement(connection.dialect.name, column_name)
    for channel_id, keys in by_channel.items():
        for few in chunks(keys):
            values = {"team_id": team_id, "channel_id": channel_id, "keys": few}
            for row_id, found in connection.execute(statement, values):
                yield row_id, channel_id, str(found)


@cache
def _channel_statement(dialect: str, column_name: str) -> Select[int, str | None]:
    column = Message.thread_ts if column_name == "thread_ts" else Message.ts
    # Hundreds of these run per read: PostgreSQL gets the keys as one array, so the statement's
    # text stays the same and the server plans it once (an IN list would be a new text each time).
    keys = (
        column == any_(bindparam("keys", type_=ARRAY(String)))
        if dialect == "postgresql"
        else column.in_(bindparam("keys", expanding=True))
    )
    return select(Message.id, column).where(
        Message.team_id == bindparam("team_id"), Message.channel_id == bindparam("channel_id"), keys
    )


@cache
def _authors(dialect: str) -> Select[int, str | None]:
    return select(Message.id, Message.user_id).where(among(table_of(Message).c.id, "ids", dialect))
