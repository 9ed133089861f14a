"""The HTTP front: an ASGI app served by uvicorn, with Slack's endpoint and a health check."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.oauth import OAuthFlow
from sqlalchemy import Engine

from bot.db import ping
from bot.request_gate import Refusal, RequestGate
from telemetry.instruments import instruments

logger = logging.getLogger(__name__)

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
METRICS_PATH = "/metrics"
# Slack's payloads are far smaller; anything larger is not from Slack.
MAX_BODY_BYTES = 1024 * 1024


class SlackASGI:
    """Routes `POST /slack/events` to Bolt, `GET /healthz` to a database ping and, in OAuth mode,
    `GET /slack/install` and `GET /slack/oauth_redirect` to Bolt's install flow.

    Bolt's App is synchronous, so each request is dispatched on a worker thread: a slow
    request (a command whose listener is still running) never holds up the event loop and
    the acknowledgements of other requests.
    """

    def __init__(
        self,
        *,
        app: App,
        engine: Engine,
        gate: RequestGate,
        threads: int = 16,
        on_startup: Callable[[], None] | None = None,
        on_shutdown: Callable[[], None] | None = None,
        metrics: Callable[[], tuple[bytes, str]] | None = None,
    ) -> None:
        self.app = app
        # GET /metrics: the exposition and its content type (None: no metrics route).
        self.metrics = metrics
        self.engine = engine
        self.gate = gate
        self.executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="handoff-http")
        self.on_startup = on_startup
        self.on_shutdown = on_shutdown

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        method, path = scope["method"], scope["path"]
        if path == HEALTH_PATH and method in {"GET", "HEAD"}:
            healthy = await asyncio.get_running_loop().run_in_executor(self.executor, ping, self.engine)
            status = {"status": "ok" if healthy else "database unreachable"}
            await _respond(send, 200 if healthy else 503, json.dumps(status).encode(), "application/json")
            return
        if path == METRICS_PATH and method in {"GET", "HEAD"} and self.metrics is not None:
            # The queue gauges read the database: on a worker thread, like a health check.
            page, content_type = await asyncio.get_running_loop().run_in_executor(self.executor, self.metrics)
            await _respond(send, 200, page, content_type)
            return
        flow = self.app.oauth_flow
        if flow is not None and path in {flow.install_path, flow.redirect_uri_path}:
            await self._install(scope, send, flow)
            return
        if path != EVENTS_PATH:
            await _respond(send, 404, b"Not Found")
            return
        if method != "POST":
            await _respond(send, 405, b"Method Not Allowed", extra_headers=[(b"allow", b"POST")])
            return
        started = time.perf_counter()
        body = await _read_body(receive, MAX_BODY_BYTES)
        if body is None:
            instruments().events_refused.labels(reason="too_large").inc()
            await _respond(send, 413, b"Request body too large")
            return
        query = scope.get("query_string", b"").decode("latin-1")
        response: BoltResponse = await asyncio.get_running_loop().run_in_executor(
            self.executor, self._dispatch, body, query, _headers(scope)
        )
        await _send_bolt(send, response)
        if response.status < 300:
            instruments().events_acknowledged.inc()
            instruments().ack_seconds.observe(time.perf_counter() - started)

    def _dispatch(self, body: bytes, query: str, headers: dict[str, str | Sequence[str]]) -> BoltResponse:
        """The gate first (signature, shape, replay), then Bolt; on a worker thread."""
        verdict = self.gate.check(body, headers)
        if isinstance(verdict, Refusal):
            instruments().events_refused.labels(reason=verdict.code).inc()
            logger.info("refused a request (%s): %s", verdict.status, verdict.reason)
            return BoltResponse(status=verdict.status, body=verdict.reason)
        try:
            request = BoltRequest(body=verdict.body, query=query, headers=headers)
        except (TypeError, AttributeError, KeyError, ValueError) as exc:
            # Bolt reads ids out of the body as it builds the request, assuming Slack's types (a
            # channel that is `false`, say, makes it raise): a body it cannot read is a 400.
            instruments().events_refused.labels(reason="unreadable").inc()
            logger.info("refused a request Bolt cannot read: %r", exc)
            return BoltResponse(status=400, body="a field has a type Slack never sends")
        return self.app.dispatch(request)

    async def _install(self, scope: Scope, send: Send, flow: OAuthFlow) -> None:
        """OAuth mode: the Add to Slack page and the redirect back from Slack."""
        if scope["method"] not in {"GET", "HEAD"}:
            await _respond(send, 405, b"Method Not Allowed", extra_headers=[(b"allow", b"GET")])
            return
        # The Add to Slack page issues a state (a database write), the redirect stores the
        # installation: both on a worker thread, like Slack's requests.
        request = BoltRequest(body="", query=scope.get("query_string", b"").decode("latin-1"), headers=_headers(scope))
        handle = flow.handle_installation if scope["path"] == flow.install_path else flow.handle_callback
        response = await asyncio.get_running_loop().run_in_executor(self.executor, handle, request)
        await _send_bolt(send, response)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                if self.on_startup is not None:
                    self.on_startup()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if self.on_shutdown is not None:
                    self.on_shutdown()
                self.executor.shutdown(wait=False, cancel_futures=True)
                await send({"type": "lifespan.shutdown.complete"})
                return


def _headers(scope: Scope) -> dict[str, str | Sequence[str]]:
    headers: dict[str, list[str]] = {}
    for raw_name, raw_value in scope.get("headers", []):
        headers.setdefault(raw_name.decode("latin-1").lower(), []).append(raw_value.decode("latin-1"))
    return dict(headers)


async def _read_body(receive: Receive, limit: int) -> bytes | None:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


async def _respond(
    send: Send,
    status: int,
    body: bytes,
    content_type: str = "text/plain; charset=utf-8",
    extra_headers: list[tuple[bytes, bytes]] | None = None,
) -> None:
    await _send(send, status, body, [(b"content-type", content_type.encode()), *(extra_headers or [])])


async def _send_bolt(send: Send, response: BoltResponse) -> None:
    headers = [
        (k.encode(), v.encode())
        for k, values in response.headers.items()
        if k.lower() != "content-length"
        for v in values
    ]
    await _send(send, response.status, response.body.encode("utf-8"), headers)


async def _send(send: Send, status: int, body: bytes, headers: list[tuple[bytes, bytes]]) -> None:
    headers = [*headers, (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
