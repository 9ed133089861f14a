"""APScheduler fires the tick every minute in each `serve` process; the database coordinates."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger

logger = logging.getLogger(__name__)

TICK_SECONDS = 60


def build_scheduler(tick: Callable[[], object], *, now: datetime) -> BackgroundScheduler:
    """A scheduler with one job: the tick, never overlapping itself, missed runs merged into one.

    The job store stays in memory on purpose: APScheduler's docs forbid sharing one between
    processes, and every due item lives in Handoff's own tables anyway.
    """

    def safe_tick() -> None:
        try:
            tick()
        except Exception:
            # The next minute tries again; a failing tick must not kill the scheduler thread.
            logger.exception("tick failed")

    scheduler = BackgroundScheduler(timezone="UTC")
    scheduler.add_job(
        safe_tick,
        # On the minute: held pings and catch-ups fall due at whole minutes (the start of someone's
        # hours), so a tick at :00 sends them within moments instead of up to a minute late.
        IntervalTrigger(seconds=TICK_SECONDS, start_date=_next_minute(now)),
        id="tick",
        max_instances=1,
        coalesce=True,
        misfire_grace_time=TICK_SECONDS,
    )
    return scheduler


def _next_minute(now: datetime) -> datetime:
    return now.replace(second=0, microsecond=0) + timedelta(minutes=1)
