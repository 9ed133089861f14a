"""Signatures of Slack's commands and interactions, seen once each: a replayed request is told apart."""

from __future__ import annotations

from sqlalchemy import delete
from sqlalchemy.orm import Session

from store.models import SignedRequest
from store.upsert import insert_ignore


def first_sight(*, session: Session, signature: str, request_ts: int) -> bool:
    """Note a request's signature; False when it was seen before (the request is a replay)."""
    return insert_ignore(
        session=session,
        model=SignedRequest,
        values={"signature": signature, "request_ts": request_ts},
        key=["signature"],
    )


def prune(*, session: Session, before_ts: int) -> int:
    """Forget signatures older than `before_ts` (Slack's own check refuses those requests anyway)."""
    result = session.execute(delete(SignedRequest).where(SignedRequest.request_ts < before_ts))
    return int(result.rowcount)  # type: ignore[attr-defined]
