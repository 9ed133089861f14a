"""Starting Handoff: the long-running service and the one-shot tick."""

from __future__ import annotations

import logging
from datetime import datetime

from bot.app import create_app
from bot.clock import FixedClock
from bot.migrate import pending_revision
from bot.runtime import build_deps
from bot.scheduler import build_scheduler
from bot.settings import ConfigError, Settings
from bot.tick import TickReport, run_tick

logger = logging.getLogger(__name__)

SHUTDOWN_DRAIN_SECONDS = 10


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
    try:
        handoff = create_app(deps)
        return run_tick(deps, handoff.processors)
    finally:
        deps.engine.dispose()


def serve(settings: Settings, *, host: str, port: int, socket_mode: bool, run_tick_job: bool) -> int:
    """Serve Slack until stopped, ticking every minute."""
    _check_schema(settings.database_url)
    deps = build_deps(settings)
    handoff = create_app(deps)
    scheduler = build_scheduler(lambda: run_tick(deps, handoff.processors)) if run_tick_job else None
    if socket_mode:
        from slack_bolt.adapter.socket_mode import SocketModeHandler

        if scheduler is not None:
            scheduler.start()
        try:
            SocketModeHandler(handoff.bolt, settings.slack_app_token).start()  # type: ignore[no-untyped-call]
        finally:
            if scheduler is not None:
                scheduler.shutdown(wait=False)
        return 0

    import uvicorn

    from bot.server import SlackASGI

    def on_shutdown() -> None:
        if scheduler is not None:
            scheduler.shutdown(wait=False)
        # Let acknowledged events finish; whatever is cut off is replayed from the inbox.
        handoff.executor.drain(timeout=SHUTDOWN_DRAIN_SECONDS)

    asgi = SlackASGI(
        app=handoff.bolt,
        engine=deps.engine,
        on_startup=scheduler.start if scheduler is not None else None,
        on_shutdown=on_shutdown,
    )
    logger.info("Handoff listening on http://%s:%d/slack/events (worker %s)", host, port, deps.worker_id)
    uvicorn.run(asgi, host=host, port=port, log_level="warning", access_log=False, lifespan="on")
    return 0
