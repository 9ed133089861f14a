"""Starting Handoff: the long-running service and the one-shot tick."""

from __future__ import annotations

import logging
import threading
from datetime import datetime

from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse

from bot.app import create_app
from bot.checkpointer import Checkpointer
from bot.clock import FixedClock, SystemClock
from bot.db import build_engine, build_read_session_factory, wal_size
from bot.deps import Deps
from bot.event_worker import EventWorker
from bot.metrics_route import exposition_for
from bot.migrate import pending_revision
from bot.request_gate import gate_for
from bot.runtime import build_deps
from bot.scheduler import build_scheduler
from bot.settings import HINTS, ConfigError, Settings
from bot.slack_failures import SLACK_CALL_ERRORS, TOKEN_DEAD
from bot.tick import TickReport, run_tick
from store.status import Status, read_status

logger = logging.getLogger(__name__)

# Slack retries what is not acknowledged within 3 s: a request still running after this long
# is not answered in time anyway. With the listeners' drain and the worker's stop, the whole
# shutdown stays within 10 s.
SHUTDOWN_REQUESTS_SECONDS = 3
SHUTDOWN_DRAIN_SECONDS = 3


def _check_schema(database_url: str) -> None:
    pending = pending_revision(database_url)
    if pending is not None:
        raise ConfigError(
            f"DATABASE_URL has no up-to-date Handoff schema (missing {pending}): run `handoff migrate` first."
        )


def tick_once(settings: Settings, *, now: datetime | None) -> TickReport:
    """Run the tick once at `now` (default: the wall clock) and return what it did."""
    _check_schema(settings.database_url)
    deps = build_deps(settings, clock=FixedClock(now) if now is not None else None)
    handoff = create_app(deps)
    try:
        return run_tick(deps, handoff.processors, log_summary=False)
    finally:
        handoff.close()
        deps.engine.dispose()


def status_once(settings: Settings, *, now: datetime | None, failures: int) -> Status:
    """What `handoff status` shows, read at `now` (default: the wall clock)."""
    _check_schema(settings.database_url)
    engine = build_engine(settings.database_url, pool_size=1)
    try:
        with build_read_session_factory(engine)() as session:
            status = read_status(session=session, now=now or SystemClock().now(), failures=failures)
        status.wal_bytes = wal_size(engine)
        return status
    finally:
        engine.dispose()


def check_bot_token(deps: Deps) -> SlackResponse | None:
    """Single-workspace mode: ask Slack once (auth.test) whether SLACK_BOT_TOKEN works.

    A token Slack refuses stops the start (ConfigError, exit 2): nothing could go out. Slack
    unreachable, slow or failing is only a warning: Slack can be down while you deploy, and
    Bolt asks again on the first request.
    """
    try:
        return deps.slack.for_team(None).auth_test()
    except SlackApiError as exc:
        error = str(exc.response.get("error", "")) if exc.response is not None else ""
        if error in TOKEN_DEAD:
            raise ConfigError(
                f"SLACK_BOT_TOKEN is refused by Slack ({error}): set it to {HINTS['SLACK_BOT_TOKEN']}; "
                "if the app was removed from the workspace, install it again for a new one."
            ) from None
        reason = error or str(exc)
    except SLACK_CALL_ERRORS as exc:
        reason = f"{type(exc).__name__}: {exc}"
    logger.warning(
        "could not check SLACK_BOT_TOKEN with Slack at %s (%s); starting anyway, it is checked again on the "
        "first request",
        deps.settings.slack_api_url,
        reason,
    )
    return None


def serve(settings: Settings, *, host: str, port: int, socket_mode: bool, run_tick_job: bool) -> int:
    """Serve Slack until stopped: the HTTP front (or Socket Mode), the event worker, the minute tick."""
    _check_schema(settings.database_url)
    deps = build_deps(settings)
    try:
        auth_test = None if deps.installations is not None else check_bot_token(deps)
    except ConfigError:
        deps.engine.dispose()
        raise
    worker = EventWorker(settings, deps.worker_id)
    handoff = create_app(deps, notify_events=worker.notify, auth_test=auth_test)
    checkpointer = Checkpointer(deps.engine)
    stopping = threading.Event()

    def tick() -> None:
        worker.ensure_running()
        run_tick(deps, handoff.processors, stop=stopping.is_set)

    scheduler = build_scheduler(tick, now=deps.clock.now()) if run_tick_job else None

    def start() -> None:
        worker.start()
        checkpointer.start()
        if scheduler is not None:
            scheduler.start()

    def stop() -> None:
        # The HTTP front has stopped accepting and answered its in-flight requests by now. A
        # running tick ends at its next event or task and gives back what it claimed; the
        # worker the same. What is left is processed after the restart: it is in the inbox.
        stopping.set()
        worker.request_stop()
        if scheduler is not None:
            scheduler.shutdown(wait=False)
        # In-flight listeners (commands, interactivity) finish; stored events are the worker's.
        handoff.executor.drain(timeout=SHUTDOWN_DRAIN_SECONDS)
        worker.stop()
        checkpointer.stop()
        handoff.close()
        deps.engine.dispose()

    if socket_mode:
        from slack_bolt.adapter.socket_mode import SocketModeHandler

        start()
        try:
            SocketModeHandler(handoff.bolt, settings.slack_app_token).start()  # type: ignore[no-untyped-call]
        finally:
            stop()
        return 0

    import uvicorn

    from bot.server import SlackASGI

    asgi = SlackASGI(
        app=handoff.bolt,
        engine=deps.engine,
        gate=gate_for(deps),
        on_startup=start,
        on_shutdown=stop,
        metrics=exposition_for(deps.engine, deps.clock),
    )
    logger.info("Handoff listening on http://%s:%d/slack/events (worker %s)", host, port, deps.worker_id)
    if handoff.bolt.oauth_flow is not None:
        logger.info("OAuth mode: workspaces install Handoff at http://%s:%d/slack/install", host, port)
    uvicorn.run(
        asgi,
        host=host,
        port=port,
        log_level="warning",
        access_log=False,
        lifespan="on",
        timeout_graceful_shutdown=SHUTDOWN_REQUESTS_SECONDS,
    )
    return 0
