"""Token rotation (OAuth mode): the tick redeems each workspace's refresh token about three hours before expiry.

Slack's rotating bot tokens live 12 hours. Each one that will expire within three hours gets a
`token_rotation` job (one per workspace and token, so scheduling it again on every tick is
harmless), claimed like all due work: of several replicas ticking at once, exactly one redeems
the refresh token, and the new token is stored (encrypted) before the job is marked done. Bolt
itself never refreshes a token inside a request (see `bot.oauth.HandoffAuthorize`).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from slack_sdk.errors import SlackApiError
from sqlalchemy import Row

from bot.deps import Deps
from bot.slack_client import api_client
from decisions import job_results as results
from store import jobs
from store.installations import Expiring, HandoffInstallationStore

logger = logging.getLogger(__name__)

ROTATION_KIND = "token_rotation"
# How long before expiry a token is refreshed: long enough to ride out a few hours of trouble.
AHEAD = timedelta(hours=3)
LEASE = timedelta(minutes=5)
# Slack's answers that no retry can fix: the app's credentials, or a refresh token that is no longer valid.
PERMANENT = frozenset(
    {"invalid_refresh_token", "invalid_client_id", "bad_client_secret", "invalid_grant_type", "token_revoked"}
)


def schedule_due(deps: Deps, now: datetime) -> int:
    """Schedule the refresh of every token that expires within three hours; returns how many are new."""
    if deps.installations is None:
        return 0
    expiring = deps.installations.expiring(before=now + AHEAD)
    if not expiring:
        return 0
    with deps.session_factory.begin() as session:
        return sum(
            jobs.schedule(
                session=session,
                kind=ROTATION_KIND,
                team_id=token.team_id or token.enterprise_id or "",
                key=_key(token),
                due_at=token.expires_at - AHEAD,
                now=now,
                payload={
                    "team_id": token.team_id,
                    "enterprise_id": token.enterprise_id,
                    "is_enterprise_install": token.is_enterprise_install,
                    "expires_at": int(token.expires_at.timestamp()),
                },
            )
            for token in expiring
        )


def rotate_due(deps: Deps, now: datetime, *, limit: int = 50) -> int:
    """Redeem the refresh tokens whose turn has come; returns how many tokens were replaced."""
    if deps.installations is None:
        return 0
    with deps.session_factory.begin() as session:
        due = jobs.claim(
            session=session, kinds=[ROTATION_KIND], now=now, owner=deps.worker_id, lease=LEASE, limit=limit
        )
    return sum(_rotate(deps, deps.installations, job, now) for job in due)


def _key(token: Expiring) -> str:
    return f"{token.enterprise_id or '-'}:{token.team_id or '-'}:{int(token.expires_at.timestamp())}"


def _rotate(deps: Deps, store: HandoffInstallationStore, job: Row[Any], now: datetime) -> int:
    job_id, payload = int(job.id), dict(job.payload)
    installation = store.find_installation(
        enterprise_id=payload["enterprise_id"],
        team_id=payload["team_id"],
        is_enterprise_install=bool(payload["is_enterprise_install"]),
    )
    if (
        installation is None
        or installation.bot_refresh_token is None
        or installation.bot_token_expires_at != payload["expires_at"]
    ):
        # Uninstalled, installed anew, or this token was replaced already: nothing to redeem.
        results.done(deps, job_id, now)
        return 0
    settings = deps.settings
    assert settings.slack_client_id is not None and settings.slack_client_secret is not None
    try:
        answer = api_client(settings, None).oauth_v2_access(
            client_id=settings.slack_client_id,
            client_secret=settings.slack_client_secret,
            grant_type="refresh_token",
            refresh_token=installation.bot_refresh_token,
        )
    except SlackApiError as exc:
        error = str(exc.response.get("error", ""))
        if error in PERMANENT:
            logger.error(
                "cannot refresh the bot token of workspace %s (org %s): Slack says %s; it stops working at %s "
                "unless Handoff is installed again",
                installation.team_id,
                installation.enterprise_id,
                error,
                datetime.fromtimestamp(payload["expires_at"], UTC).isoformat(),
            )
        results.slack_failed(
            deps, job_id, now, exc, permanent=PERMANENT, attempts=int(job.attempts), what="token refresh"
        )
        return 0
    installation.bot_token = str(answer["access_token"])
    installation.bot_refresh_token = str(answer.get("refresh_token") or installation.bot_refresh_token)
    installation.bot_token_expires_at = int(now.timestamp()) + int(answer["expires_in"])
    # Stored before the job is done: if this process dies in between, the next claim finds the
    # token replaced (its expiry moved) and stops there.
    store.save(installation)
    results.done(deps, job_id, now)
    logger.info(
        "refreshed the bot token of workspace %s (org %s); the new one expires at %s",
        installation.team_id,
        installation.enterprise_id,
        datetime.fromtimestamp(installation.bot_token_expires_at, UTC).isoformat(),
    )
    return 1
