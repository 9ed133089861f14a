"""Workspace installations (OAuth mode): slack-sdk's SQLAlchemy store on Handoff's tables, tokens encrypted.

`SQLAlchemyInstallationStore` builds its tables on a private MetaData and creates them itself;
here they are Handoff's (`store.models.SLACK_INSTALLATIONS`, `SLACK_BOTS`, created by Alembic), every
token is encrypted before it is written and decrypted when read, an installation and its bot are
saved in one transaction, and lookups read through the read-only engine (on SQLite they never
queue behind writers, and they can run while the caller holds a write transaction).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from slack_sdk.oauth.installation_store.models.bot import Bot
from slack_sdk.oauth.installation_store.models.installation import Installation
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.sqlalchemy_utils import normalize_datetime_for_db
from sqlalchemy import ColumnElement, Connection, Engine, Table, and_, delete, desc, exists, or_, select
from sqlalchemy.orm import Session

from store.models import SLACK_BOTS, SLACK_INSTALLATIONS, TOKEN_COLUMNS, Base, Team
from store.token_cipher import TokenCipher, UnreadableToken

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Expiring:
    """A workspace's latest bot token that expires soon and has a refresh token."""

    enterprise_id: str | None
    team_id: str | None
    is_enterprise_install: bool
    expires_at: datetime


