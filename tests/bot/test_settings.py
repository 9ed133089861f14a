"""Configuration: defaults, normalization, and one actionable line for every mistake."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.settings import ConfigError, Settings, load_settings
from tests.oauth import KEY, OLD_KEY

CONTRACT_VARIABLES = [
    "SLACK_BOT_TOKEN",
    "SLACK_SIGNING_SECRET",
    "SLACK_APP_TOKEN",
    "SLACK_CLIENT_ID",
    "SLACK_CLIENT_SECRET",
    "SLACK_API_URL",
    "DATABASE_URL",
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    "HANDOFF_LLM_MODEL",
    "HANDOFF_DECISION_EMOJI",
    "HANDOFF_TRAFFIC_RETENTION_DAYS",
    "HANDOFF_ENCRYPTION_KEY",
    "HANDOFF_INSECURE_DEV",
    "HANDOFF_UNINSTALL_GRACE_DAYS",
]


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in CONTRACT_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


def test_defaults_match_the_operator_contract() -> None:
    settings = load_settings()
    assert settings.database_url == "sqlite:///handoff.db"
    assert settings.slack_api_url == "https://slack.com/api/"
    assert settings.decision_emoji == ("memo",)
    assert settings.handoff_traffic_retention_days == 14
    assert not settings.llm_enabled
    assert not settings.oauth_enabled and settings.encryption_keys == ()
    assert settings.handoff_uninstall_grace_days == 30 and not settings.handoff_insecure_dev


def test_every_contract_variable_is_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    values = {
        "SLACK_BOT_TOKEN": "xoxb-1",
        "SLACK_SIGNING_SECRET": "s",
        "SLACK_APP_TOKEN": "xapp-1",
        "SLACK_CLIENT_ID": "123.456",
        "SLACK_CLIENT_SECRET": "cs",
        "SLACK_API_URL": "http://127.0.0.1:9/api/",
        "DATABASE_URL": "postgresql+psycopg://u@h/db",
        "OPENAI_API_KEY": "sk-1",
        "OPENAI_BASE_URL": "http://127.0.0.1:9/v1",
        "HANDOFF_LLM_MODEL": "m",
        "HANDOFF_DECISION_EMOJI": "memo, :pushpin:",
        "HANDOFF_TRAFFIC_RETENTION_DAYS": "30",
        "HANDOFF_ENCRYPTION_KEY": f" {KEY}, {OLD_KEY} ",
        "HANDOFF_INSECURE_DEV": "1",
        "HANDOFF_UNINSTALL_GRACE_DAYS": "7",
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    settings = load_settings()
    assert settings.slack_bot_token == "xoxb-1"
    assert settings.slack_app_token == "xapp-1"
    assert settings.slack_client_id == "123.456"
    assert settings.openai_base_url == "http://127.0.0.1:9/v1"
    assert settings.decision_emoji == ("memo", "pushpin")
    assert settings.handoff_traffic_retention_days == 30
    assert settings.llm_enabled
    assert settings.oauth_enabled
    assert settings.encryption_keys == (KEY, OLD_KEY)
    assert settings.handoff_insecure_dev and settings.handoff_uninstall_grace_days == 7


def test_a_dot_env_file_is_read(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("SLACK_BOT_TOKEN=xoxb-from-file\nDATABASE_URL=sqlite:///other.db\n")
    settings = load_settings()
    assert settings.slack_bot_token == "xoxb-from-file"
    assert settings.database_url == "sqlite:///other.db"


def test_the_api_url_gets_its_trailing_slash_and_postgres_urls_get_psycopg(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_API_URL", "http://127.0.0.1:9/api")
    monkeypatch.setenv("DATABASE_URL", "postgresql://u@h/db")
    settings = load_settings()
    assert settings.slack_api_url == "http://127.0.0.1:9/api/"
    assert settings.database_url == "postgresql+psycopg://u@h/db"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("HANDOFF_TRAFFIC_RETENTION_DAYS", "two weeks"),
        ("HANDOFF_TRAFFIC_RETENTION_DAYS", "0"),
        ("SLACK_API_URL", "slack.com/api"),
        ("DATABASE_URL", "mysql://u@h/db"),
        ("HANDOFF_DECISION_EMOJI", " , "),
    ],
)
def test_a_malformed_value_is_one_line_naming_the_variable_and_the_fix(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as caught:
        load_settings()
    message = str(caught.value)
    assert message.startswith(f"{name} is invalid")
    assert "set it to" in message and "\n" not in message


def test_a_missing_required_value_names_the_variable() -> None:
    with pytest.raises(ConfigError, match=r"^SLACK_SIGNING_SECRET is not set: set it to the Signing Secret"):
        Settings(_env_file=None).require("SLACK_SIGNING_SECRET")
