"""`GET /metrics`: Handoff's Prometheus exposition, the queue depths read from the database at each scrape.

Counters and histograms are kept by the processes that do the work (`telemetry.instruments`);
under `handoff serve` the HTTP front and the event worker write them to files in
`PROMETHEUS_MULTIPROC_DIR`, which `prepare_multiprocess` makes before prometheus_client is first
imported (the library chooses its storage on import). Queue depths are not counted at all but read
from the database at the scrape, so every replica reports the same truth.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from sqlalchemy import Engine

from bot.clock import Clock
from bot.db import build_read_session_factory

if TYPE_CHECKING:
    from prometheus_client.metrics_core import Metric

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"


def prepare_multiprocess() -> Callable[[], None]:
    """Give this process and its children a fresh directory for their values; returns the clean-up.

    An operator's own PROMETHEUS_MULTIPROC_DIR is used as it is (and left alone afterwards).
    """
    if os.environ.get(MULTIPROC_ENV):
        return lambda: None
    directory = tempfile.mkdtemp(prefix="handoff-metrics-")
    os.environ[MULTIPROC_ENV] = directory
    return lambda: shutil.rmtree(directory, ignore_errors=True)


def exposition_for(engine: Engine, clock: Clock) -> Callable[[], tuple[bytes, str]]:
    """What answers `GET /metrics`: the body and its content type."""
    from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
    from prometheus_client.multiprocess import MultiProcessCollector

    queues = CollectorRegistry()
    queues.register(QueueCollector(engine, clock))

    def expose() -> tuple[bytes, str]:
        if os.environ.get(MULTIPROC_ENV):
            processes = CollectorRegistry()
            MultiProcessCollector(processes)  # type: ignore[no-untyped-call]
            counted = generate_latest(processes)
        else:
            counted = generate_latest(REGISTRY)
        return counted + generate_latest(queues), CONTENT_TYPE_LATEST

    return expose


class QueueCollector:
    """Queue depths and lateness, read from the database when scraped."""

    def __init__(self, engine: Engine, clock: Clock) -> None:
        self._sessions = build_read_session_factory(engine)
        self._clock = clock

    def collect(self) -> Iterator[Metric]:
        from prometheus_client.core import GaugeMetricFamily

        from store.status import read_queues

        with self._sessions() as session:
            queues = read_queues(session=session, now=self._clock.now())
        yield GaugeMetricFamily("handoff_inbox_backlog", "Stored events not processed yet", value=queues.inbox_pending)
        age = queues.inbox_oldest_age.total_seconds() if queues.inbox_oldest_age is not None else 0.0
        yield GaugeMetricFamily(
            "handoff_inbox_oldest_unprocessed_seconds",
            "Age of the oldest stored event not processed yet (0: none)",
            value=age,
        )
        yield GaugeMetricFamily(
            "handoff_held_pings_waiting",
            "Held pings waiting for their recipient's working hours",
            value=queues.held_pings_waiting,
        )
        due = GaugeMetricFamily("handoff_jobs_due", "Jobs due now that nobody is working on, by kind", labels=["kind"])
        late = GaugeMetricFamily(
            "handoff_jobs_late_seconds", "How late the oldest due job of each kind is", labels=["kind"]
        )
        for kind, (count, lateness) in sorted(queues.jobs.items()):
            due.add_metric([kind], count)
            late.add_metric([kind], lateness.total_seconds())
        yield due
        yield late
