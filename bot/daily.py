"""Work done once a day for every workspace at once (retention, planning the weekly reports).

The day's run is a job keyed by its kind and UTC date, so however many replicas tick, one of them
claims it; the work commits in the same transaction that marks the job done, so a worker whose
lease ran out (another took the job over) changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time, timedelta
from typing import TypeVar

from sqlalchemy.orm import Session

from bot.deps import Deps
from store import claims, jobs
from store.models import Job

# Daily jobs cover every workspace; they carry this in place of a team id.
ALL_TEAMS = "*"

T = TypeVar("T")


def once_today(deps: Deps, *, kind: str, now: datetime, lease: timedelta, work: Callable[[Session], T]) -> list[T]:
    """Run `work` for today's `kind` job unless another worker did; returns what it returned (empty: not ours)."""
    today = now.date()
    with deps.session_factory.begin() as session:
        jobs.schedule(
            session=session,
            kind=kind,
            team_id=ALL_TEAMS,
            key=today.isoformat(),
            due_at=datetime.combine(today, time(0, 0), tzinfo=now.tzinfo),
            now=now,
        )
    with deps.session_factory.begin() as session:
        due = jobs.claim(session=session, kinds=[kind], now=now, owner=deps.worker_id, lease=lease, limit=10)
    results = []
    for job in due:
        with deps.session_factory.begin() as session:
            if claims.complete(session=session, model=Job, row_id=job.id, owner=deps.worker_id, now=now):
                results.append(work(session))
    return results
