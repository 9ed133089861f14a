"""Channel traffic as ingested: messages, edits, deletions and reactions; pruned by retention."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from store.models import Message, MessageRevision, Reaction
from store.slack_time import ts_to_datetime
from store.upsert import insert_ignore, insert_ignore_many


@dataclass(frozen=True)
class IncomingMessage:
    """A message as Slack delivered it, reduced to what Handoff keeps."""

    team_id: str
    channel_id: str
    ts: str
    text: str
    user_id: str | None = None
    thread_ts: str | None = None
    bot_id: str | None = None
    subtype: str | None = None
    is_bot: bool = False
    is_system: bool = False


def get_message(*, session: Session, team_id: str, channel_id: str, ts: str) -> Message | None:
    """One ingested message."""
    return session.execute(
        select(Message).where(Message.team_id == team_id, Message.channel_id == channel_id, Message.ts == ts)
    ).scalar_one_or_none()


def record_message(*, session: Session, message: IncomingMessage, now: datetime) -> bool:
    """Store a new message; a redelivery or a late original never overwrites a newer edit or deletion.

    Returns True when the message was new.
    """
    return insert_ignore(
        session=session,
        model=Message,
        # vars(), not asdict(): the fields are plain values, and asdict deep-copies each of them.
        values={**vars(message), "posted_at": ts_to_datetime(message.ts), "ingested_at": now},
        key=["team_id", "channel_id", "ts"],
    )


def record_messages(
    *,
    session: Session,
    messages: Sequence[IncomingMessage],
    now: datetime,
    edited: Mapping[str, datetime] | None = None,
) -> set[str]:
    """`record_message` for many messages of one workspace at once; returns the ts of those that were new.

    `edited` (ts → instant) marks messages known only in their edited form, as `record_edit` does
    for an edit that overtook its message.
    """
    edited = edited or {}
    rows = [
        {**vars(m), "posted_at": ts_to_datetime(m.ts), "ingested_at": now, "edited_at": edited.get(m.ts)}
        for m in messages
    ]
    inserted = insert_ignore_many(
        session=session, model=Message, rows=rows, key=["team_id", "channel_id", "ts"], returning=["ts"]
    )
    return {str(ts) for (ts,) in inserted}


def record_edit(*, session: Session, message: IncomingMessage, edited_at: datetime, now: datetime) -> Message:
    """Apply an edit, keeping the previous text as a revision; an older edit arriving late is ignored."""
    row = get_message(session=session, team_id=message.team_id, channel_id=message.channel_id, ts=message.ts)
    if row is None:
        # The edit overtook its message (or the message predates Handoff): the edit is the truth.
        record_message(session=session, message=message, now=now)
        row = get_message(session=session, team_id=message.team_id, channel_id=message.channel_id, ts=message.ts)
        assert row is not None
        row.edited_at = edited_at
        return row
    if row.deleted_at is not None or (row.edited_at is not None and row.edited_at >= edited_at):
        return row
    if row.text != message.text:
        session.add(
            MessageRevision(
                team_id=row.team_id,
                channel_id=row.channel_id,
                ts=row.ts,
                text=row.text,
                posted_at=row.posted_at,
                replaced_at=edited_at,
            )
        )
    row.text = message.text
    row.edited_at = edited_at
    if message.thread_ts is not None:
        row.thread_ts = message.thread_ts
    return row


def record_deletion(*, session: Session, team_id: str, channel_id: str, ts: str, now: datetime) -> None:
    """Mark a message deleted and forget its text; a tombstone stops a late original coming back."""
    insert_ignore(
        session=session,
        model=Message,
        values={
            "team_id": team_id,
            "channel_id": channel_id,
            "ts": ts,
            "text": "",
            "posted_at": ts_to_datetime(ts),
            "deleted_at": now,
            "ingested_at": now,
        },
        key=["team_id", "channel_id", "ts"],
    )
    session.execute(
        update(Message)
        .where(Message.team_id == team_id, Message.channel_id == channel_id, Message.ts == ts)
        .values(text="", deleted_at=func.coalesce(Message.deleted_at, now))
    )
    session.execute(
        delete(MessageRevision).where(
            MessageRevision.team_id == team_id,
            MessageRevision.channel_id == channel_id,
            MessageRevision.ts == ts,
        )
    )


def revisions(*, session: Session, team_id: str, channel_id: str, ts: str) -> list[MessageRevision]:
    """Earlier texts of a message, oldest first."""
    return list(
        session.scalars(
            select(MessageRevision)
            .where(
                MessageRevision.team_id == team_id,
                MessageRevision.channel_id == channel_id,
                MessageRevision.ts == ts,
            )
            .order_by(MessageRevision.replaced_at, MessageRevision.id)
        )
    )


def thread_messages(*, session: Session, team_id: str, channel_id: str, thread_ts: str) -> list[Message]:
    """A thread's root and replies in order, without deleted ones."""
    return list(
        session.scalars(
            select(Message)
            .where(
                Message.team_id == team_id,
                Message.channel_id == channel_id,
                (Message.thread_ts == thread_ts) | (Message.ts == thread_ts),
                Message.deleted_at.is_(None),
            )
            .order_by(Message.posted_at, Message.ts)
        )
    )


