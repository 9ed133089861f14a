"""Handoff's configuration: one `Settings`, read from the environment and `.env`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import AliasChoices, Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_SLACK_API_URL = "https://slack.com/api/"

# One line per variable: what it is and what a valid value looks like, for error messages.
HINTS: dict[str, str] = {
    "SLACK_BOT_TOKEN": "the Bot User OAuth Token from your app's OAuth & Permissions page (starts with xoxb-)",
    "SLACK_SIGNING_SECRET": "the Signing Secret from your app's Basic Information page",
    "SLACK_APP_TOKEN": "an app-level token with connections:write, from Basic Information (starts with xapp-)",
    "SLACK_CLIENT_ID": "the Client ID from your app's Basic Information page",
    "SLACK_CLIENT_SECRET": "the Client Secret from your app's Basic Information page",
    "SLACK_API_URL": "an http(s) URL ending in a slash, e.g. https://slack.com/api/",
    "DATABASE_URL": "a SQLAlchemy URL, e.g. sqlite:///handoff.db or postgresql+psycopg://user@host/db",
    "HANDOFF_TRAFFIC_RETENTION_DAYS": "a whole number of days from 1 to 3650, e.g. 14",
    "HANDOFF_DECISION_EMOJI": "emoji names without colons, comma-separated, e.g. memo or memo,pushpin",
    "HANDOFF_LLM_MODEL": "a model name your OpenAI-compatible endpoint serves, e.g. gpt-4o-mini",
    "OPENAI_BASE_URL": "the base URL of an OpenAI-compatible API, e.g. https://api.openai.com/v1",
    "OPENAI_API_KEY": "an API key for OPENAI_BASE_URL",
    "HANDOFF_ENCRYPTION_KEY": (
        "one or more Fernet keys, comma-separated, newest first; make one with "
        "python3 -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'"
    ),
    "HANDOFF_INSECURE_DEV": "1 (only for a local trial: workspace tokens are then stored in plain text) or 0",
    "HANDOFF_UNINSTALL_GRACE_DAYS": "a whole number of days from 0 to 3650, e.g. 30",
    "HANDOFF_SLACK_TIMEOUT_SECONDS": "a whole number of seconds from 1 to 120, e.g. 10",
}


class ConfigError(Exception):
    """Configuration is missing or malformed; the message is one line naming the variable and the fix."""


def _env(name: str) -> Any:
    return Field(None, validation_alias=AliasChoices(name, name.lower()))


class Settings(BaseSettings):
    """Everything Handoff reads from its environment. Build once (in the CLI) and pass down."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    slack_bot_token: str | None = _env("SLACK_BOT_TOKEN")
    slack_signing_secret: str | None = _env("SLACK_SIGNING_SECRET")
    slack_app_token: str | None = _env("SLACK_APP_TOKEN")
    slack_client_id: str | None = _env("SLACK_CLIENT_ID")
    slack_client_secret: str | None = _env("SLACK_CLIENT_SECRET")
    slack_api_url: str = Field(DEFAULT_SLACK_API_URL, validation_alias=AliasChoices("SLACK_API_URL"))
    database_url: str = Field("sqlite:///handoff.db", validation_alias=AliasChoices("DATABASE_URL"))
    openai_api_key: str | None = _env("OPENAI_API_KEY")
    openai_base_url: str | None = _env("OPENAI_BASE_URL")
    handoff_llm_model: str | None = _env("HANDOFF_LLM_MODEL")
    handoff_decision_emoji: str = Field("memo", validation_alias=AliasChoices("HANDOFF_DECISION_EMOJI"))
    handoff_traffic_retention_days: int = Field(
        14, ge=1, le=3650, validation_alias=AliasChoices("HANDOFF_TRAFFIC_RETENTION_DAYS")
    )
    # OAuth mode: the keys that encrypt workspace tokens at rest (the first encrypts, all decrypt).
    handoff_encryption_key: str | None = _env("HANDOFF_ENCRYPTION_KEY")
    handoff_insecure_dev: bool = Field(False, validation_alias=AliasChoices("HANDOFF_INSECURE_DEV"))
    # After an uninstall, how long the decision log is kept for a reinstall or an export.
    handoff_uninstall_grace_days: int = Field(
        30, ge=0, le=3650, validation_alias=AliasChoices("HANDOFF_UNINSTALL_GRACE_DAYS")
    )
    # How long one Web API call may take before it counts as failed (its outcome then unknown).
    handoff_slack_timeout_seconds: int = Field(
        10, ge=1, le=120, validation_alias=AliasChoices("HANDOFF_SLACK_TIMEOUT_SECONDS")
    )

    @field_validator("slack_api_url")
    @classmethod
    def _api_url_has_trailing_slash(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http(s) URL")
        # slack-sdk joins method names with urljoin: without the slash the last path part is dropped.
        return value if value.endswith("/") else value + "/"

    @field_validator("database_url")
    @classmethod
    def _database_url_is_supported(cls, value: str) -> str:
        if not value.startswith(("sqlite:", "postgresql")):
            raise ValueError("must start with sqlite:/// or postgresql")
        # Plain postgres URLs would pick psycopg2, which Handoff does not ship; psycopg 3 is the driver.
        if value.startswith("postgresql://"):
            return "postgresql+psycopg://" + value.removeprefix("postgresql://")
        return value

    @field_validator("handoff_decision_emoji")
    @classmethod
    def _emoji_names(cls, value: str) -> str:
        names = [name.strip().strip(":") for name in value.split(",") if name.strip()]
        if not names or any(not name or " " in name for name in names):
            raise ValueError("must be emoji names")
        return ",".join(names)

    @field_validator("handoff_encryption_key")
    @classmethod
    def _fernet_keys(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        from cryptography.fernet import Fernet

        keys = [key.strip() for key in value.split(",") if key.strip()]
        for key in keys:
            try:
                Fernet(key)
            except (ValueError, TypeError):
                raise ValueError("each key must be 32 url-safe base64-encoded bytes") from None
        return ",".join(keys)

    @property
    def oauth_enabled(self) -> bool:
        """True when Handoff installs to many workspaces through OAuth (SLACK_CLIENT_ID and SLACK_CLIENT_SECRET)."""
        return bool(self.slack_client_id and self.slack_client_secret)

    @property
    def encryption_keys(self) -> tuple[str, ...]:
        """The Fernet keys from HANDOFF_ENCRYPTION_KEY, newest (the one that encrypts) first."""
        return tuple(self.handoff_encryption_key.split(",")) if self.handoff_encryption_key else ()

    @property
    def decision_emoji(self) -> tuple[str, ...]:
        """The decision emoji names, without colons."""
        return tuple(self.handoff_decision_emoji.split(","))

    @property
    def llm_enabled(self) -> bool:
        """True when an OpenAI-compatible endpoint is configured for summaries."""
        return bool(self.openai_api_key and self.handoff_llm_model)

    def require_token_key(self) -> None:
        """OAuth mode stores workspace tokens encrypted: refuse to run without a key unless told it is a trial."""
        if self.oauth_enabled and not self.handoff_encryption_key and not self.handoff_insecure_dev:
            raise ConfigError(
                "HANDOFF_ENCRYPTION_KEY is not set, and OAuth mode stores workspace tokens encrypted with it: "
                f"set it to {HINTS['HANDOFF_ENCRYPTION_KEY']} "
                "(or HANDOFF_INSECURE_DEV=1 for a local trial with plain-text tokens)."
            )

    def require(self, *names: str) -> None:
        """Raise ConfigError for the first of `names` (environment variable names) that is unset."""
        for name in names:
            if not getattr(self, name.lower()):
                raise ConfigError(f"{name} is not set: set it to {HINTS.get(name, 'a value')} (or put it in .env).")


def load_settings(env_file: Path | None = Path(".env")) -> Settings:
    """Read the settings, turning pydantic's validation report into one actionable line."""
    try:
        return Settings(_env_file=env_file)
    except ValidationError as exc:
        error = exc.errors()[0]
        field = str(error["loc"][0]).upper() if error["loc"] else "configuration"
        hint = HINTS.get(field, "a valid value")
        raise ConfigError(f"{field} is invalid ({error['msg']}): set it to {hint}.") from None
