"""Uninstalls: `app_uninstalled` and `tokens_revoked` purge the workspace at once, its decision log later.

Everything of the workspace goes at once (traffic, pings, catch-ups, settings, people, channels,
jobs, the installation and its tokens). The decision log waits HANDOFF_UNINSTALL_GRACE_DAYS, so
that an admin who reinstalls, or exports it with `handoff export decisions`, loses nothing; a
claimed `purge_decision_log` job then deletes it and the workspace's last row, unless Handoff was
installed again in the meantime.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from slack_sdk.errors import SlackApiError
from sqlalchemy import Row, func, select

from bot.deps import Deps
from bot.slack_failures import SLACK_CALL_ERRORS
from decisions import job_results as results
from ingest.runner import EventContext
from store import claims, jobs, purge, teams
from store.models import Decision, Job, Team

logger = logging.getLogger(__name__)

PURGE_KIND = "purge_decision_log"
LEASE = timedelta(minutes=10)
# What Slack answers for a workspace Handoff is not installed in.
NOT_INSTALLED = frozenset({"not_authed", "invalid_auth", "token_revoked", "account_inactive", "team_not_found"})


def on_app_uninstalled(context: EventContext) -> None:
    """Handoff was uninstalled from a workspace (or, installed org-wide, from an organization)."""
    _purge(context, why="app_uninstalled")


def on_tokens_revoked(context: EventContext) -> None:
    """Tokens were revoked: the bot's means Handoff can no longer act there, as after an uninstall."""
    revoked: dict[str, Any] = context.event.get("tokens") or {}
    if not revoked.get("bot"):
        # Only people's own tokens: Handoff holds none of those, so nothing is lost.
        return
    _purge(context, why="tokens_revoked")


def _purge(context: EventContext, *, why: str) -> None:
    envelope, deps, now = context.envelope, context.deps, context.now
    org_wide = envelope.is_enterprise_install and envelope.enterprise_id is not None
    grace = timedelta(days=deps.settings.handoff_uninstall_grace_days)
    with context.unit_of_work() as session:
        team_ids = {envelope.team_id}
        if org_wide and envelope.enterprise_id:
            # The org-wide installation goes, and with it only the workspaces it served: one that
            # installed Handoff itself (the org's, or a partner's in a shared channel) keeps it.
            team_ids = set(teams.in_org(session=session, enterprise_id=envelope.enterprise_id))
            if not teams.has_own_installation(session=session, team_id=envelope.team_id):
                team_ids.add(envelope.team_id)
        counts = purge.purge_workspaces(
            session=session, team_ids=team_ids, enterprise_id=envelope.enterprise_id, org_wide=org_wide
        )
        for team_id in sorted(team_ids):
            since = teams.mark_uninstalled(session=session, team_id=team_id, now=now)
            jobs.schedule(
                session=session,
                kind=PURGE_KIND,
                team_id=team_id,
                key=since.isoformat(),
                due_at=since + grace,
                now=now,
            )
        decisions = session.scalar(select(func.count()).select_from(Decision).where(Decision.team_id.in_(team_ids)))
    logger.info(
        "Handoff was uninstalled from %s (%s): purged %s; the decision log (%d decisions) is kept until %s "
        "unless Handoff is installed again",
        ", ".join(sorted(team_ids)),
        why,
        _describe(counts),
        decisions or 0,
        (now + grace).date().isoformat(),
    )


def purge_due(deps: Deps, now: datetime, *, limit: int = 20) -> int:
    """Delete the decision logs whose grace period is over; returns how many workspaces were purged."""
    with deps.session_factory.begin() as session:
        due = jobs.claim(session=session, kinds=[PURGE_KIND], now=now, owner=deps.worker_id, lease=LEASE, limit=limit)
    return sum(_purge_log(deps, job, now) for job in due)


def _purge_log(deps: Deps, job: Row[Any], now: datetime) -> int:
    team_id = str(job.team_id)
    with deps.read_session_factory() as session:
        uninstalled_at = session.scalar(select(Team.uninstalled_at).where(Team.team_id == team_id))
    if uninstalled_at is None or uninstalled_at.isoformat() != job.key:
        results.done(deps, int(job.id), now)  # installed again since (or uninstalled anew: that has its own job)
        return 0
    try:
        installed = _installed(deps, team_id)
    except SLACK_CALL_ERRORS as exc:
        results.slack_failed(
            deps, int(job.id), now, exc, permanent=frozenset(), attempts=int(job.attempts), what="decision log purge"
        )
        return 0
    if installed:
        # Reinstalled without the install flow noticing (single-workspace mode, a new SLACK_BOT_TOKEN).
        with deps.session_factory.begin() as session:
            teams.mark_installed(session=session, team_id=team_id, enterprise_id=None, name=None, now=now)
        results.done(deps, int(job.id), now)
        logger.info("workspace %s has Handoff again: its decision log is kept", team_id)
        return 0
    with deps.session_factory.begin() as session:
        if not claims.complete(session=session, model=Job, row_id=int(job.id), owner=deps.worker_id, now=now):
            return 0  # our lease ran out and another worker took the job over
        # Everything left, this job included: the decision log, the workspace's row, its jobs.
        counts = purge.purge_workspaces(session=session, team_ids=[team_id], keep=())
    logger.info("grace period over for %s, uninstalled %s: purged %s", team_id, job.key, _describe(counts))
    return 1


def _installed(deps: Deps, team_id: str) -> bool:
    """Whether Handoff can act in the workspace again (asked of Slack, with that workspace's client)."""
    try:
        answer = deps.slack.for_team(team_id).auth_test()
    except SlackApiError as exc:
        if str(exc.response.get("error", "")) in NOT_INSTALLED:
            return False
        raise
    return answer.get("team_id") == team_id


def _describe(counts: dict[str, int]) -> str:
    return ", ".join(f"{name}={count}" for name, count in sorted(counts.items())) or "nothing"
