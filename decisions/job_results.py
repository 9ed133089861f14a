"""Recording how a decision job (Handoff's message, a review reminder) went, the same way for each."""

from __future__ import annotations

from datetime import datetime, timedelta

from slack_sdk.errors import SlackApiError

from bot.deps import Deps
from bot.slack_client import retry_after
from store import claims
from store.models import Job


def done(deps: Deps, job_id: int, now: datetime) -> None:
    """The job did its work."""
    with deps.session_factory.begin() as session:
        claims.complete(session=session, model=Job, row_id=job_id, owner=deps.worker_id, now=now)


def dropped(deps: Deps, job_id: int, now: datetime, *, reason: str) -> None:
    """The job cannot or need not run again; kept with the reason for operators."""
    with deps.session_factory.begin() as session:
        claims.give_up(session=session, model=Job, row_id=job_id, owner=deps.worker_id, now=now, error=reason)


def slack_failed(
    deps: Deps, job_id: int, now: datetime, exc: SlackApiError, *, permanent: frozenset[str], fallback: timedelta
) -> None:
    """Slack refused: drop the job on a permanent error, else retry after Slack's Retry-After (or `fallback`)."""
    error = str(exc.response.get("error", ""))
    if error in permanent:
        dropped(deps, job_id, now, reason=f"slack: {error}")
        return
    wait = retry_after(exc) or fallback
    with deps.session_factory.begin() as session:
        claims.release(
            session=session, model=Job, row_id=job_id, owner=deps.worker_id, retry_at=now + wait, error=error
        )
