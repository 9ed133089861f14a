"""Workspaces whose token Slack refuses: their deliveries wait, and the tick asks Slack again every few minutes.

A delivery that meets `invalid_auth`, `token_revoked` and the like marks its workspace (see
`decisions.job_results`); from then on no job of that workspace is claimed, so nothing is failed
item by item and no tick spins on a dead token. Every RECHECK the tick calls auth.test with the
workspace's current token (in OAuth mode, read afresh from the installation store): once Slack
takes it again — the operator fixed SLACK_BOT_TOKEN, an admin reinstalled, a refresh succeeded —
everything that waited is due at once. A reinstall through the OAuth flow resumes it straight away.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from slack_sdk.errors import SlackApiError

from bot.deps import Deps
from bot.slack_failures import SLACK_CALL_ERRORS
from store import teams

logger = logging.getLogger(__name__)

RECHECK = timedelta(minutes=5)


def recheck_due(deps: Deps, now: datetime) -> int:
    """Ask Slack again about each paused workspace not asked for RECHECK; returns how many work again."""
    with deps.read_session_factory() as session:
        paused = [
            (team.team_id, team.token_error)
            for team in teams.paused(session=session)
            if team.token_checked_at is None or team.token_checked_at <= now - RECHECK
        ]
    resumed = 0
    for team_id, error in paused:
        try:
            deps.slack.for_team(team_id).auth_test()
        except SLACK_CALL_ERRORS as exc:
            still = exc.response.get("error") if isinstance(exc, SlackApiError) else type(exc).__name__
            logger.warning(
                "Slack still refuses Handoff's token for workspace %s (%s): its deliveries wait", team_id, still
            )
            with deps.session_factory.begin() as session:
                teams.checked(session=session, team_id=team_id, now=now)
            continue
        with deps.session_factory.begin() as session:
            if teams.resume_sending(session=session, team_id=team_id):
                resumed += 1
        logger.info(
            "Slack takes Handoff's token for workspace %s again (it said %s): what waited goes now", team_id, error
        )
    return resumed
