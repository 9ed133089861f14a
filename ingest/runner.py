"""Running one stored event through its processor exactly once, with retries and a dead end.

The same function runs for a live delivery (in Bolt's listener thread, after the ack) and for
an event the tick takes over from a worker that crashed or failed, so both paths behave alike.

A failure is sorted before anything is retried. Only what may pass is tried again: the database
unavailable or busy, Slack asking to wait (429) or failing (5xx, timeouts, dropped connections).
An event Handoff cannot use (a required field missing or unusable: `InvalidEvent`) and an error
in Handoff itself would fail the same way every time, so they are recorded once, with why, and
never run again: a bad payload costs one line in the log, not hours of retries and tracebacks.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import Enum
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.exc import DataError, DBAPIError, DisconnectionError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session

from bot.deps import Deps
from bot.slack_client import retry_after
from bot.slack_failures import SLACK_CALL_ERRORS
from ingest.discovery import Discovered, discover
from ingest.envelope import Envelope, MalformedEnvelope, parse_envelope
from ingest.event_fields import InvalidEvent
from ingest.known import KnownCache
from ingest.shared_channels import orphaned_copy, share
from store import claims, inbox, teams
from store.models import InboxEvent

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 6
# Slack answers these when the workspace's token is gone: retrying cannot help.
FATAL_SLACK_ERRORS = frozenset({"invalid_auth", "token_revoked", "account_inactive", "not_authed"})
# Failures that may pass: the database down, busy or losing a race (a unique row another worker
# wrote first), the pool exhausted, Slack's transport failing. A DataError is the event's own
# value refused by the database (a NUL byte, say): trying again cannot change that.
TRANSIENT_ERRORS: tuple[type[Exception], ...] = (DBAPIError, DisconnectionError, PoolTimeout, *SLACK_CALL_ERRORS)


class AlreadyProcessed(Exception):
    """Another worker finished this event, or took it over when our lease ran out."""


class Outcome(Enum):
    DONE = "done"
    DUPLICATE = "duplicate"
    RETRY = "retry"
    GAVE_UP = "gave_up"


@dataclass
class EventContext:
    """What a processor gets: the event, the collaborators, and its one unit of work."""

    deps: Deps
    envelope: Envelope
    row_id: int
    owner: str
    now: datetime
    known: KnownCache
    finished: bool = field(default=False, init=False)
    # Slack Connect: the other workspaces with Handoff in this event's channel, each given its own copy.
    shared_with: tuple[str, ...] = field(default=(), init=False)
    _remember: list[tuple[str, str]] = field(default_factory=list, init=False)

    @property
    def team_id(self) -> str:
        return self.envelope.team_id

    @property
    def event(self) -> dict[str, Any]:
        return self.envelope.event

    @property
    def client(self) -> WebClient:
        """The Web API client acting for this event's workspace."""
        return self.deps.slack.for_team(self.envelope.team_id, self.envelope.enterprise_id)

    @contextmanager
    def unit_of_work(self) -> Iterator[Session]:
        """One transaction that both applies the event and marks it processed, or neither.

        Marking comes first: it takes the inbox row's lock, so a second worker holding the
        same event waits here and then finds it done instead of applying it twice.
        """
        with self.deps.session_factory.begin() as session:
            if not inbox.finish(session=session, row_id=self.row_id, owner=self.owner, now=self.now):
                raise AlreadyProcessed
            yield session
        self.finished = True
        for kind, key in self._remember:
            self.known.remember(kind, self.team_id, key, self.now)

    def discover(
        self, *, channel_ids: Iterable[str] = (), user_ids: Iterable[str] = (), refresh_channels: bool = False
    ) -> Discovered:
        """Read from Slack the channels and people not stored yet (outside any transaction).

        Save the result inside `unit_of_work`; once that commits, they are remembered as stored.
        """
        found = discover(
            session_factory=self.deps.read_session_factory,
            client=self.client,
            team_id=self.team_id,
            channel_ids=channel_ids,
            user_ids=user_ids,
            refresh_channels=refresh_channels,
            known=self.known,
            now=self.now,
            enterprise_id=self.envelope.enterprise_id,
            bot_user_id=self.envelope.bot_user_id,
        )
        self._remember.extend(found.stored)
        return found

    def ensure_team(self, session: Session) -> None:
        """Record this event's workspace, once per worker and TTL."""
        if self.known.knows("team", self.team_id, self.team_id, self.now):
            return
        teams.ensure_team(
            session=session, team_id=self.team_id, enterprise_id=self.envelope.enterprise_id, now=self.now
        )
        self._remember.append(("team", self.team_id))


Processor = Callable[[EventContext], None]


