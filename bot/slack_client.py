"""The Slack Web API clients, built once at start-up and pointed at SLACK_API_URL."""

from __future__ import annotations

from datetime import timedelta
from typing import Protocol

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler
from slack_sdk.http_retry.builtin_interval_calculators import FixedValueRetryIntervalCalculator

from bot.settings import Settings

HTTP_TIMEOUT_SECONDS = 10


class SlackClients(Protocol):
    """Gives the Web API client that acts for a workspace."""

    def for_team(self, team_id: str | None, enterprise_id: str | None = None) -> WebClient: ...


class SingleWorkspaceClients:
    """Single-workspace mode: one bot token (SLACK_BOT_TOKEN) for every call."""

    def __init__(self, client: WebClient) -> None:
        self.client = client

    def for_team(self, team_id: str | None, enterprise_id: str | None = None) -> WebClient:
        return self.client


def build_web_client(settings: Settings, token: str | None = None) -> WebClient:
    """A WebClient on SLACK_API_URL.

    Only a dropped connection is retried here, once and at once. Rate limits and server errors
    are not slept on inside the client: the caller re-queues the work with a due time (see
    `store.claims.release`), so a 429 storm never pins a worker thread.
    """
    return WebClient(
        token=token if token is not None else settings.slack_bot_token,
        base_url=settings.slack_api_url,
        timeout=HTTP_TIMEOUT_SECONDS,
        retry_handlers=[
            ConnectionErrorRetryHandler(
                max_retry_count=1, interval_calculator=FixedValueRetryIntervalCalculator(fixed_internal=0.0)
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
