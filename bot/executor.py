"""The thread pool Bolt runs listeners on, able to tell when in-flight work has drained."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any


class DrainableExecutor(ThreadPoolExecutor):
    """A ThreadPoolExecutor that can wait until every submitted task has finished.

    `serve` drains it on shutdown, so an acknowledged event being processed is finished rather
    than cut off (the inbox would replay it anyway, but later); tests use it to wait for the
    work that follows an acknowledgement without sleeping.
    """

    def __init__(self, max_workers: int = 10, thread_name_prefix: str = "handoff-listener") -> None:
        super().__init__(max_workers=max_workers, thread_name_prefix=thread_name_prefix)
        self._pending = 0
        self._idle = threading.Condition()

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        with self._idle:
            self._pending += 1
        try:
            future = super().submit(fn, *args, **kwargs)
        except BaseException:
            self._done(None)
            raise
        future.add_done_callback(self._done)
        return future

    def _done(self, _future: Future[Any] | None) -> None:
        with self._idle:
            self._pending -= 1
            if self._pending == 0:
                self._idle.notify_all()

    def drain(self, timeout: float | None = None) -> bool:
        """Block until no task is pending; False when `timeout` (seconds) ran out first."""
        with self._idle:
            return self._idle.wait_for(lambda: self._pending == 0, timeout=timeout)