def add_reaction(
    *, session: Session, team_id: str, channel_id: str, ts: str, name: str, user_id: str, now: datetime
) -> bool:
    """Record a reaction; False when it was already recorded."""
    return insert_ignore(
        session=session,
        model=Reaction,
        values={
            "team_id": team_id,
            "channel_id": channel_id,
            "ts": ts,
            "name": name,
            "user_id": user_id,
            "posted_at": ts_to_datetime(ts),
            "added_at": now,
        },
        key=["team_id", "channel_id", "ts", "name", "user_id"],
    )


@dataclass(frozen=True)
class IncomingReaction:
    """One person's reaction on a message, and when it was added."""

    team_id: str
    channel_id: str
    ts: str
    name: str
    user_id: str
    added_at: datetime


def add_reactions(*, session: Session, reactions: Iterable[IncomingReaction]) -> list[datetime]:
    """`add_reaction` for many reactions at once; returns the reacted messages' times of those that were new."""
    rows = [{**vars(r), "posted_at": ts_to_datetime(r.ts)} for r in reactions]
    inserted = insert_ignore_many(
        session=session,
        model=Reaction,
        rows=rows,
        key=["team_id", "channel_id", "ts", "name", "user_id"],
        returning=["posted_at"],
    )
    return [posted_at for (posted_at,) in inserted]


def remove_reaction(*, session: Session, team_id: str, channel_id: str, ts: str, name: str, user_id: str) -> bool:
    """Forget a reaction; False when there was none."""
    result = session.execute(
        delete(Reaction).where(
            Reaction.team_id == team_id,
            Reaction.channel_id == channel_id,
            Reaction.ts == ts,
            Reaction.name == name,
            Reaction.user_id == user_id,
        )
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def reactions_on(*, session: Session, team_id: str, channel_id: str, ts: str) -> list[Reaction]:
    """Reactions on a message, earliest first."""
    return list(
        session.scalars(
            select(Reaction)
            .where(Reaction.team_id == team_id, Reaction.channel_id == channel_id, Reaction.ts == ts)
            .order_by(Reaction.added_at, Reaction.user_id)
        )
    )


def prune(
    *,
    session: Session,
    before: datetime,
    team_id: str | None = None,
    except_teams: Collection[str] = (),
    channel_id: str | None = None,
) -> dict[str, int]:
    """Delete traffic posted before `before` (of one workspace or one of its channels, or of all but `except_teams`).

    Returns counts per table.
    """
    counts: dict[str, int] = {}
    for name, model in (("messages", Message), ("revisions", MessageRevision), ("reactions", Reaction)):
        statement = delete(model).where(model.posted_at < before)
        if team_id is not None:
            statement = statement.where(model.team_id == team_id)
            if channel_id is not None:
                statement = statement.where(model.channel_id == channel_id)
        elif except_teams:
            statement = statement.where(model.team_id.not_in(sorted(except_teams)))
        result = session.execute(statement)
        counts[name] = int(result.rowcount)  # type: ignore[attr-defined]
    return counts
