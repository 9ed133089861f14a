"""Recording how a job that calls Slack went, the same way for every kind of job.

Done; or Slack failed and the job is tried again later (Retry-After, else backoff, spread); or
Slack refuses the workspace's token and the job waits with its workspace; or the job can never
succeed (the person is gone, or the tries ran out) and is kept with its error, after
`on_give_up` has done what the kind of job owes its people (in the same transaction).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Row
from sqlalchemy.orm import Session

from bot.deps import Deps
from bot.retries import MAX_ATTEMPTS, WorkspaceWaits, exhausted, spread, wait_before_retry
from bot.slack_failures import PERMANENT, RATE_LIMITED, SLACK_CALL_ERRORS, WORKSPACE, SlackFailure, classify
from bot.slack_history import metadata, tagged
from store import claims, jobs, teams
from store.models import Job

logger = logging.getLogger(__name__)

RETRY, GAVE_UP, PAUSED = "retry", "gave_up", "paused"

# Runs inside the give-up's transaction, with the reason kept on the job.
GiveUp = Callable[[Session, str], None]
# Does one claimed job (at `now`, minding the run's workspace waits); returns what it counts.
Each = Callable[[Deps, Row[Any], datetime, WorkspaceWaits], int]


def run_claimed(deps: Deps, *, kind: str, lease: timedelta, limit: int, each: Each, now: datetime | None = None) -> int:
    """Lease up to `limit` due jobs of `kind` (none of a paused workspace) and do each in turn; returns the
    sum of what `each` counted. One WorkspaceWaits for the run: once Slack tells a workspace to wait,
    that workspace's other jobs are given back untried instead of each calling Slack to hear it again.
    `now`: the run's instant (default: the clock's)."""
    now = now if now is not None else deps.clock.now()
    with deps.session_factory.begin() as session:
        due = jobs.claim(
            session=session,
            kinds=[kind],
            now=now,
            owner=deps.worker_id,
            lease=lease,
            limit=limit,
            reachable_only=True,
        )
    waits = WorkspaceWaits()
    return sum(each(deps, job, now, waits) for job in due)


def dm_once(
    deps: Deps,
    job: Row[Any],
    now: datetime,
    waits: WorkspaceWaits,
    *,
    user_id: str,
    text: str,
    metadata_type: str,
    permanent: frozenset[str],
    what: str,
    blocks: list[dict[str, Any]] | None = None,
    tags: dict[str, Any] | None = None,
) -> int:
    """Post the job's DM to `user_id` once and record how it went; 1 when it is in Slack.

    The message is tagged with the job's id (and `tags`): a job taken over from a worker that may
    have posted before dying reads the DM first, and records what it finds instead of posting again.
    """
    job_id, team_id, attempts = int(job.id), str(job.team_id), int(job.attempts)
    if (until := waits.waiting(team_id, now)) is not None:
        wait_with_workspace(deps, job_id, now, until=until)
        return 0
    client = deps.slack.for_team(team_id)
    try:
        channel = str(client.conversations_open(users=user_id)["channel"]["id"])
        if attempts > 1 and any(
            tag.get("job") == job_id for tag, _ in tagged(client, channel, event_type=metadata_type)
        ):
            done(deps, job_id, now)
            return 1
        if not still_ours(deps, job_id, now, what=what):
            return 0
        client.chat_postMessage(
            channel=channel, text=text, blocks=blocks, metadata=metadata(metadata_type, job=job_id, **(tags or {}))
        )
    except SLACK_CALL_ERRORS as exc:
        slack_failed(
            deps, job_id, now, exc, permanent=permanent, attempts=attempts, what=what, team_id=team_id, waits=waits
        )
        return 0
    done(deps, job_id, now)
    return 1


def still_ours(deps: Deps, job_id: int, now: datetime, *, what: str) -> bool:
    """Just before posting for a claimed job: whether this worker still holds it (its lease then extended).

    The work since the claim (composing with a slow model, say) may have outlived the lease, and
    another worker may have taken the job over and posted: then this one posts nothing.
    """
    # The clock, not only the run's instant: composing takes time, and that is what the lease bounds.
    at = max(now, deps.clock.now())
    with deps.session_factory.begin() as session:
        ours = claims.fence(session=session, model=Job, row_id=job_id, owner=deps.worker_id, now=at)
    if not ours:
        logger.info("%s (job %s) not sent here: its lease ran out first, so another worker sends it", what, job_id)
    return ours


def done(deps: Deps, job_id: int, now: datetime) -> None:
    """The job did its work."""
    with deps.session_factory.begin() as session:
        claims.complete(session=session, model=Job, row_id=job_id, owner=deps.worker_id, now=now)


def dropped(deps: Deps, job_id: int, now: datetime, *, reason: str) -> None:
    """The job cannot or need not run again; kept with the reason for operators."""
    with deps.session_factory.begin() as session:
        claims.give_up(session=session, model=Job, row_id=job_id, owner=deps.worker_id, now=now, error=reason)


def slack_failed(
    deps: Deps,
    job_id: int,
    now: datetime,
    exc: Exception,
    *,
    permanent: frozenset[str],
    attempts: int,
    what: str,
    team_id: str | None = None,
    on_give_up: GiveUp | None = None,
    waits: WorkspaceWaits | None = None,
) -> str:
    """A Slack call of the job failed: retry later, pause with the workspace, or give up; returns which.

    `team_id`: the workspace whose token made the call (None: the call used no bot token, as a
    token refresh does, so a refused token is this job's own failure). `waits`: the run's record
    of workspaces told to wait, so that the run's other items for them wait without a call.
    """
    failure = classify(exc, permanent=permanent)
    if failure.kind == WORKSPACE and team_id is not None:
        _pause(deps, job_id, now, failure, team_id=team_id, what=what)
        if waits is not None:
            waits.pause(team_id)
        return PAUSED
    if failure.kind in (PERMANENT, WORKSPACE) or exhausted(attempts):
        why = f"slack: {failure.error}"
        if failure.kind not in (PERMANENT, WORKSPACE):
            why = f"gave up after {attempts} attempts: {why}"
        with deps.session_factory.begin() as session:
            ours = claims.give_up(session=session, model=Job, row_id=job_id, owner=deps.worker_id, now=now, error=why)
            if ours and on_give_up is not None:
                on_give_up(session, why)
        logger.error("%s failed for good (job %s): %s", what, job_id, why)
        return GAVE_UP
    retry_at = now + wait_before_retry(attempts=attempts, retry_after=failure.retry_after, key=job_id)
    if failure.kind == RATE_LIMITED and team_id is not None and waits is not None:
        assert failure.retry_after is not None
        waits.note(team_id, now + failure.retry_after)
    _release(deps, job_id, now, retry_at=retry_at, error=f"slack: {failure.error}")
    logger.warning(
        "%s waits (job %s): Slack says %s; attempt %d of %d, next at %s",
        what,
        job_id,
        failure.error,
        attempts,
        MAX_ATTEMPTS,
        retry_at.isoformat(),
    )
    return RETRY


def wait_with_workspace(deps: Deps, job_id: int, now: datetime, *, until: datetime) -> None:
    """Slack told this job's workspace to wait (or refused its token), in this run: give the job back untried,
    due after the wait (a paused workspace's jobs stay due, and are claimed again once its token works)."""
    retry_at = until + spread(until - now, key=job_id, attempts=1)
    why = "ratelimited (its workspace was told to wait)" if until > now else "its workspace is paused (token refused)"
    _release(deps, job_id, now, retry_at=retry_at, error=f"slack: {why}", tried=False)


def _release(deps: Deps, job_id: int, now: datetime, *, retry_at: datetime, error: str, tried: bool = True) -> None:
    """Give the job back, due again at `retry_at`, with why (`tried`: whether this counts as an attempt)."""
    with deps.session_factory.begin() as session:
        claims.release(
            session=session,
            model=Job,
            row_id=job_id,
            owner=deps.worker_id,
            retry_at=retry_at,
            error=error,
            now=now,
            tried=tried,
        )


def _pause(deps: Deps, job_id: int, now: datetime, failure: SlackFailure, *, team_id: str, what: str) -> None:
    with deps.session_factory.begin() as session:
        newly = teams.pause_sending(session=session, team_id=team_id, error=failure.error, now=now)
        # Untried as far as its own tries go, and due at once when the workspace works again.
        claims.release(
            session=session,
            model=Job,
            row_id=job_id,
            owner=deps.worker_id,
            retry_at=now,
            error=f"slack: {failure.error} (workspace paused)",
            now=now,
            tried=False,
        )
    if newly:
        logger.error(
            "Slack refuses Handoff's token for workspace %s (%s, on %s): nothing more goes out there until it "
            "works again (reinstall Handoff, or fix SLACK_BOT_TOKEN); what is due waits and nothing is dropped",
            team_id,
            failure.error,
            what,
        )
