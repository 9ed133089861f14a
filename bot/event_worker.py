"""The event worker: a child process of `handoff serve` that processes the inbox as events arrive.

Acknowledging an event costs a fraction of a millisecond; processing it (reading Slack for a new
channel, several writes) costs more. In the same process the processing threads would hold the
GIL for up to the switch interval while an acknowledgement waits, so they run in their own
process, woken each time an event is stored, as a batch job the HTTP front preempts (see
`_lower_priority`). The live stream is the worker's alone: the minute tick only takes over what
it left behind (it died, or fell minutes behind), and restarts it if it died. On stop (the
doorbell closed, or SIGTERM) it goes on for a moment with what was acknowledged, then finishes
the event in hand and gives back what it had claimed: the rest is processed after the restart.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import signal
import threading
import time
from multiprocessing.connection import Connection
from multiprocessing.context import SpawnProcess
from typing import TYPE_CHECKING

from bot.settings import Settings

if TYPE_CHECKING:
    from collections.abc import Mapping

    from bot.deps import Deps
    from ingest.runner import Processor

logger = logging.getLogger(__name__)

# How long an idle worker waits before looking for events another replica's worker left behind.
IDLE_POLL_SECONDS = 1.0
# Told to stop, the worker goes on with what was acknowledged for this long, then stops at the
# next event and gives back its claims; the serve process waits a little longer before killing it.
STOP_GRACE_SECONDS = 3.0
STOP_TIMEOUT_SECONDS = 4.5
# An event stored within this window means acknowledgements are flowing: then process in slices
# of at most BUSY_SLICE events. A slice that found less than that has caught up, and the worker
# pauses BUSY_PAUSE to batch what arrives meanwhile (each event within about 50 ms of its ack);
# a full slice means a backlog, and the next slice follows at once so that it is worked off.
BUSY_WINDOW_SECONDS = 0.1
BUSY_SLICE = 100
BUSY_PAUSE_SECONDS = 0.05
# Fold the SQLite WAL back after this many events (a checkpoint per event would contend with
# every acknowledgement's commit); the serve process's checkpointer runs every few seconds too.
CHECKPOINT_EVERY = 2000
# See _lower_priority: the worker's niceness above the front's.
NICENESS = 0
# On PostgreSQL an event's processing is mostly waiting for the server (a round trip per
# statement, a WAL flush per commit: about 7 ms in all on a busy machine), so one thread cannot
# follow 400 events/s. Helper threads join in while there is a backlog; claims use SKIP LOCKED,
# so they never take the same event. On SQLite every write queues for the one writer anyway.
POSTGRES_HELPERS = 3


class Doorbell:
    """The worker's end of the wake-up pipe: a byte per stored event, end-of-file to stop.

    A pipe rather than multiprocessing's Events: ringing never blocks (a full pipe is already
    ringing), nothing is left behind when a process is killed, and if the serve process dies the
    worker sees end-of-file and exits instead of living on as an orphan.
    """

    def __init__(self, connection: Connection) -> None:
        self._connection = connection
        self.closed = False

    def closed_now(self) -> bool:
        """True once the pipe is closed, checked without waiting (rings read on the way are cleared)."""
        if not self.closed:
            self.wait(0)
        return self.closed

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


class _Stop:
    """When the worker was told to stop (doorbell closed, or SIGTERM), as its threads see it."""

    def __init__(self, bell: Doorbell) -> None:
        self._bell = bell
        self.terminated = threading.Event()
        self._since: float | None = None

    @property
    def requested(self) -> bool:
        """True once a stop was asked for."""
        return self._since is not None or self.terminated.is_set()

    def check(self) -> bool:
        """Look at the doorbell (main thread only: it reads the pipe); True once a stop was asked for."""
        if self._since is None and (self.terminated.is_set() or self._bell.closed_now()):
            self._since = time.monotonic()
        return self._since is not None

    def past_grace(self) -> bool:
        """True once the grace after the stop is over: stop at the next event."""
        if threading.current_thread() is threading.main_thread():
            self.check()
        since = self._since
        return since is not None and time.monotonic() >= since + STOP_GRACE_SECONDS


def _help(deps: Deps, processors: Mapping[str, Processor], backlog: threading.Event, stop: _Stop) -> None:
    """A helper thread (PostgreSQL): drain slices alongside the main loop while it reports a backlog."""
    from ingest.drain import drain_inbox
    from ingest.known import KnownCache

    # Each thread its own cache: what one stored, the others find stored and skip.
    known = KnownCache()
    while not stop.past_grace():
        if stop.requested and not backlog.is_set():
            return
        if not backlog.wait(IDLE_POLL_SECONDS):
            continue
        try:
            if sum(drain_inbox(deps, processors, known=known, limit=BUSY_SLICE, stop=stop.past_grace).values()) == 0:
                backlog.clear()
        except Exception:
            logger.exception("event worker helper drain failed")
            time.sleep(IDLE_POLL_SECONDS)


def _start_helpers(
    deps: Deps, processors: Mapping[str, Processor], backlog: threading.Event, stop: _Stop
) -> list[threading.Thread]:
    count = POSTGRES_HELPERS if deps.engine.dialect.name == "postgresql" else 0
    helpers = [
        threading.Thread(target=_help, args=(deps, processors, backlog, stop), name=f"events-{n}", daemon=True)
        for n in range(count)
    ]
    for thread in helpers:
        thread.start()
    return helpers


def _stop_on_signals(bell: Doorbell) -> _Stop:
    """The worker's stop, set by SIGTERM as by a closed doorbell."""
    stop = _Stop(bell)
    # A service manager signals the whole process group: stop like on a closed doorbell. Ctrl-C
    # reaches the group too; the serve process decides, through the doorbell.
    signal.signal(signal.SIGTERM, lambda _signum, _frame: stop.terminated.set())
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    return stop


