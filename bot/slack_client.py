"""The Slack Web API clients, built once at start-up and pointed at SLACK_API_URL."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Protocol
from urllib.error import URLError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler
from slack_sdk.http_retry.builtin_interval_calculators import FixedValueRetryIntervalCalculator
from slack_sdk.web import SlackResponse

from bot.settings import Settings
from telemetry.instruments import instruments

if TYPE_CHECKING:
    from store.installations import HandoffInstallationStore

logger = logging.getLogger(__name__)


class SlackClients(Protocol):
    """Gives the Web API client that acts for a workspace."""

    def for_team(self, team_id: str | None, enterprise_id: str | None = None) -> WebClient: ...


class SingleWorkspaceClients:
    """Single-workspace mode: one bot token (SLACK_BOT_TOKEN) for every call."""

    def __init__(self, client: WebClient) -> None:
        self.client = client

    def for_team(self, team_id: str | None, enterprise_id: str | None = None) -> WebClient:
        return self.client


class InstallationClients:
    """OAuth mode: each workspace's own bot token, read from the installation store on every call.

    Read each time rather than cached, so a token the tick has just rotated (or an uninstall)
    counts at once in every process.
    """

    def __init__(self, *, store: HandoffInstallationStore, settings: Settings) -> None:
        self.store = store
        self.settings = settings

    def for_team(self, team_id: str | None, enterprise_id: str | None = None) -> WebClient:
        bot = self.store.bot_for_team(team_id=team_id, enterprise_id=enterprise_id) if team_id else None
        if bot is None:
            # Calls then fail with Slack's not_authed, which every caller already treats as a lost workspace.
            logger.warning("no installation of Handoff for workspace %s (org %s)", team_id, enterprise_id)
            return api_client(self.settings, None)
        return api_client(self.settings, bot.bot_token)


class CountedWebClient(WebClient):
    """A WebClient that counts each call by method and outcome (Slack's error code, http_429, or the exception)."""

    def api_call(self, api_method: str, **kwargs: Any) -> SlackResponse:
        try:
            response = super().api_call(api_method, **kwargs)
        except SlackApiError as exc:
            status = exc.response.status_code if exc.response is not None else 0
            error = str(exc.response.get("error", "")) if exc.response is not None else ""
            outcome = "http_429" if status == 429 else (error or f"http_{status}")
            instruments().slack_calls.labels(method=api_method, outcome=outcome).inc()
            raise
        except Exception as exc:
            instruments().slack_calls.labels(method=api_method, outcome=type(exc).__name__).inc()
            raise
        instruments().slack_calls.labels(method=api_method, outcome="ok").inc()
        return response


def counted_copy(client: WebClient) -> CountedWebClient:
    """The same client (token, URL, team, retry handlers), counting its calls: for Bolt's per-request client."""
    copy = CountedWebClient(
        token=client.token,
        base_url=client.base_url,
        timeout=client.timeout,
        ssl=client.ssl,
        proxy=client.proxy,
        headers=dict(client.headers),
        logger=client.logger,
        retry_handlers=client.retry_handlers,
    )
    copy.default_params = dict(client.default_params)
    return copy


def build_web_client(settings: Settings, token: str | None = None) -> WebClient:
    """A WebClient on SLACK_API_URL with `token`, or SLACK_BOT_TOKEN when none is given."""
    return api_client(settings, token if token is not None else settings.slack_bot_token)


def api_client(settings: Settings, token: str | None) -> WebClient:
    """A WebClient on SLACK_API_URL with exactly this token (None: no token, as OAuth calls want).

    Only a connection that failed before the request went out (refused, reset while connecting) is
    retried here, once and at once. A connection dropped after the request was sent is not: Slack
    may have posted the message, and posting it again at once would be a duplicate; the caller's
    retry looks in the conversation first. Rate limits, server errors and timeouts
    (HANDOFF_SLACK_TIMEOUT_SECONDS) are not slept on inside the client either: the caller re-queues
    the work with a due time (see `decisions.job_results`), so a 429 storm never pins a thread.
    """
    return CountedWebClient(
        token=token,
        base_url=settings.slack_api_url,
        timeout=settings.handoff_slack_timeout_seconds,
        retry_handlers=[
            ConnectionErrorRetryHandler(
                max_retry_count=1,
                interval_calculator=FixedValueRetryIntervalCalculator(fixed_internal=0.0),
                # urllib wraps failures while connecting or sending in URLError; a reset or a hang-up
                # while waiting for the answer (ConnectionResetError, RemoteDisconnected) is left out.
                error_types=[URLError],
            )
        ],
    )


def retry_after(exc: SlackApiError) -> timedelta | None:
    """How long Slack asked us to wait (HTTP 429's Retry-After, at least a second); None if not rate-limited."""
    if exc.response is None or exc.response.status_code != 429:
        return None
    raw = exc.response.headers.get("Retry-After") or exc.response.headers.get("retry-after")
    try:
        seconds = int(raw[0] if isinstance(raw, list) else raw)
    except (TypeError, ValueError):
        seconds = 60
    return timedelta(seconds=max(seconds, 1))
