"""What a failed Slack call means for the work that made it: wait, try again later, stop for the workspace, or give up.

A Web API call fails in one of four ways that matter here. Slack may ask us to wait (HTTP 429
with Retry-After); it may fail for now (5xx, a timeout, a dropped connection, an unexpected
error: worth a few more tries); it may refuse the workspace's token (the workspace is
unreachable until it is installed again or the token is fixed: nothing of that workspace can
go out, so its work waits instead of failing item by item); or it may refuse this one item for
good (the person is gone).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from http.client import HTTPException
from urllib.error import URLError

from slack_sdk.errors import SlackApiError, SlackClientError

from bot.slack_client import retry_after

RATE_LIMITED, TRANSIENT, WORKSPACE, PERMANENT = "rate_limited", "transient", "workspace", "permanent"

# Slack answers these when the token Handoff holds for the workspace no longer works. `account_inactive`
# is about the token's owner (the bot's workspace deleted or disabled), not about a recipient.
TOKEN_DEAD = frozenset(
    {"invalid_auth", "token_revoked", "token_expired", "not_authed", "account_inactive", "team_disabled"}
)

# What a Web API call through slack-sdk's WebClient can raise: Slack's answer, or the transport's
# (a timeout is an OSError; http.client's protocol errors are not).
SLACK_CALL_ERRORS: tuple[type[Exception], ...] = (SlackClientError, OSError, HTTPException)


@dataclass(frozen=True)
class SlackFailure:
    """One failed call, classified."""

    kind: str
    error: str
    retry_after: timedelta | None = None

    @property
    def outcome_unknown(self) -> bool:
        """The call may have taken effect although we heard no answer (a timeout, a dropped connection)."""
        return self.kind == TRANSIENT and self.error.startswith(("timeout", "connection"))


def classify(exc: Exception, *, permanent: frozenset[str]) -> SlackFailure:
    """Sort a failed call (`permanent`: the errors that mean this item can never go)."""
    if isinstance(exc, SlackApiError):
        error = str(exc.response.get("error", "") if exc.response is not None else "") or "unknown_error"
        if error in permanent:
            return SlackFailure(PERMANENT, error)
        if error in TOKEN_DEAD:
            return SlackFailure(WORKSPACE, error)
        wait = retry_after(exc)
        if wait is not None:
            return SlackFailure(RATE_LIMITED, error, wait)
        status = exc.response.status_code if exc.response is not None else 0
        return SlackFailure(TRANSIENT, f"{error} (HTTP {status})" if status and status != 200 else error)
    if isinstance(exc, TimeoutError) or (isinstance(exc, URLError) and isinstance(exc.reason, TimeoutError)):
        return SlackFailure(TRANSIENT, "timeout: Slack did not answer in time")
    if isinstance(exc, OSError | HTTPException):
        return SlackFailure(TRANSIENT, f"connection: {type(exc).__name__}: {exc}"[:200])
    return SlackFailure(TRANSIENT, f"{type(exc).__name__}: {exc}"[:200])
