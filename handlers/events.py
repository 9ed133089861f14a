"""Events API: which event types Handoff handles, and the processor that handles each."""

from __future__ import annotations

from bot.surfaces import Surfaces
from handlers.home import home_processor
from ingest.routes import INGEST_PROCESSORS
from ingest.runner import Processor
from installs import uninstall


def event_processors(surfaces: Surfaces) -> dict[str, Processor]:
    """Every event type Handoff handles and its processor (the event worker and the tick use this table)."""
    return {
        **INGEST_PROCESSORS,
        "app_home_opened": home_processor(surfaces.help_lines()),
        "app_uninstalled": uninstall.on_app_uninstalled,
        "tokens_revoked": uninstall.on_tokens_revoked,
    }


def register(surfaces: Surfaces, processors: dict[str, Processor]) -> None:
    """Declare every event type that has a processor."""
    for event_type in processors:
        surfaces.event(event_type)
