"""What reaches Bolt over HTTP: requests Slack signed, in a shape Slack sends, never the same one twice."""

from __future__ import annotations

import hashlib
import hmac
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from bot.db import urgent_write
from bot.deps import Deps
from bot.request_shapes import problem
from store import signed_requests

logger = logging.getLogger(__name__)

# Slack's rule: a request whose timestamp is more than five minutes off is refused.
MAX_SKEW_SECONDS = 5 * 60


@dataclass(frozen=True)
class Refusal:
    """Why a request is refused, and with which HTTP status (401 not Slack's, 400 not a Slack shape)."""

    status: int
    reason: str
    # A short, fixed name of the reason, for the refusal counter's label.
    code: str = "other"


@dataclass(frozen=True)
class Admitted:
    """A request that may go to Bolt: its body as text."""

    body: str


class RequestGate:
    """Checks the v0 signature on the raw bytes, the body's shape, and that a command or an
    interaction was not seen before.

    Events are not held to the last rule: each carries an event_id that the inbox keeps once,
    so a replayed event is acknowledged and changes nothing. Commands and interactions have no
    such key; their signature stands for one (signatures seen are kept in the database, so
    every replica refuses a replay, and the tick forgets them after ten minutes).
    """

    def __init__(
        self,
        *,
        signing_secret: str,
        engine: Engine,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self.secret = signing_secret.encode()
        self.engine = engine
        # Slack stamps requests with the real time; a test clock must not judge them.
        self.wall_clock = wall_clock

    def check(self, raw: bytes, headers: Mapping[str, Sequence[str]]) -> Admitted | Refusal:
        """Admit the request, or say why not."""
        stamp, signature = _first(headers, "x-slack-request-timestamp"), _first(headers, "x-slack-signature")
        if not stamp or not signature:
            return Refusal(401, "unsigned", "unsigned")
        try:
            request_ts = int(stamp)
        except ValueError:
            return Refusal(401, "the timestamp is not a number", "bad_timestamp")
        if abs(self.wall_clock() - request_ts) > MAX_SKEW_SECONDS:
            return Refusal(401, "the timestamp is more than five minutes off", "stale_timestamp")
        expected = "v0=" + hmac.new(self.secret, b"v0:" + stamp.encode() + b":" + raw, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, signature):
            return Refusal(401, "the signature does not match", "bad_signature")
        try:
            body = raw.decode("utf-8")
        except UnicodeDecodeError:
            return Refusal(400, "the body is not UTF-8", "not_utf8")
        reason = problem(body, _first(headers, "content-type") or "")
        if reason is not None:
            return Refusal(400, reason, "bad_shape")
        if not body.startswith("{") and not self._first_sight(signature, request_ts):
            return Refusal(401, "a replay of a request already handled", "replay")
        return Admitted(body)

    def _first_sight(self, signature: str, request_ts: int) -> bool:
        try:
            # On the acknowledgement's path: on SQLite it goes ahead of background writers.
            with urgent_write(self.engine) as session:
                return signed_requests.first_sight(session=session, signature=signature, request_ts=request_ts)
        except SQLAlchemyError:
            # The database is down: the command cannot be served anyway, and Bolt's own answer
            # to the user ("try again") is better than a refusal; let it through.
            logger.warning("cannot check %s for a replay", signature[:12], exc_info=True)
            return True


def gate_for(deps: Deps) -> RequestGate:
    """The gate for this process's HTTP front."""
    return RequestGate(signing_secret=deps.settings.slack_signing_secret or "", engine=deps.engine)


def _first(headers: Mapping[str, Sequence[str]], name: str) -> str | None:
    values = headers.get(name)
    if not values:
        return None
    return values if isinstance(values, str) else values[0]
