"""Decisions, their revisions and their thread context. Every query is scoped by workspace."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from store.models import Decision, DecisionContext, DecisionRevision, Message
from store.teams import ensure_team
from store.upsert import insert_ignore

PROPOSED, ACCEPTED, RETRACTED, SUPERSEDED = "proposed", "accepted", "retracted", "superseded"
# The statuses people choose; superseded and retracted follow from what they do.
CHOSEN = (ACCEPTED, PROPOSED)


@dataclass(frozen=True)
class NewDecision:
    """What filing a decision needs."""

    team_id: str
    channel_id: str
    text: str
    logged_by: str
    source: str
    message_ts: str | None = None
    thread_ts: str | None = None
    author_id: str | None = None
    permalink: str | None = None
    status: str = ACCEPTED


def get(*, session: Session, team_id: str, decision_id: int) -> Decision | None:
    """One decision of a workspace."""
    return session.scalars(
        select(Decision).where(Decision.team_id == team_id, Decision.id == decision_id)
    ).one_or_none()


def for_message(*, session: Session, team_id: str, channel_id: str, ts: str) -> Decision | None:
    """The decision filed from a message, if any."""
    return session.scalars(
        select(Decision).where(
            Decision.team_id == team_id, Decision.channel_id == channel_id, Decision.message_ts == ts
        )
    ).one_or_none()


def file(*, session: Session, new: NewDecision, now: datetime) -> tuple[Decision, bool]:
    """File a decision; for a message that has one already, return that one. True when new."""
    # A workspace whose first contact is a command (no event reached Handoff yet) is still a workspace.
    ensure_team(session=session, team_id=new.team_id, now=now)
    values = {
        "team_id": new.team_id,
        "channel_id": new.channel_id,
        "message_ts": new.message_ts,
        "thread_ts": new.thread_ts,
        "text": new.text,
        "why": "",
        "author_id": new.author_id,
        "logged_by": new.logged_by,
        "permalink": new.permalink,
        "status": new.status if new.status in CHOSEN else ACCEPTED,
        "source": new.source,
        "source_deleted": False,
        "created_at": now,
        "updated_at": now,
    }
    if new.message_ts is not None:
        created = insert_ignore(
            session=session, model=Decision, values=values, key=["team_id", "channel_id", "message_ts"]
        )
        decision = for_message(session=session, team_id=new.team_id, channel_id=new.channel_id, ts=new.message_ts)
        assert decision is not None
    else:
        decision, created = Decision(**values), True
        session.add(decision)
        session.flush()
    if created:
        _revise(session, decision, actor_id=new.logged_by, action="created", old=None, new=new.text, now=now)
    return decision, created


@dataclass(frozen=True)
class Details:
    """The parts of a decision people fill in beyond its text; None leaves a part unchanged."""

    text: str | None = None
    why: str | None = None
    alternatives: str | None = None
    tags: str | None = None
    owner_id: str | None = None
    review_by: date | None = None
    status: str | None = None
    # Parts to empty (None above means "unchanged"): "owner_id", "review_by".
    clear: frozenset[str] = frozenset()


def set_details(*, session: Session, decision: Decision, details: Details, actor_id: str, now: datetime) -> bool:
    """Change what was given, one revision per changed part; True when anything changed."""
    changed = False
    for name in ("text", "why", "alternatives", "tags", "owner_id", "review_by", "status"):
        new = getattr(details, name)
        if name in details.clear and getattr(decision, name) is not None:
            _revise(
                session, decision, actor_id=actor_id, action=name, old=str(getattr(decision, name)), new=None, now=now
            )
            setattr(decision, name, None)
            changed = True
            continue
        # Only proposed ⇄ accepted is a choice; a superseded or retracted decision keeps its status.
        if name == "status" and (new not in CHOSEN or decision.status not in CHOSEN):
            continue
        old = getattr(decision, name)
        if new is None or new == old:
            continue
        _revise(
            session,
            decision,
            actor_id=actor_id,
            action=name,
            old=None if old is None else str(old),
            new=str(new),
            now=now,
        )
        setattr(decision, name, new)
        changed = True
    if changed:
        decision.updated_at = now
    return changed


def normalize_tags(raw: str) -> str:
    """`Infra, #Q4 ,db` → `infra,q4,db`: lower-case, no hashes, no blanks, no repeats."""
    tags: list[str] = []
    for part in raw.split(","):
        tag = part.strip().lstrip("#").lower()
        if tag and tag not in tags:
            tags.append(tag)
    return ",".join(tags)


class SupersedeError(ValueError):
    """The link cannot be made; the message says why."""


def supersede(*, session: Session, newer: Decision, older: Decision, actor_id: str, now: datetime) -> None:
    """Record that `newer` replaces `older`: a revision on each, and `older` is superseded."""
    if older.id == newer.id:
        raise SupersedeError("A decision cannot replace itself.")
    if older.team_id != newer.team_id or older.channel_id != newer.channel_id:
        raise SupersedeError("Pick a decision from the same channel.")
    if older.status in {RETRACTED, SUPERSEDED}:
        raise SupersedeError(f"That decision is already {older.status}.")
    if newer.supersedes_id is not None:
        raise SupersedeError("This decision already replaces another one.")
    _revise(session, newer, actor_id=actor_id, action="supersedes", old=None, new=str(older.id), now=now)
    _revise(session, older, actor_id=actor_id, action="status", old=older.status, new=SUPERSEDED, now=now)
    newer.supersedes_id = older.id
    newer.updated_at = now
    older.status = SUPERSEDED
    older.updated_at = now


def superseded_by(*, session: Session, decision: Decision) -> Decision | None:
    """The decision that replaced this one, if any."""
    return session.scalars(
        select(Decision).where(Decision.team_id == decision.team_id, Decision.supersedes_id == decision.id)
    ).first()


def replaceable(
    *, session: Session, team_id: str, channel_id: str, exclude_id: int | None = None, limit: int = 50
) -> list[Decision]:
    """Recent decisions of a channel that a new one could replace, newest first."""
    return list(
        session.scalars(
            select(Decision)
            .where(
                Decision.team_id == team_id,
                Decision.channel_id == channel_id,
                Decision.id != (exclude_id or 0),
                Decision.status.in_(CHOSEN),
            )
            .order_by(Decision.created_at.desc(), Decision.id.desc())
            .limit(limit)
        )
    )


def retract(*, session: Session, decision: Decision, actor_id: str, now: datetime) -> bool:
    """Retract a decision (kept, with its audit trail); False when it already was."""
    if decision.status == RETRACTED:
        return False
    _revise(session, decision, actor_id=actor_id, action="status", old=decision.status, new=RETRACTED, now=now)
    decision.status = RETRACTED
    decision.updated_at = now
    return True


def reinstate(*, session: Session, decision: Decision, actor_id: str, now: datetime) -> bool:
    """File a retracted decision again (someone reacted anew); the new reactor is its logger."""
    if decision.status != RETRACTED:
        return False
    _revise(session, decision, actor_id=actor_id, action="status", old=RETRACTED, new=ACCEPTED, now=now)
    decision.status = ACCEPTED
    decision.logged_by = actor_id
    decision.updated_at = now
    return True


def follow_source_edit(*, session: Session, decision: Decision, text: str, actor_id: str | None, now: datetime) -> bool:
    """The source message was edited: the decision's text follows, the old text stays in the revisions."""
    if decision.text == text:
        return False
    _revise(session, decision, actor_id=actor_id, action="text", old=decision.text, new=text, now=now)
    decision.text = text
    decision.updated_at = now
    return True


