"""Events API listeners: each acknowledges at once and runs the event's processor from the inbox."""

from __future__ import annotations

from typing import Any

from bot.surfaces import Surfaces
from handlers.home import home_processor
from ingest.routes import INGEST_PROCESSORS
from ingest.runner import Processor, run_event


def event_processors(surfaces: Surfaces) -> dict[str, Processor]:
    """Every event type Handoff handles and its processor (the tick replays through the same table)."""
    return {**INGEST_PROCESSORS, "app_home_opened": home_processor(surfaces.help_lines())}


def register(surfaces: Surfaces, processors: dict[str, Processor]) -> None:
    """Listen to every event type that has a processor."""
    for event_type in processors:
        surfaces.event(event_type, _listener(processors))


def _listener(processors: dict[str, Processor]) -> Any:
    def on_event(body: dict[str, Any], context: dict[str, Any]) -> None:
        # Bolt has already acknowledged the event; the inbox middleware stored it first.
        row_id = context.get("inbox_row_id")
        if row_id is None:
            return
        deps = context["deps"]
        run_event(deps=deps, processors=processors, row_id=row_id, body=body, owner=deps.worker_id)

    return on_event
