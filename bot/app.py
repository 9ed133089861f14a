"""The Bolt app factory: one App per process, wired with its collaborators."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from slack_bolt import App, BoltResponse

from bot.deps import Deps
from bot.executor import DrainableExecutor
from bot.inbox_middleware import inbox_middleware
from bot.surfaces import Surfaces
from handlers import commands, events
from ingest.runner import Processor

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class HandoffApp:
    """The Bolt app, what it registered, and the event processors the tick replays through."""

    bolt: App
    surfaces: Surfaces
    processors: dict[str, Processor]
    executor: DrainableExecutor


def create_app(deps: Deps) -> HandoffApp:
    """Build the Bolt app for single-workspace mode (SLACK_BOT_TOKEN)."""
    settings = deps.settings
    client = deps.slack.for_team(None)
    executor = DrainableExecutor()
    bolt = App(
        signing_secret=settings.slack_signing_secret or "",
        # The token comes with the client, which points at SLACK_API_URL.
        client=client,
        # The token is checked with auth.test on the first request instead, so that starting up
        # does not depend on Slack being reachable.
        token_verification_enabled=False,
        process_before_response=False,
        logger=logging.getLogger("slack_bolt"),
        listener_executor=executor,
    )
    surfaces = Surfaces(bolt)
    bolt.use(inbox_middleware(deps))

    @bolt.middleware
    def expose_surfaces(context: dict[str, Any], next: Any) -> BoltResponse:
        context["surfaces"] = surfaces
        return next()  # type: ignore[no-any-return]

    commands.register(surfaces)
    processors = events.event_processors(surfaces)
    events.register(surfaces, processors)
    bolt.error(_on_error)
    return HandoffApp(bolt=bolt, surfaces=surfaces, processors=processors, executor=executor)


def _on_error(error: Exception, body: dict[str, Any], respond: Any, logger: logging.Logger) -> None:
    """Log with context and tell the person in plain words what to do next."""
    logger.error(
        "listener failed: %s (type=%s team=%s)",
        error,
        body.get("type"),
        (body.get("team") or {}).get("id") if isinstance(body.get("team"), dict) else body.get("team_id"),
        exc_info=error,
    )
    if respond is not None and body.get("response_url"):
        respond(
            text="Something went wrong on Handoff's side and nothing was changed. "
            "Please try again in a minute; if it keeps happening, tell your workspace admin.",
            response_type="ephemeral",
            replace_original=False,
        )
