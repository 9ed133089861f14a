"""The Bolt app factory: one App per process, wired with its collaborators."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt import App, BoltContext, BoltResponse
from slack_bolt.middleware.authorization import SingleTeamAuthorization
from slack_sdk.oauth.installation_store import Installation
from slack_sdk.web import SlackResponse

from bot.deps import Deps
from bot.engagement import EngagementMiddleware
from bot.executor import DrainableExecutor
from bot.inbox_middleware import InboxMiddleware
from bot.inbox_writer import InboxWriter
from bot.oauth import HandoffAuthorize, build_oauth_flow
from bot.slack_client import CountedWebClient, api_client, counted_copy
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


def create_app(
    deps: Deps, *, notify_events: Callable[[], None] = lambda: None, auth_test: SlackResponse | None = None
) -> HandoffApp:
    """Build the Bolt app: single-workspace mode (SLACK_BOT_TOKEN), or OAuth mode when Deps has installations.

    `notify_events` is called after each new event is stored: `serve` passes a wake-up for its
    event worker process. `auth_test`: Slack's answer about SLACK_BOT_TOKEN, when `serve` asked at
    start; without it Bolt asks on the first request.
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
            # Bolt would call auth.test here and fail to start when Slack cannot be reached; `serve`
            # asks once itself (a refused token stops it, an unreachable Slack does not) and hands
            # the answer over below. Without one, Bolt asks on the first request.
            token_verification_enabled=False,
        )
        if auth_test is not None:
            _known_token(bolt, auth_test)
    surfaces, processors = register_surfaces(bolt)
    bolt.use(_count_slack_calls)
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


def _count_slack_calls(context: BoltContext, next: Callable[[], None]) -> None:
    """Listeners' Slack calls are counted too: Bolt builds a plain WebClient per request, after authorizing."""
    if context.client is not None and not isinstance(context.client, CountedWebClient):
        context["client"] = counted_copy(context.client)
    next()


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


def _known_token(bolt: App, auth_test: SlackResponse) -> None:
    """Give Bolt's single-workspace authorization the auth.test answer `serve` already has.

    Bolt takes one only from its own call at construction; its middleware keeps it in
    `auth_test_result`, which it otherwise fills on the first request.
    """
    for middleware in bolt._middleware_list:
        if isinstance(middleware, SingleTeamAuthorization):
            middleware.auth_test_result = auth_test


SORRY = (
    "Something went wrong on Handoff's side and nothing was changed. "
    "Please try again in a minute; if it keeps happening, tell your workspace admin."
)


def _on_error(
    error: Exception, body: dict[str, Any], respond: Any, response: BoltResponse | None, logger: logging.Logger
) -> BoltResponse | None:
    """Log with context and tell the person in plain words what to do next; never fails itself.

    Before the request is acknowledged (`response` is Bolt's 500: a middleware failed, or a listener
    did before its ack), the answer to the request tells them, so a slash command or a click gets a
    200 whatever else is down. After it, the message goes to the response_url, and if that cannot
    be reached, the log says so: telling someone about an error never becomes an error of its own.
    """
    logger.error(
        "listener failed: %s (type=%s team=%s)",
        error,
        body.get("type"),
        (body.get("team") or {}).get("id") if isinstance(body.get("team"), dict) else body.get("team_id"),
        exc_info=error,
    )
    person = "command" in body or body.get("type") in {"block_actions", "message_action", "shortcut", "view_submission"}
    if response is not None and person:
        if "command" in body:
            return BoltResponse(status=200, body={"response_type": "ephemeral", "text": SORRY})
        _tell(respond, body, logger)
        return BoltResponse(status=200, body="")
    _tell(respond, body, logger)
    return None


def _tell(respond: Any, body: dict[str, Any], logger: logging.Logger) -> None:
    if respond is None or not body.get("response_url"):
        return
    try:
        respond(text=SORRY, response_type="ephemeral", replace_original=False)
    except Exception as exc:
        # The response_url is gone or unreachable: nobody can be told; the request itself is fine.
        logger.warning("could not tell the person about the error (%s: %s)", type(exc).__name__, exc)
