"""The installation store: tokens encrypted at rest, key rotation, and the bot that acts for a workspace."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from slack_sdk.oauth.installation_store import Installation
from sqlalchemy import select

from bot.db import build_engine, build_session_factory, read_only
from store.installations import HandoffInstallationStore
from store.models import SLACK_BOTS, SLACK_INSTALLATIONS
from store.teams import ensure_team
from store.token_cipher import FernetCipher, PlaintextCipher, TokenCipher
from tests.oauth import KEY, OLD_KEY

INSTALLED = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def _store(database_url: str, cipher: TokenCipher) -> HandoffInstallationStore:
    engine = build_engine(database_url)
    return HandoffInstallationStore(client_id="1.2", engine=engine, read_engine=read_only(engine), cipher=cipher)


def _installation(
    team_id: str | None, token: str, *, enterprise_id: str | None = None, org: bool = False
) -> Installation:
    return Installation(
        app_id="AHANDOFF",
        enterprise_id=enterprise_id,
        team_id=team_id,
        bot_token=token,
        bot_id="BBOT",
        bot_user_id="UBOT",
        bot_refresh_token=f"refresh-{token}",
        bot_token_expires_at=int(INSTALLED.timestamp()) + 43_200,
        user_id="U1",
        is_enterprise_install=org,
        installed_at=INSTALLED.timestamp(),
    )


def test_tokens_are_unreadable_at_rest_and_read_back_as_slack_gave_them(database_url: str) -> None:
    store = _store(database_url, FernetCipher([KEY]))
    store.save(_installation("T1", "xoxe.xoxb-secret"))

    with store.engine.connect() as connection:
        stored = connection.execute(
            select(SLACK_INSTALLATIONS.c.bot_token, SLACK_INSTALLATIONS.c.bot_refresh_token)
        ).one()
        [bot_token] = connection.execute(select(SLACK_BOTS.c.bot_token)).scalars()
    assert all("secret" not in value for value in (*stored, bot_token))
    found = store.find_installation(enterprise_id=None, team_id="T1")
    assert found is not None
    assert (found.bot_token, found.bot_refresh_token) == ("xoxe.xoxb-secret", "refresh-xoxe.xoxb-secret")
    bot = store.find_bot(enterprise_id=None, team_id="T1")
    assert bot is not None and bot.bot_token == "xoxe.xoxb-secret"
    store.engine.dispose()


def test_a_new_key_first_still_reads_tokens_of_the_old_key_and_saves_under_the_new(database_url: str) -> None:
    _store(database_url, FernetCipher([OLD_KEY])).save(_installation("T1", "xoxb-old"))
    rotated = _store(database_url, FernetCipher([KEY, OLD_KEY]))

    found = rotated.find_installation(enterprise_id=None, team_id="T1")
    assert found is not None and found.bot_token == "xoxb-old"
    rotated.save(found)  # as a token rotation does
    only_new = _store(database_url, FernetCipher([KEY]))
    again = only_new.find_installation(enterprise_id=None, team_id="T1")
    assert again is not None and again.bot_token == "xoxb-old"
    rotated.engine.dispose()
    only_new.engine.dispose()


def test_a_token_no_configured_key_decrypts_counts_as_not_installed(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    _store(database_url, FernetCipher([OLD_KEY])).save(_installation("T1", "xoxb-old"))
    store = _store(database_url, FernetCipher([KEY]))

    assert store.find_installation(enterprise_id=None, team_id="T1") is None
    assert store.bot_for_team(team_id="T1") is None
    assert "cannot be decrypted" in caplog.text
    store.engine.dispose()


def test_plain_text_is_only_what_insecure_dev_mode_stores(database_url: str) -> None:
    store = _store(database_url, PlaintextCipher())
    store.save(_installation("T1", "xoxb-dev"))
    with store.engine.connect() as connection:
        assert connection.scalar(select(SLACK_BOTS.c.bot_token)) == "xoxb-dev"
    store.engine.dispose()


def test_the_bot_for_a_workspace_is_its_own_else_its_orgs(database_url: str) -> None:
    store = _store(database_url, FernetCipher([KEY]))
    store.save(_installation("T1", "xoxb-t1", enterprise_id="E1"))
    store.save(_installation(None, "xoxb-org", enterprise_id="E2", org=True))
    with build_session_factory(store.engine).begin() as session:
        ensure_team(session=session, team_id="T9", now=INSTALLED, enterprise_id="E2")

    own = store.bot_for_team(team_id="T1")
    by_org = store.bot_for_team(team_id="T8", enterprise_id="E2")
    known_member = store.bot_for_team(team_id="T9")  # the org is read from what Handoff knows of T9

    assert own is not None and own.bot_token == "xoxb-t1"
    assert by_org is not None and by_org.bot_token == "xoxb-org"
    assert known_member is not None and known_member.bot_token == "xoxb-org"
    assert store.bot_for_team(team_id="T7") is None
    store.engine.dispose()


def test_a_reinstall_replaces_the_earlier_installation_and_its_tokens(database_url: str) -> None:
    store = _store(database_url, FernetCipher([KEY]))
    store.save(_installation("T1", "xoxb-first"))
    store.save(_installation("T2", "xoxb-other"))
    again = _installation("T1", "xoxb-second")
    again.installed_at += 3600
    store.save(again)

    with store.engine.connect() as connection:
        for table in (SLACK_INSTALLATIONS, SLACK_BOTS):
            teams = sorted(connection.execute(select(table.c.team_id)).scalars())
            assert teams == ["T1", "T2"], table.name
    found = store.find_installation(enterprise_id=None, team_id="T1")
    assert found is not None and found.bot_token == "xoxb-second"
    store.engine.dispose()
