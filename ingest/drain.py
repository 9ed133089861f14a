"""Working through the inbox: claim due events in batches and run each through its processor."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy import Row
from sqlalchemy.orm import Session

from bot.deps import Deps
from ingest.known import KnownCache
from ingest.runner import Outcome, Processor, run_event
from store import inbox
from telemetry.instruments import instruments
from telemetry.log_context import about

# Small batches: the claim runs in the writer's transaction, which acknowledgements wait for.
BATCH = 25

Claim = Callable[..., list[Row[Any]]]


def never() -> bool:
    """A stop signal that never comes."""
    return False


def drain_inbox(
    deps: Deps,
    processors: Mapping[str, Processor],
    *,
    batch: int = BATCH,
    limit: int | None = None,
    known: KnownCache | None = None,
    claim: Claim = inbox.claim_unprocessed,
    until: float | None = None,
    stop: Callable[[], bool] = never,
) -> Counter[Outcome]:
    """Process the events due now (new, retried or abandoned), each once, at most `limit` of them.

    Several workers can drain at once: each claims its own rows, and never more than it will
    process now. An event that fails is given a later due time, and one drain never takes the
    same row twice, so a failing Slack cannot turn this into a hot loop. The drain ends at the
    first event after `until` (a `time.monotonic()` instant) or after `stop()` says so; the
    events it claimed and did not start are given back at once, not left to their lease.
    """
    outcomes: Counter[Outcome] = Counter()
    seen: set[int] = set()
    known = known if known is not None else KnownCache()
    while limit is None or len(seen) < limit:
        if _over(until, stop):
            return outcomes
        size = batch if limit is None else min(batch, limit - len(seen))
        with deps.session_factory.begin() as session:
            rows = claim(session=session, now=deps.clock.now(), owner=deps.worker_id, limit=size)
        fresh = [row for row in rows if row.id not in seen]
        if not fresh:
            return outcomes
        for index, row in enumerate(fresh):
            if _over(until, stop):
                _give_back(deps, [left.id for left in fresh[index:]])
                return outcomes
            seen.add(row.id)
            with about(team_id=row.team_id, event_id=row.event_id):
                outcome = run_event(
                    deps=deps,
                    processors=processors,
                    row_id=row.id,
                    body=row.body,
                    owner=deps.worker_id,
                    attempts=row.attempts,
                    known=known,
                )
            outcomes[outcome] += 1
            instruments().events_processed.labels(outcome=outcome.value).inc()
    return outcomes


def _over(until: float | None, stop: Callable[[], bool]) -> bool:
    return (until is not None and time.monotonic() >= until) or stop()


def _give_back(deps: Deps, row_ids: list[int]) -> None:
    session: Session
    with deps.session_factory.begin() as session:
        inbox.release_unstarted(session=session, row_ids=row_ids, owner=deps.worker_id)
