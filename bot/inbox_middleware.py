"""Bolt's global middleware: context for listeners, and events made durable before their ack."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Collection
from typing import Any

from slack_bolt import BoltRequest, BoltResponse
from slack_bolt.middleware import Middleware

from bot.inbox_writer import InboxUnavailable, InboxWriter
from ingest.envelope import MalformedEnvelope, NoWorkspace, parse_envelope
from store.inbox import Delivery

logger = logging.getLogger(__name__)


class InboxMiddleware(Middleware):
    """Puts Handoff's collaborators in the context, and stores each handled event before acking it.

    Events are written to the inbox, keyed by event_id, and acknowledged at once; the event
    worker (`bot.event_worker`) processes them after the ack, so slow work never delays it. A
    redelivery (Slack retries with X-Slack-Retry-Num when an ack was slow or lost, or another
    replica got it) finds the key taken and is acknowledged without being stored again. When the
    database is down the event is refused with a 503, so Slack delivers it again later instead of
    it being acknowledged and lost.

    A `Middleware` subclass rather than a decorated function: Bolt calls it directly, without
    inspecting its signature on every request, which matters on the acknowledgement's path.
    """

    def __init__(self, *, context: dict[str, Any], handled: Collection[str], writer: InboxWriter) -> None:
        self.context = context
        self.handled = handled
        self.writer = writer

    def process(self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]) -> BoltResponse | None:
        req.context.update(self.context)
        body = req.body
        if body.get("type") != "event_callback":
            return next()
        try:
            envelope = parse_envelope(body)
        except NoWorkspace:
            # Like an event for a workspace that has not installed Handoff: acknowledged and dropped.
            # Refusing it would only make Slack send it again.
            logger.warning("dropping event %s: it names no workspace (no team_id)", str(body.get("event_id"))[:64])
            return BoltResponse(status=200, body="")
        except MalformedEnvelope as exc:
            logger.warning("refusing malformed event: %s", exc)
            return BoltResponse(status=400, body="malformed event_callback")
        if envelope.event_type not in self.handled:
            logger.debug("acknowledging %s, which Handoff does not handle", envelope.event_type)
            return BoltResponse(status=200, body="")
        delivery = Delivery(
            event_id=envelope.event_id,
            team_id=envelope.team_id,
            event_type=envelope.event_type,
            body=req.raw_body or json.dumps(body, separators=(",", ":")),
        )
        try:
            new = self.writer.record(delivery)
        except InboxUnavailable:
            logger.warning("could not store event %s; asking Slack to retry", envelope.event_id)
            return BoltResponse(status=503, body="temporarily unavailable")
        if not new:
            logger.info("duplicate delivery of %s acknowledged", envelope.event_id)
        return BoltResponse(status=200, body="")
