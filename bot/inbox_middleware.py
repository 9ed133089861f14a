"""Bolt middleware that makes an acknowledged event durable before the acknowledgement."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import BoltRequest, BoltResponse
from sqlalchemy.exc import SQLAlchemyError

from bot.deps import Deps
from ingest.envelope import MalformedEnvelope, parse_envelope
from store import inbox

logger = logging.getLogger(__name__)


def inbox_middleware(deps: Deps) -> Callable[..., Any]:
    """Write each Events API delivery to the inbox, keyed by event_id, before Bolt acks it.

    A redelivery (Slack retries with X-Slack-Retry-Num when an ack was slow or lost, or a
    second replica received it) finds the key taken and is acknowledged without running again.
    When the database is down the event is refused with a 503, so Slack delivers it again later
    instead of it being acknowledged and lost.
    """

    def middleware(
        request: BoltRequest, body: dict[str, Any], context: dict[str, Any], next: Callable[[], BoltResponse]
    ) -> Any:
        context["deps"] = deps
        if body.get("type") != "event_callback":
            return next()
        try:
            envelope = parse_envelope(body)
        except MalformedEnvelope as exc:
            logger.warning("refusing malformed event: %s", exc)
            return BoltResponse(status=400, body="malformed event_callback")
        try:
            with deps.session_factory.begin() as session:
                row_id = inbox.record_event(
                    session=session,
                    event_id=envelope.event_id,
                    team_id=envelope.team_id,
                    event_type=envelope.event_type,
                    body=request.raw_body or json.dumps(body, separators=(",", ":")),
                    now=deps.clock.now(),
                    owner=deps.worker_id,
                )
        except SQLAlchemyError:
            logger.exception("could not store event %s; asking Slack to retry", envelope.event_id)
            return BoltResponse(status=503, body="temporarily unavailable")
        if row_id is None:
            logger.info("duplicate delivery of %s acknowledged", envelope.event_id)
            return BoltResponse(status=200, body="")
        context["inbox_row_id"] = row_id
        return next()

    return middleware