class HandoffInstallationStore(SQLAlchemyInstallationStore):
    """Installations and bots of every workspace that installed Handoff, tokens encrypted at rest."""

    def __init__(self, *, client_id: str, engine: Engine, read_engine: Engine, cipher: TokenCipher) -> None:
        # Not super().__init__(): it would build the tables again on a MetaData of its own.
        self.client_id = client_id
        self.engine = engine
        self.read_engine = read_engine
        self.metadata = Base.metadata
        self.installations = SLACK_INSTALLATIONS
        self.bots = SLACK_BOTS
        self.cipher = cipher
        self._logger = logger

    # -- writing -----------------------------------------------------------------------------

    def save(self, installation: Installation) -> None:
        """Store an installation and its bot (a new one, or the same install's rotated tokens)."""
        values = self._sealed(installation.to_dict())
        bot_values = self._sealed(installation.to_bot().to_dict())
        with self.engine.begin() as connection:
            self._write(connection, self.installations, values)
            self._write(connection, self.bots, bot_values)

    def save_bot(self, bot: Bot) -> None:
        """Store a bot on its own (Bolt does this when it rotates a bot-only installation)."""
        with self.engine.begin() as connection:
            self._write(connection, self.bots, self._sealed(bot.to_dict()))

    def _sealed(self, values: dict[str, Any]) -> dict[str, Any]:
        sealed = dict(values)
        sealed["client_id"] = self.client_id
        for name in ("installed_at", "bot_token_expires_at", "user_token_expires_at"):
            if name in sealed:
                sealed[name] = normalize_datetime_for_db(sealed[name])
        for name in TOKEN_COLUMNS:
            if sealed.get(name):
                sealed[name] = self.cipher.encrypt(sealed[name])
        return sealed

    def _write(self, connection: Connection, table: Table, values: dict[str, Any]) -> None:
        # One row per install (client, org, workspace, installed_at), as slack-sdk keeps them:
        # a token rotation updates the row of the install it belongs to.
        values = {name: value for name, value in values.items() if name in table.c}
        c = table.c
        same_workspace = (
            c.client_id == self.client_id,
            c.enterprise_id == values.get("enterprise_id"),
            c.team_id == values.get("team_id"),
        )
        row_id = connection.scalar(
            select(c.id).where(*same_workspace, c.installed_at == values["installed_at"]).limit(1)
        )
        if row_id is not None:
            connection.execute(table.update().where(c.id == row_id).values(**values))
            return
        connection.execute(table.insert().values(**values))
        # A reinstall replaces the earlier installs: slack-sdk keeps them for people's own tokens,
        # which Handoff never asks for, so they would only be old secrets lying around.
        connection.execute(delete(table).where(*same_workspace, c.installed_at < values["installed_at"]))

    # -- reading -----------------------------------------------------------------------------

    def find_bot(
        self, *, enterprise_id: str | None, team_id: str | None, is_enterprise_install: bool | None = False
    ) -> Bot | None:
        """The latest bot of a workspace (or of an org, for an org-wide install)."""
        if is_enterprise_install or team_id is None:
            team_id = None
        c = self.bots.c
        query = (
            select(self.bots)
            .where(
                c.client_id == self.client_id,
                c.enterprise_id == enterprise_id,
                c.team_id == team_id,
                c.bot_token.is_not(None),
            )
            .order_by(desc(c.installed_at))
            .limit(1)
        )
        with self.read_engine.connect() as connection:
            row = connection.execute(query).mappings().first()
        return self._opened_bot(row) if row is not None else None

    def find_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
        is_enterprise_install: bool | None = False,
    ) -> Installation | None:
        """The latest installation of a workspace (or org), with the latest bot token."""
        if is_enterprise_install or team_id is None:
            team_id = None
        c = self.installations.c
        conditions = [c.client_id == self.client_id, c.enterprise_id == enterprise_id, c.team_id == team_id]
        if user_id is not None:
            conditions.append(c.user_id == user_id)
        query = select(self.installations).where(and_(*conditions)).order_by(desc(c.installed_at)).limit(1)
        with self.read_engine.connect() as connection:
            row = connection.execute(query).mappings().first()
        if row is None:
            return None
        installation = self._opened_installation(row)
        if installation is None:
            return None
        if user_id is not None or installation.bot_token is None:
            # As slack-sdk does: a user's own installation carries the workspace's latest bot token.
            bot = self.find_bot(
                enterprise_id=enterprise_id, team_id=team_id, is_enterprise_install=is_enterprise_install
            )
            if bot is not None and bot.bot_token != installation.bot_token:
                installation.bot_id = bot.bot_id
                installation.bot_user_id = bot.bot_user_id
                installation.bot_token = bot.bot_token
                installation.bot_scopes = bot.bot_scopes
                installation.bot_refresh_token = bot.bot_refresh_token
                installation.bot_token_expires_at = bot.bot_token_expires_at
        return installation

    def bot_for_team(self, *, team_id: str, enterprise_id: str | None = None) -> Bot | None:
        """The bot that acts in a workspace: its own install, else its organization's org-wide install.

        The organization is the one on the workspace's record (from its installation); `enterprise_id`
        counts only for a workspace not on record yet. A workspace that installed Handoff itself
        never borrows an org-wide token: with its own gone, it has none.
        """
        c = self.bots.c
        latest = (
            select(self.bots)
            .where(c.client_id == self.client_id, c.bot_token.is_not(None))
            .order_by(desc(c.installed_at))
            .limit(1)
        )
        with self.read_engine.connect() as connection:
            row = connection.execute(latest.where(c.team_id == team_id)).mappings().first()
            own = connection.scalar(
                select(
                    exists().where(
                        self.installations.c.client_id == self.client_id, self.installations.c.team_id == team_id
                    )
                )
            )
            if row is None and not own:
                recorded = connection.execute(select(Team.enterprise_id).where(Team.team_id == team_id)).first()
                org = recorded.enterprise_id if recorded is not None else enterprise_id
                if org:
                    row = (
                        connection.execute(latest.where(c.enterprise_id == org, c.is_enterprise_install.is_(True)))
                        .mappings()
                        .first()
                    )
        return self._opened_bot(row) if row is not None else None

    def expiring(self, *, before: datetime) -> list[Expiring]:
        """Latest bots per workspace (or org) whose token expires before an instant and can be refreshed."""
        bots = self.bots
        newer = bots.alias("newer")
        c = bots.c
        query = select(c.enterprise_id, c.team_id, c.is_enterprise_install, c.bot_token_expires_at).where(
            c.client_id == self.client_id,
            c.bot_refresh_token.is_not(None),
            c.bot_token_expires_at <= normalize_datetime_for_db(before.astimezone(UTC)),
            ~exists().where(
                newer.c.client_id == c.client_id,
                newer.c.enterprise_id.is_not_distinct_from(c.enterprise_id),
                newer.c.team_id.is_not_distinct_from(c.team_id),
                newer.c.installed_at > c.installed_at,
            ),
        )
        with self.read_engine.connect() as connection:
            rows = connection.execute(query).all()
        return [
            Expiring(
                enterprise_id=row.enterprise_id,
                team_id=row.team_id,
                is_enterprise_install=bool(row.is_enterprise_install),
                expires_at=row.bot_token_expires_at.replace(tzinfo=UTC),
            )
            for row in rows
        ]

    def _opened_installation(self, row: Any) -> Installation | None:
        installation = self.build_installation_entity(row)
        try:
            for name in TOKEN_COLUMNS:
                value = getattr(installation, name)
                if value:
                    setattr(installation, name, self.cipher.decrypt(value))
        except UnreadableToken:
            self._log_unreadable(installation.enterprise_id, installation.team_id)
            return None
        return installation

    def _opened_bot(self, row: Any) -> Bot | None:
        bot = self.build_bot_entity(row)
        try:
            bot.bot_token = self.cipher.decrypt(bot.bot_token)
            if bot.bot_refresh_token:
                bot.bot_refresh_token = self.cipher.decrypt(bot.bot_refresh_token)
        except UnreadableToken:
            self._log_unreadable(bot.enterprise_id, bot.team_id)
            return None
        return bot

    def _log_unreadable(self, enterprise_id: str | None, team_id: str | None) -> None:
        logger.error(
            "the stored token of workspace %s (org %s) cannot be decrypted: is the key that encrypted it still in "
            "HANDOFF_ENCRYPTION_KEY? Until it is, Handoff acts as if that workspace had not installed it.",
            team_id,
            enterprise_id,
        )


