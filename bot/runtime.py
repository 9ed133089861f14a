"""Building a process's collaborators from Settings: the one place that wires them together."""

from __future__ import annotations

import os
import secrets
import socket

from bot.clock import Clock, SystemClock
from bot.db import build_engine, build_read_session_factory, build_session_factory
from bot.deps import Deps
from bot.settings import Settings
from bot.slack_client import SingleWorkspaceClients, build_web_client
from digest.summarizers import build_summarizer


def worker_name() -> str:
    """A name for this process in leases and beats: host, pid and a random suffix."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


def build_deps(settings: Settings, *, clock: Clock | None = None, worker_id: str | None = None) -> Deps:
    """Engine, session factory, clock, Slack clients and summarizer for this process."""
    engine = build_engine(settings.database_url)
    return Deps(
        settings=settings,
        engine=engine,
        session_factory=build_session_factory(engine),
        read_session_factory=build_read_session_factory(engine),
        clock=clock or SystemClock(),
        slack=SingleWorkspaceClients(build_web_client(settings)),
        worker_id=worker_id or worker_name(),
        summarizer=build_summarizer(settings),
    )
