"""OAuth states: slack-sdk's SQLAlchemy state store on Handoff's table, on Handoff's clock, consumed once."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from slack_sdk.oauth.sqlalchemy_utils import normalize_datetime_for_db
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import Engine, delete
from sqlalchemy.orm import Session

from store.models import SLACK_OAUTH_STATES, Base

logger = logging.getLogger(__name__)

# How long an "Add to Slack" link stays usable (slack-sdk's default).
STATE_LIFETIME = timedelta(minutes=10)


class HandoffOAuthStateStore(SQLAlchemyOAuthStateStore):
    """Issues the `state` of each install link and accepts it back once, before it expires."""

    def __init__(self, *, engine: Engine, now: Callable[[], datetime], lifetime: timedelta = STATE_LIFETIME) -> None:
        # Not super().__init__(): it would build the table again on a MetaData of its own.
        self.expiration_seconds = int(lifetime.total_seconds())
        self.engine = engine
        self.metadata = Base.metadata
        self.oauth_states = SLACK_OAUTH_STATES
        self._logger = logger
        self._now = now

    def issue(self, *args: Any, **kwargs: Any) -> str:
        """A new unguessable state, valid for the lifetime."""
        state = secrets.token_urlsafe(24)
        expire_at = normalize_datetime_for_db(self._now().astimezone(UTC) + timedelta(seconds=self.expiration_seconds))
        with self.engine.begin() as connection:
            connection.execute(self.oauth_states.insert().values(state=state, expire_at=expire_at))
        return state

    def consume(self, state: str) -> bool:
        """True once for a state that was issued and has not expired; a replay or a forgery gets False."""
        if not state:
            return False
        now = normalize_datetime_for_db(self._now().astimezone(UTC))
        c = self.oauth_states.c
        # One DELETE … RETURNING: of two callbacks racing with the same state, only one gets the row.
        statement = delete(self.oauth_states).where(c.state == state, c.expire_at > now).returning(c.id)
        with self.engine.begin() as connection:
            return connection.execute(statement).first() is not None


def prune_expired(*, session: Session, now: datetime) -> int:
    """Delete states that expired unused (slack-sdk's store never does); returns how many."""
    cutoff = normalize_datetime_for_db(now.astimezone(UTC))
    result = session.execute(delete(SLACK_OAUTH_STATES).where(SLACK_OAUTH_STATES.c.expire_at <= cutoff))
    return int(result.rowcount)  # type: ignore[attr-defined]