def worker_main(settings: Settings, worker_id: str, doorbell: Connection, log_level: int) -> None:
    """The child process: drain the inbox whenever woken, until the doorbell's pipe closes or SIGTERM."""
    from bot.app import create_app
    from bot.db import checkpoint
    from bot.logs import configure_logging
    from bot.runtime import build_deps
    from ingest.drain import drain_inbox
    from ingest.known import KnownCache

    configure_logging(level=log_level, fmt=settings.handoff_log_format, secrets=settings.secrets)
    bell = Doorbell(doorbell)
    stop = _stop_on_signals(bell)
    _lower_priority()
    deps = build_deps(settings, worker_id=worker_id, replayable=True)
    processors = create_app(deps).processors
    known = KnownCache()
    since_checkpoint = 0
    last_arrival = float("-inf")
    backlog = threading.Event()
    helpers = _start_helpers(deps, processors, backlog, stop)
    logger.info("event worker %s started", worker_id)
    try:
        while True:
            # Clear before draining: an event stored during the drain rings again, so none is missed.
            bell.wait(0)
            stopping = stop.check()
            busy = time.monotonic() - last_arrival < BUSY_WINDOW_SECONDS and not stopping
            processed = 0
            try:
                # In slices, so that a backlog shows (a full slice) and the helpers join in.
                limit = None if stopping else BUSY_SLICE
                processed = sum(drain_inbox(deps, processors, known=known, limit=limit, stop=stop.past_grace).values())
                since_checkpoint += processed
                if since_checkpoint >= CHECKPOINT_EVERY:
                    checkpoint(deps.engine)
                    since_checkpoint = 0
            except Exception:
                # A database hiccup must not end the worker; the next wake-up tries again.
                logger.exception("event worker drain failed")
            # A drain begun after the stop ends when the inbox is empty or the grace is over.
            if stopping or stop.past_grace():
                break
            caught_up = processed < BUSY_SLICE
            (backlog.clear if caught_up else backlog.set)()
            if busy and caught_up:
                # Batch what arrives meanwhile into the next slice instead of following every event.
                time.sleep(BUSY_PAUSE_SECONDS)
            if bell.wait(0 if busy or not caught_up else IDLE_POLL_SECONDS):
                last_arrival = time.monotonic()
    finally:
        stop.check()
        backlog.clear()
        for thread in helpers:
            thread.join(STOP_GRACE_SECONDS + 1)
        deps.engine.dispose()
        logger.info("event worker %s stopped", worker_id)


def _lower_priority() -> None:
    """Run as a batch job: the HTTP front preempts the worker whenever it wakes, but the worker keeps its share.

    Under SCHED_IDLE the worker got only CPU time nobody else wanted: on a machine that is never
    idle that is none, and the backlog grew without bound (an unprivileged process cannot leave
    SCHED_IDLE again). Niceness 10 was not enough either on a machine other work kept at a load
    of 6 to 10 on two cores: the worker got a third of what following 400 events/s takes.
    SCHED_BATCH at the front's niceness keeps what mattered, an acknowledgement never waiting for
    the worker's time slice to end, and lets the worker follow the stream.
    """
    with contextlib.suppress(AttributeError, OSError):
        os.sched_setscheduler(0, os.SCHED_BATCH, os.sched_param(0))
    if NICENESS:
        with contextlib.suppress(OSError):
            os.nice(NICENESS)


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

    def request_stop(self) -> None:
        """Close the doorbell: the worker finishes the event in hand, gives back its claims and exits."""
        self._stopping = True
        bell, self._bell = self._bell, None
        if bell is not None:
            bell.close()

    def stop(self) -> None:
        """Ask the worker to stop and wait for it; kill it if it does not stop in time."""
        self.request_stop()
        if self._process is None:
            return
        self._process.join(STOP_TIMEOUT_SECONDS)
        if self._process.is_alive():
            logger.warning("event worker did not stop in time; terminating it")
            # Its claims run out with their lease; the next tick takes them over.
            self._process.kill()
            self._process.join(STOP_TIMEOUT_SECONDS)
