"""Noting who uses Handoff: their morning catch-up starts (unless they turn it off), and nobody else's does.

Their workspace is noted too, so a workspace known only through commands is one for `handoff stats`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Executor
from typing import Any

from slack_bolt import BoltRequest, BoltResponse
from slack_bolt.middleware import Middleware
from sqlalchemy.exc import SQLAlchemyError

from bot.deps import Deps
from ingest.discovery import learn
from store import catchups, teams

logger = logging.getLogger(__name__)

# People this process already noted; a cache only (the database decides), bounded.
_REMEMBERED = 50_000


class EngagementMiddleware(Middleware):
    """After a command, a button or a shortcut, note its person as a Handoff user, off the ack's path."""

    def __init__(self, *, deps: Deps, executor: Executor) -> None:
        self.deps = deps
        self.executor = executor
        self.noted: set[tuple[str, str]] = set()

    def process(self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]) -> BoltResponse | None:
        response = next()
        who = _person(req.body)
        if who is not None and who not in self.noted:
            if len(self.noted) >= _REMEMBERED:
                self.noted.clear()
            self.noted.add(who)
            try:
                self.executor.submit(self._engage, *who)
            except RuntimeError:
                # The process is shutting down: the note waits for their next use; the request is answered.
                self.noted.discard(who)
        return response

    def _engage(self, team_id: str, user_id: str) -> None:
        try:
            with self.deps.session_factory.begin() as session:
                # A workspace whose first contact is a command or a button is a workspace all the same.
                teams.ensure_team(session=session, team_id=team_id, now=self.deps.clock.now())
                first = catchups.engage(session=session, team_id=team_id, user_id=user_id, now=self.deps.clock.now())
            if first:
                # Their Slack time zone decides when their catch-up comes: read it now (one users.info).
                found = learn(self.deps, team_id=team_id, user_ids=[user_id])
                with self.deps.session_factory.begin() as session:
                    found.save(session=session, now=self.deps.clock.now())
        except SQLAlchemyError as exc:
            # Noted again on their next use; a missed note only delays their first catch-up.
            self.noted.discard((team_id, user_id))
            logger.warning("could not note %s in %s as a Handoff user: %s", user_id, team_id, exc)


def _person(body: dict[str, Any]) -> tuple[str, str] | None:
    """(team, user) of a slash command or an interaction; None for events and anything else."""
    if body.get("type") == "event_callback":
        return None
    if "command" in body:
        team, user = body.get("team_id"), body.get("user_id")
    else:
        team = (body.get("team") or {}).get("id") if isinstance(body.get("team"), dict) else None
        user = (body.get("user") or {}).get("id") if isinstance(body.get("user"), dict) else None
    return (str(team), str(user)) if team and user else None
