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

import contextlib
import logging
import multiprocessing
import os
import time
from multiprocessing.connection import Connection
from multiprocessing.context import SpawnProcess

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


class Doorbell:
    """The worker's end of the wake-up pipe: a byte per stored event, end-of-file to stop.

    A pipe rather than multiprocessing's Events: ringing never blocks (a full pipe is already
    ringing), nothing is left behind when a process is killed, and if the serve process dies the
    worker sees end-of-file and exits instead of living on as an orphan.
    """

    def __init__(self, connection: Connection) -> None:
        self._connection = connection
        self.closed = False

    def wait(self, timeout: float) -> bool:
        """Wait up to `timeout` seconds for a ring; True if rung (or closed). Clears the rings."""
        if self.closed:
            return True
        if not self._connection.poll(timeout):
            return False
        fd = self._connection.fileno()
        os.set_blocking(fd, False)
        try:
            while True:
                if not os.read(fd, 65536):
                    self.closed = True
                    return True
        except BlockingIOError:
            return True


def worker_main(settings: Settings, worker_id: str, doorbell: Connection, log_level: int) -> None:
    """The child process: drain the inbox whenever woken, until the doorbell's pipe closes."""
    from bot.app import create_app
    from bot.db import checkpoint
    from bot.logs import configure_logging
    from bot.runtime import build_deps
    from ingest.drain import drain_inbox
    from ingest.known import KnownCache

    configure_logging(level=log_level, fmt=settings.handoff_log_format, secrets=settings.secrets)
    _run_when_idle()
    bell = Doorbell(doorbell)
    deps = build_deps(settings, worker_id=worker_id)
    processors = create_app(deps).processors
    known = KnownCache()
    since_checkpoint = 0
    last_arrival = float("-inf")
    logger.info("event worker %s started", worker_id)
    try:
        while True:
            # Clear before draining: an event stored during the drain rings again, so none is missed.
            bell.wait(0)
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
            if bell.closed:
                break
            if busy:
                # Batch what arrives meanwhile into the next slice instead of following every event.
                time.sleep(BUSY_PAUSE_SECONDS)
            if bell.wait(0 if busy else IDLE_POLL_SECONDS):
                last_arrival = time.monotonic()
    finally:
        deps.engine.dispose()
        logger.info("event worker %s stopped", worker_id)


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
        self._bell: Connection | None = None
        self._process: SpawnProcess | None = None
        self._stopping = False

    def start(self) -> None:
        """Start the worker process (again, if it died), with a new doorbell."""
        reader, writer = self._context.Pipe(duplex=False)
        os.set_blocking(writer.fileno(), False)
        self._process = self._context.Process(
            target=worker_main,
            args=(self._settings, self._worker_id, reader, logging.getLogger().level),
            name="handoff-events",
            daemon=True,
        )
        self._process.start()
        reader.close()
        previous, self._bell = self._bell, writer
        if previous is not None:
            previous.close()

    def notify(self) -> None:
        """Ring the doorbell: an event was stored. Never blocks."""
        bell = self._bell
        if bell is None:
            return
        # OSError covers a full pipe (it is ringing already) and a broken or closed one (the
        # worker is gone or stopping, and the tick processes the event instead).
        with contextlib.suppress(OSError):
            os.write(bell.fileno(), b"\0")

    def ensure_running(self) -> None:
        """Restart the worker if it died (called from the minute tick)."""
        if self._process is not None and not self._process.is_alive() and not self._stopping:
            logger.warning("event worker exited with %s; starting a new one", self._process.exitcode)
            self.start()

    def stop(self) -> None:
        """Close the doorbell so the worker finishes its drain and exits; kill it if it does not."""
        self._stopping = True
        bell, self._bell = self._bell, None
        if bell is not None:
            bell.close()
        if self._process is None:
            return
        self._process.join(STOP_TIMEOUT_SECONDS)
        if self._process.is_alive():
            logger.warning("event worker did not stop in time; terminating it")
            self._process.terminate()
            self._process.join(STOP_TIMEOUT_SECONDS)
