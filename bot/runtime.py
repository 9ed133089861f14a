"""Building a process's collaborators from Settings: the one place that wires them together."""

from __future__ import annotations

import os
import secrets
import socket

from sqlalchemy import Engine

from bot.clock import Clock, SystemClock
from bot.db import build_engine, build_read_session_factory, build_session_factory, read_only
from bot.deps import Deps
from bot.settings import Settings
from bot.slack_client import InstallationClients, SingleWorkspaceClients, SlackClients, build_web_client
from digest.summarizers import build_summarizer
from store.installations import HandoffInstallationStore
from store.token_cipher import build_cipher


def worker_name() -> str:
    """A name for this process in leases and beats: host, pid and a random suffix."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


def build_deps(
    settings: Settings, *, clock: Clock | None = None, worker_id: str | None = None, replayable: bool = False
) -> Deps:
    """Engine, session factory, clock, Slack clients and summarizer for this process.

    `replayable`: the process only applies what the inbox holds durably (see `bot.db.build_engine`).
    In OAuth mode (SLACK_CLIENT_ID and SLACK_CLIENT_SECRET) each workspace's client carries that
    workspace's token from the installation store; otherwise every call uses SLACK_BOT_TOKEN.
    """
    engine = build_engine(settings.database_url, replayable=replayable)
    read_session_factory = build_read_session_factory(engine)
    installations: HandoffInstallationStore | None = None
    slack: SlackClients
    if settings.oauth_enabled:
        installations = build_installation_store(settings, engine=engine)
        slack = InstallationClients(store=installations, settings=settings)
    else:
        slack = SingleWorkspaceClients(build_web_client(settings))
    return Deps(
        settings=settings,
        engine=engine,
        session_factory=build_session_factory(engine),
        read_session_factory=read_session_factory,
        clock=clock or SystemClock(),
        slack=slack,
        worker_id=worker_id or worker_name(),
        summarizer=build_summarizer(settings),
        installations=installations,
    )


def build_installation_store(settings: Settings, *, engine: Engine) -> HandoffInstallationStore:
    """The installation store on this engine, its tokens sealed with HANDOFF_ENCRYPTION_KEY."""
    settings.require_token_key()
    assert settings.slack_client_id is not None
    return HandoffInstallationStore(
        client_id=settings.slack_client_id,
        engine=engine,
        read_engine=read_only(engine),
        cipher=build_cipher(settings.encryption_keys, insecure_dev=settings.handoff_insecure_dev),
    )