def run_event(
    *,
    deps: Deps,
    processors: Mapping[str, Processor],
    row_id: int,
    body: str | dict[str, Any],
    owner: str,
    attempts: int = 1,
    known: KnownCache | None = None,
) -> Outcome:
    """Process one inbox row owned by `owner` and record the outcome; never raises."""
    now = deps.clock.now()
    try:
        parsed = json.loads(body) if isinstance(body, str) else body
        envelope = parse_envelope(parsed)
    except (MalformedEnvelope, ValueError) as exc:
        _give_up(deps, row_id, owner, now, f"unreadable event: {exc}")
        return Outcome.GAVE_UP
    context = EventContext(
        deps=deps, envelope=envelope, row_id=row_id, owner=owner, now=now, known=known or KnownCache()
    )
    log_extra = {
        "event_id": envelope.event_id,
        "event_type": envelope.event_type,
        "team_id": envelope.team_id,
    }
    try:
        processor = processors.get(envelope.event_type)
        if processor is not None and orphaned_copy(deps=deps, body=parsed, envelope=envelope):
            logger.info("dropping a shared channel's copy: its workspace uninstalled Handoff", extra=log_extra)
            processor = None
        if processor is not None:
            # Slack Connect: other workspaces with Handoff in the channel get their own copies first.
            context.shared_with = share(deps=deps, body=parsed, envelope=envelope, now=now)
            processor(context)
        if not context.finished:
            with context.unit_of_work():
                pass
    except AlreadyProcessed:
        logger.info("event already processed elsewhere", extra=log_extra)
        return Outcome.DUPLICATE
    except InvalidEvent as exc:
        logger.warning(
            "dropping event %s (%s): %s; it will not be retried",
            envelope.event_id,
            envelope.event_type,
            exc,
            extra=log_extra,
        )
        _give_up(deps, row_id, owner, now, f"invalid event: {exc}")
        return Outcome.GAVE_UP
    except SlackApiError as exc:
        error = str(exc.response.get("error", "")) if exc.response is not None else ""
        if error in FATAL_SLACK_ERRORS:
            logger.error("giving up on event: Slack says %s", error, extra=log_extra)
            _give_up(deps, row_id, owner, now, f"slack: {error}")
            return Outcome.GAVE_UP
        wait, reason = retry_after(exc), f"slack: {error or exc}"
    except TRANSIENT_ERRORS as exc:
        if isinstance(exc, DataError):
            logger.warning(
                "dropping event %s (%s): the database refuses a value of it (%s); it will not be retried",
                envelope.event_id,
                envelope.event_type,
                _first_line(exc),
                extra=log_extra,
            )
            _give_up(deps, row_id, owner, now, f"invalid event: the database refuses a value: {_first_line(exc)}")
            return Outcome.GAVE_UP
        wait, reason = None, f"{type(exc).__name__}: {_first_line(exc)}"
    except Exception as exc:
        # A mistake in Handoff, not a passing failure: the same event would fail the same way again.
        logger.exception("giving up on event %s: processing failed", envelope.event_id, extra=log_extra)
        _give_up(deps, row_id, owner, now, f"{type(exc).__name__}: {exc}")
        return Outcome.GAVE_UP
    else:
        return Outcome.DONE
    return _retry_later(
        deps,
        row_id=row_id,
        owner=owner,
        now=now,
        attempts=attempts,
        wait=wait,
        error=reason,
        log_extra=log_extra,
    )


def backoff(attempts: int) -> timedelta:
    """How long to wait before the next try: 1, 5, 25 … minutes, at most 6 hours."""
    return min(timedelta(minutes=5 ** max(attempts - 1, 0)), timedelta(hours=6))


def _retry_later(
    deps: Deps,
    *,
    row_id: int,
    owner: str,
    now: datetime,
    attempts: int,
    wait: timedelta | None,
    error: str,
    log_extra: dict[str, str],
) -> Outcome:
    if attempts >= MAX_ATTEMPTS:
        logger.error("giving up on event after %d attempts: %s", attempts, error, extra=log_extra)
        _give_up(deps, row_id, owner, now, f"gave up after {attempts} attempts: {error}")
        return Outcome.GAVE_UP
    if wait is not None and attempts > 1:
        # 429s in a row: Slack's Retry-After, but no sooner than the backoff, so that a storm on
        # users.info cannot use up an event's tries within seconds (and drop it).
        wait = max(wait, backoff(attempts - 1))
    retry_at = now + (wait if wait is not None else backoff(attempts))
    logger.warning("event will be retried at %s: %s", retry_at.isoformat(), error, extra=log_extra)
    with deps.session_factory.begin() as session:
        claims.release(
            session=session, model=InboxEvent, row_id=row_id, owner=owner, retry_at=retry_at, error=error, now=now
        )
    return Outcome.RETRY


def _first_line(exc: BaseException) -> str:
    # The database's messages run over several lines (the statement, its parameters): the first says it.
    original = getattr(exc, "orig", None) or exc
    lines = str(original).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def _give_up(deps: Deps, row_id: int, owner: str, now: datetime, error: str) -> None:
    with deps.session_factory.begin() as session:
        claims.give_up(session=session, model=InboxEvent, row_id=row_id, owner=owner, now=now, error=error)