def mark_source_deleted(*, session: Session, decision: Decision, now: datetime) -> bool:
    """The source message was deleted: the decision stays, marked so."""
    if decision.source_deleted:
        return False
    _revise(session, decision, actor_id=None, action="source_deleted", old=None, new=None, now=now)
    decision.source_deleted = True
    decision.updated_at = now
    return True


def without_permalink(*, session: Session, team_id: str) -> list[Decision]:
    """Decisions filed from a message whose link is not known (imported before Handoff knew the workspace's URL)."""
    return list(
        session.scalars(
            select(Decision).where(
                Decision.team_id == team_id,
                Decision.message_ts.is_not(None),
                Decision.permalink.is_(None),
                Decision.source_deleted.is_(False),
            )
        )
    )


def record_confirmation(*, session: Session, decision: Decision, channel_id: str, ts: str) -> None:
    """Remember Handoff's own message about the decision, to update it later."""
    decision.confirmation_channel = channel_id
    decision.confirmation_ts = ts


def keep_thread(*, session: Session, decision: Decision, messages: Sequence[Message]) -> None:
    """Copy the thread around the decision (people's messages only) so it outlives traffic retention."""
    for message in messages:
        if message.is_bot or message.is_system or message.deleted_at is not None:
            continue
        session.add(
            DecisionContext(
                decision_id=decision.id,
                team_id=decision.team_id,
                ts=message.ts,
                user_id=message.user_id,
                text=message.text,
                posted_at=message.posted_at,
            )
        )


def thread_of(*, session: Session, team_id: str, decision_id: int) -> list[DecisionContext]:
    """The kept thread of a decision, in order."""
    return list(
        session.scalars(
            select(DecisionContext)
            .where(DecisionContext.team_id == team_id, DecisionContext.decision_id == decision_id)
            .order_by(DecisionContext.posted_at, DecisionContext.ts)
        )
    )


def has_thread(*, session: Session, team_id: str, decision_id: int) -> bool:
    """Whether a thread was kept with the decision."""
    return bool(
        session.scalar(
            select(exists().where(DecisionContext.team_id == team_id, DecisionContext.decision_id == decision_id))
        )
    )


def revisions_of(*, session: Session, team_id: str, decision_id: int) -> list[DecisionRevision]:
    """A decision's audit trail, oldest first."""
    return list(
        session.scalars(
            select(DecisionRevision)
            .where(DecisionRevision.team_id == team_id, DecisionRevision.decision_id == decision_id)
            .order_by(DecisionRevision.id)
        )
    )


def revision_count(*, session: Session, decision: Decision) -> int:
    """How many changes a decision has had (it only grows: it versions Handoff's message about it)."""
    return int(
        session.scalar(
            select(func.count())
            .select_from(DecisionRevision)
            .where(DecisionRevision.team_id == decision.team_id, DecisionRevision.decision_id == decision.id)
        )
        or 0
    )


def _revise(
    session: Session,
    decision: Decision,
    *,
    actor_id: str | None,
    action: str,
    old: str | None,
    new: str | None,
    now: datetime,
) -> None:
    session.add(
        DecisionRevision(
            decision_id=decision.id,
            team_id=decision.team_id,
            actor_id=actor_id,
            action=action,
            old_value=old,
            new_value=new,
            at=now,
        )
    )
    session.flush()


def any_in_channel(*, session: Session, team_id: str, channel_id: str) -> bool:
    """Whether the channel has any decision in the log (retracted ones included)."""
    found = session.scalar(
        select(Decision.id).where(Decision.team_id == team_id, Decision.channel_id == channel_id).limit(1)
    )
    return found is not None
