"""The Bolt app factory: one App per process, wired with its collaborators."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt import App
from slack_sdk.oauth.installation_store import Installation

from bot.deps import Deps
from bot.engagement import EngagementMiddleware
from bot.executor import DrainableExecutor
from bot.inbox_middleware import InboxMiddleware
from bot.inbox_writer import InboxWriter
from bot.oauth import HandoffAuthorize, build_oauth_flow
from bot.slack_client import api_client
from bot.surfaces import Surfaces
from handlers import (
    admin,
    catchup,
    catchup_home,
    commands,
    decision_edit,
    decision_modals,
    decision_search,
    events,
    home,
    hours,
    hours_home,
    later,
)
from handlers import decisions as decision_handlers
from ingest.runner import Processor
from store import teams
from store.oauth_states import HandoffOAuthStateStore

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class HandoffApp:
    """The Bolt app, what it registered, and the event processors the event worker runs."""

    bolt: App
    surfaces: Surfaces
    processors: dict[str, Processor]
    executor: DrainableExecutor
    inbox_writer: InboxWriter

    def close(self) -> None:
        """Let in-flight listeners finish and release the inbox writer's connection."""
        self.executor.shutdown(wait=True)
        self.inbox_writer.close()


class _QuietTokenWarning(logging.Filter):
    # Bolt reads SLACK_BOT_TOKEN from the environment by itself and then warns that the client
    # we pass (the one on SLACK_API_URL) wins; that is the intent, not a problem.
    def filter(self, record: logging.LogRecord) -> bool:
        return "`token` will be unused" not in record.getMessage()


def register_surfaces(bolt: App) -> tuple[Surfaces, dict[str, Processor]]:
    """Register every command, action and event Handoff handles (the manifest test uses this too)."""
    surfaces = Surfaces(bolt)
    commands.register(surfaces)
    admin.register(surfaces)
    decision_handlers.register(surfaces)
    decision_modals.register(surfaces)
    decision_edit.register(surfaces)
    decision_search.register(surfaces)
    later.register(surfaces)
    hours.register(surfaces)
    catchup.register(surfaces)
    catchup_home.register(surfaces)
    home.register(surfaces)
    hours_home.register(surfaces)
    processors = events.event_processors(surfaces)
    events.register(surfaces, processors)
    return surfaces, processors


def create_app(deps: Deps, *, notify_events: Callable[[], None] = lambda: None) -> HandoffApp:
    """Build the Bolt app: single-workspace mode (SLACK_BOT_TOKEN), or OAuth mode when Deps has installations.

    `notify_events` is called after each new event is stored: `serve` passes a wake-up for its
    event worker process.
    """
    settings = deps.settings
    executor = DrainableExecutor()
    bolt_logger = logging.getLogger("slack_bolt")
    if not any(isinstance(f, _QuietTokenWarning) for f in bolt_logger.filters):
        bolt_logger.addFilter(_QuietTokenWarning())
    common: dict[str, Any] = {
        "signing_secret": settings.slack_signing_secret or "",
        "process_before_response": False,
        "logger": bolt_logger,
        "listener_executor": executor,
    }
    if deps.installations is not None:
        bolt = App(**common, **_oauth_arguments(deps))
    else:
        bolt = App(
            **common,
            # The token comes with the client, which points at SLACK_API_URL.
            client=deps.slack.for_team(None),
            # The token is checked with auth.test on the first request instead, so that starting up
            # does not depend on Slack being reachable.
            token_verification_enabled=False,
        )
    surfaces, processors = register_surfaces(bolt)
    inbox_writer = InboxWriter(engine=deps.engine, clock=deps.clock, notify=notify_events)
    bolt.use(
        InboxMiddleware(
            context={"deps": deps, "surfaces": surfaces},
            handled=frozenset(surfaces.events),
            writer=inbox_writer,
        )
    )
    bolt.use(EngagementMiddleware(deps=deps, executor=executor))
    bolt.error(_on_error)
    return HandoffApp(bolt=bolt, surfaces=surfaces, processors=processors, executor=executor, inbox_writer=inbox_writer)


def _oauth_arguments(deps: Deps) -> dict[str, Any]:
    """App arguments for OAuth mode: the store, Bolt's authorize and the install flow, all on SLACK_API_URL.

    The installation store goes to the App as well as to the flow, and the authorize is built here
    with the App's client: left to itself, Bolt would build a token rotator on a client of its own,
    one that ignores SLACK_API_URL.
    """
    settings, store = deps.settings, deps.installations
    assert store is not None and settings.slack_client_id and settings.slack_client_secret
    # No token: Bolt puts each workspace's token on the per-request client after authorizing it.
    client = api_client(settings, None)
    state_store = HandoffOAuthStateStore(engine=deps.engine, now=deps.clock.now)

    def on_installed(installation: Installation) -> None:
        with deps.session_factory.begin() as session:
            teams.mark_installed(
                session=session,
                team_id=installation.team_id,
                enterprise_id=installation.enterprise_id,
                name=installation.team_name,
                now=deps.clock.now(),
            )

    return {
        "client": client,
        "installation_store": store,
        "authorize": HandoffAuthorize(
            store=store,
            client=client,
            client_id=settings.slack_client_id,
            client_secret=settings.slack_client_secret,
        ),
        "oauth_flow": build_oauth_flow(
            client_id=settings.slack_client_id,
            client_secret=settings.slack_client_secret,
            api_url=settings.slack_api_url,
            client=client,
            store=store,
            state_store=state_store,
            clock=deps.clock,
            on_installed=on_installed,
        ),
    }


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
