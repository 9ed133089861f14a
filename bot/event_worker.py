"""The event worker: a child process of `handoff serve` that processes the inbox as events arrive.

Acknowledging an event costs a fraction of a millisecond; processing it (reading Slack for a new
channel, several writes) costs more. In the same process the processing threads would hold the
GIL for up to the switch interval while an acknowledgement waits, so they run in their own
process, woken each time an event is stored, under Linux's SCHED_IDLE policy: the worker uses
only CPU time nothing else wants, so it never competes with the HTTP front. On a machine that is
busy for long, processing waits; the serve process's minute tick (normal priority) drains the
inbox then, and restarts the worker if it died.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import time
from multiprocessing.context import SpawnProcess
from multiprocessing.synchronize import Event

from bot.settings import Settings

logger = logging.getLogger(__name__)

# How long an idle worker waits before looking for events another replica's worker left behind.
IDLE_POLL_SECONDS = 1.0
STOP_TIMEOUT_SECONDS = 10.0
# An event stored within this window means acknowledgements are flowing: then process in slices
# of at most BUSY_SLICE events, one every BUSY_PAUSE (up to 500 events/s, each event within
# 50 ms of its ack at ordinary rates), and work off any backlog once the burst is over.
BUSY_WINDOW_SECONDS = 0.1
BUSY_SLICE = 25
BUSY_PAUSE_SECONDS = 0.05
# Fold the SQLite WAL back after this many events (a checkpoint per event would contend with
# every acknowledgement's commit); the tick checkpoints every minute as well.
CHECKPOINT_EVERY = 2000
# Where SCHED_IDLE is missing (not Linux), the lowest ordinary priority instead.
FALLBACK_NICENESS = 19


def worker_main(settings: Settings, worker_id: str, wakeup: Event, stop: Event, log_level: int) -> None:
    """The child process: drain the inbox whenever woken, until told to stop."""
    from bot.app import create_app
    from bot.db import checkpoint
    from bot.runtime import build_deps
    from ingest.drain import drain_inbox
    from ingest.known import KnownCache

    logging.basicConfig(level=log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    _run_when_idle()
    deps = build_deps(settings, worker_id=worker_id)
    processors = create_app(deps).processors
    known = KnownCache()
    since_checkpoint = 0
    last_arrival = float("-inf")
    logger.info("event worker %s started", worker_id)
    try:
        while True:
            # Clear before draining: an event stored during the drain sets it again, so none is missed.
            wakeup.clear()
            # While events keep arriving, work in slices so acknowledgements keep the database's
            # writer lock and the CPU; the backlog is worked off as soon as the burst ends.
            busy = time.monotonic() - last_arrival < BUSY_WINDOW_SECONDS
            processed = 0
            try:
                processed = sum(drain_inbox(deps, processors, known=known, limit=BUSY_SLICE if busy else None).values())
                since_checkpoint += processed
                if since_checkpoint >= CHECKPOINT_EVERY:
                    checkpoint(deps.engine)
                    since_checkpoint = 0
            except Exception:
                # A database hiccup must not end the worker; the next wake-up tries again.
                logger.exception("event worker drain failed")
            # Checked after a drain, so what was acknowledged before the stop is processed first.
            if stop.is_set():
                break
            if busy:
                # Batch what arrives meanwhile into the next slice instead of following every event.
                stop.wait(BUSY_PAUSE_SECONDS)
            if wakeup.wait(0 if busy else IDLE_POLL_SECONDS):
                last_arrival = time.monotonic()
    finally:
        deps.engine.dispose()


def _run_when_idle() -> None:
    try:
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
    except (AttributeError, OSError):
        os.nice(FALLBACK_NICENESS)


class EventWorker:
    """Starts, watches and stops the worker process from the serve process."""

    def __init__(self, settings: Settings, worker_id: str) -> None:
        self._context = multiprocessing.get_context("spawn")
        self._settings = settings
        self._worker_id = f"{worker_id}/events"
        self._wakeup = self._context.Event()
        self._stop = self._context.Event()
        self._process: SpawnProcess | None = None

    def start(self) -> None:
        """Start the worker process (again, if it died)."""
        self._process = self._context.Process(
            target=worker_main,
            args=(self._settings, self._worker_id, self._wakeup, self._stop, logging.getLogger().level),
            name="handoff-events",
            daemon=True,
        )
        self._process.start()

    def notify(self) -> None:
        """Wake the worker: an event was stored."""
        self._wakeup.set()

    def ensure_running(self) -> None:
        """Restart the worker if it died (called from the minute tick)."""
        if self._process is not None and not self._process.is_alive() and not self._stop.is_set():
            logger.warning("event worker exited with %s; starting a new one", self._process.exitcode)
            self.start()

    def stop(self) -> None:
        """Ask the worker to finish its current event and exit; kill it if it does not."""
        self._stop.set()
        self._wakeup.set()
        if self._process is None:
            return
        self._process.join(STOP_TIMEOUT_SECONDS)
        if self._process.is_alive():
            logger.warning("event worker did not stop in time; terminating it")
            self._process.terminate()
            self._process.join(STOP_TIMEOUT_SECONDS)
