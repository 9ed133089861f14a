"""`handoff doctor`: is this deployment ready for its first user? One line per check, each failure with its fix.

Every check runs even when an earlier one fails (a wrong database URL does not hide a wrong token),
except what cannot be asked without a working configuration. Nothing is written: the database is
only read, and Slack and the LLM endpoint are asked the cheapest question they answer (auth.test,
one completion token).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import httpx
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse
from sqlalchemy.exc import SQLAlchemyError

from bot.db import build_engine, build_read_session_factory, ping
from bot.migrate import pending_revision
from bot.oauth import BOT_SCOPES
from bot.settings import HINTS, Settings
from bot.slack_client import api_client
from bot.slack_failures import SLACK_CALL_ERRORS

PASS, FAIL, NOTE = "✓", "✗", "!"
# OAuth mode: how many installed workspaces have their tokens checked (the longest-known first).
WORKSPACES_CHECKED = 20
HTTP_TIMEOUT_SECONDS = 10.0


@dataclass(frozen=True)
class Check:
    """One line of the report: passed, failed (with the fix), or a note that does not fail the run."""

    mark: str
    what: str
    fix: str = ""

    @property
    def failed(self) -> bool:
        return self.mark == FAIL

    def line(self) -> str:
        return f"{self.mark} {self.what}" + (f" — {self.fix}" if self.fix else "")


def diagnose(settings: Settings, *, socket_mode: bool = False, url: str | None = None) -> Iterator[Check]:
    """Every check, in the order an operator would fix them."""
    yield from _credentials(settings, socket_mode=socket_mode)
    yield from _database(settings)
    yield from _slack(settings)
    yield from _llm(settings)
    if url:
        yield from _reachable(url)


def _credentials(settings: Settings, *, socket_mode: bool) -> Iterator[Check]:
    mode = "OAuth mode (many workspaces)" if settings.oauth_enabled else "single-workspace mode (SLACK_BOT_TOKEN)"
    yield Check(PASS, f"configuration is valid: {mode}")
    if not settings.oauth_enabled and not settings.slack_bot_token:
        yield Check(FAIL, "SLACK_BOT_TOKEN is not set", f"set it to {HINTS['SLACK_BOT_TOKEN']}")
    if socket_mode:
        if settings.slack_app_token:
            yield Check(PASS, "SLACK_APP_TOKEN is set (Socket Mode)")
        else:
            yield Check(FAIL, "SLACK_APP_TOKEN is not set (Socket Mode)", f"set it to {HINTS['SLACK_APP_TOKEN']}")
    elif settings.slack_signing_secret:
        yield Check(PASS, "SLACK_SIGNING_SECRET is set")
    else:
        yield Check(FAIL, "SLACK_SIGNING_SECRET is not set", f"set it to {HINTS['SLACK_SIGNING_SECRET']}")
    if not settings.oauth_enabled:
        return
    if settings.handoff_encryption_key:
        count = len(settings.encryption_keys)
        yield Check(PASS, f"HANDOFF_ENCRYPTION_KEY is set ({count} key{'s' if count > 1 else ''})")
    elif settings.handoff_insecure_dev:
        yield Check(
            NOTE,
            "HANDOFF_INSECURE_DEV=1: workspace tokens are stored in plain text",
            "fine for a trial; set HANDOFF_ENCRYPTION_KEY before real workspaces install",
        )
    else:
        yield Check(
            FAIL, "HANDOFF_ENCRYPTION_KEY is not set (OAuth mode)", f"set it to {HINTS['HANDOFF_ENCRYPTION_KEY']}"
        )


def _database(settings: Settings) -> Iterator[Check]:
    engine = build_engine(settings.database_url, pool_size=1)
    try:
        if not ping(engine):
            yield Check(FAIL, "the database does not answer", "check that it is running and DATABASE_URL is right")
            return
        try:
            pending = pending_revision(settings.database_url)
        except SQLAlchemyError as exc:
            yield Check(FAIL, f"the database cannot be read ({type(exc).__name__})", "check DATABASE_URL's rights")
            return
        if pending is not None:
            yield Check(FAIL, f"the database schema is not up to date (missing {pending})", "run `handoff migrate`")
        else:
            yield Check(PASS, "the database answers and its schema is up to date")
    finally:
        engine.dispose()


def _slack(settings: Settings) -> Iterator[Check]:
    if not settings.oauth_enabled:
        if settings.slack_bot_token:
            yield from _token(settings, settings.slack_bot_token, "SLACK_BOT_TOKEN")
        return
    yield from _installed_tokens(settings)


def _installed_tokens(settings: Settings) -> Iterator[Check]:
    from bot.runtime import build_installation_store
    from store import teams

    engine = build_engine(settings.database_url, pool_size=1)
    try:
        with build_read_session_factory(engine)() as session:
            team_ids = teams.installed(session=session, limit=WORKSPACES_CHECKED)
        store = build_installation_store(settings, engine=engine)
        if not team_ids:
            yield Check(NOTE, "no workspace has installed Handoff yet", "open /slack/install on Handoff's public URL")
        for team_id in team_ids:
            bot = store.bot_for_team(team_id=team_id)
            if bot is None:
                yield Check(
                    FAIL,
                    f"workspace {team_id}: no readable bot token",
                    "reinstall Handoff there; if tokens were stored with another key, put that key in "
                    "HANDOFF_ENCRYPTION_KEY after the new one",
                )
                continue
            yield from _token(settings, bot.bot_token, f"the bot token of {team_id}")
    except SQLAlchemyError:
        return  # the database check already said what is wrong
    finally:
        engine.dispose()


def _token(settings: Settings, token: str, name: str) -> Iterator[Check]:
    try:
        answer: SlackResponse = api_client(settings, token).auth_test()
    except SlackApiError as exc:
        error = str(exc.response.get("error", "")) if exc.response is not None else str(exc)
        yield Check(
            FAIL,
            f"Slack refuses {name} ({error})",
            "copy the Bot User OAuth Token again from OAuth & Permissions (or reinstall the app)",
        )
        return
    except SLACK_CALL_ERRORS as exc:
        yield Check(
            FAIL,
            f"Slack cannot be reached at {settings.slack_api_url} ({type(exc).__name__})",
            "check the network (and SLACK_API_URL, if you set it)",
        )
        return
    yield Check(PASS, f"Slack accepts {name}: workspace {answer.get('team')} ({answer.get('team_id')})")
    raw = answer.headers.get("x-oauth-scopes") or answer.headers.get("X-OAuth-Scopes")
    if raw is None:
        yield Check(NOTE, f"Slack did not say which scopes {name} has", "compare them with manifest.yml by hand")
        return
    granted = {scope.strip() for scope in (raw[0] if isinstance(raw, list) else raw).split(",") if scope.strip()}
    missing = [scope for scope in BOT_SCOPES if scope not in granted]
    extra = sorted(granted - set(BOT_SCOPES))
    if missing:
        yield Check(
            FAIL,
            f"{name} lacks scopes manifest.yml asks for: {', '.join(missing)}",
            "add them under OAuth & Permissions → Bot Token Scopes (or update the app from manifest.yml), "
            "then reinstall the app",
        )
    else:
        yield Check(PASS, f"{name} has every scope manifest.yml asks for ({len(BOT_SCOPES)})")
    if extra:
        yield Check(NOTE, f"{name} has scopes Handoff does not use: {', '.join(extra)}", "remove them: least privilege")


def _llm(settings: Settings) -> Iterator[Check]:
    if not settings.llm_enabled:
        yield Check(PASS, "no LLM endpoint configured: catch-ups use the built-in summarizer")
        return
    import openai

    where = settings.openai_base_url or "api.openai.com"
    client = openai.OpenAI(
        base_url=settings.openai_base_url, api_key=settings.openai_api_key, timeout=HTTP_TIMEOUT_SECONDS, max_retries=0
    )
    try:
        client.chat.completions.create(
            model=str(settings.handoff_llm_model), messages=[{"role": "user", "content": "ping"}], max_tokens=1
        )
    except openai.APIStatusError as exc:
        yield Check(
            FAIL,
            f"the LLM endpoint at {where} refuses a one-token request (HTTP {exc.status_code})",
            "check OPENAI_API_KEY and that HANDOFF_LLM_MODEL is a model it serves",
        )
        return
    except openai.APIError as exc:
        yield Check(
            FAIL, f"the LLM endpoint at {where} does not answer ({type(exc).__name__})", "check OPENAI_BASE_URL"
        )
        return
    finally:
        client.close()
    yield Check(PASS, f"the LLM endpoint at {where} answers with {settings.handoff_llm_model}")


def _reachable(url: str) -> Iterator[Check]:
    """The public URL Slack uses: its health check answers, and its events endpoint refuses the unsigned."""
    base = url.rstrip("/")
    try:
        health = httpx.get(f"{base}/healthz", timeout=HTTP_TIMEOUT_SECONDS)
        events = httpx.post(f"{base}/slack/events", content=b"{}", timeout=HTTP_TIMEOUT_SECONDS)
    except httpx.HTTPError as exc:
        yield Check(FAIL, f"{base} cannot be reached ({type(exc).__name__})", "check the URL, the tunnel or the proxy")
        return
    if health.status_code == 200 and events.status_code == 401:
        yield Check(PASS, f"{base}/slack/events is Handoff's and answers (Slack's request URL)")
    else:
        yield Check(
            FAIL,
            f"{base} does not answer as Handoff (healthz {health.status_code}, unsigned event {events.status_code})",
            "point the tunnel or proxy at `handoff serve`",
        )
