"""The collaborators every listener and job receives, built once per process."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import Clock
from bot.settings import Settings
from bot.slack_client import SlackClients
from digest.model import Summarizer

if TYPE_CHECKING:
    from store.installations import HandoffInstallationStore


@dataclass(frozen=True)
class Deps:
    """Settings, database, clock, Slack clients and the summarizer for one process."""

    settings: Settings
    engine: Engine
    session_factory: sessionmaker[Session]
    # For reads outside a unit of work: on SQLite these never queue behind writers.
    read_session_factory: sessionmaker[Session]
    clock: Clock
    slack: SlackClients
    # Names this process in leases and worker beats: host, pid and a random suffix.
    worker_id: str
    # Writes channel summaries for catch-ups: the LLM one when configured, else extractive.
    summarizer: Summarizer
    # OAuth mode: every workspace's installation (its tokens); None in single-workspace mode.
    installations: HandoffInstallationStore | None = None