@dataclass(frozen=True)
class WorkspaceBot:
    """A workspace's own installation of Handoff: which bot user acts there."""

    team_id: str
    enterprise_id: str | None
    bot_user_id: str


def workspace_bots(*, session: Session, client_id: str, other_than: str) -> list[WorkspaceBot]:
    """Every workspace but `other_than` with its own installation (not an org-wide one) and a bot token,
    with its latest bot; in team order."""
    c = SLACK_BOTS.c
    rows = session.execute(
        select(c.team_id, c.enterprise_id, c.bot_user_id)
        .where(
            c.client_id == client_id,
            c.team_id.is_not(None),
            c.team_id != other_than,
            c.bot_user_id.is_not(None),
            c.bot_token.is_not(None),
        )
        .order_by(c.team_id, desc(c.installed_at))
    )
    latest: dict[str, WorkspaceBot] = {}
    for row in rows:
        latest.setdefault(str(row.team_id), WorkspaceBot(str(row.team_id), row.enterprise_id, str(row.bot_user_id)))
    return list(latest.values())


def delete_installations(*, session: Session, team_ids: list[str], enterprise_id: str | None, org_wide: bool) -> int:
    """Forget the installations and bots of workspaces (and of their org-wide install); returns rows deleted."""
    deleted = 0
    for table in (SLACK_INSTALLATIONS, SLACK_BOTS):
        c = table.c
        condition: ColumnElement[bool] = c.team_id.in_(team_ids)
        if org_wide and enterprise_id:
            condition = or_(condition, and_(c.enterprise_id == enterprise_id, c.team_id.is_(None)))
        deleted += int(session.execute(delete(table).where(condition)).rowcount)  # type: ignore[attr-defined]
    return deleted
