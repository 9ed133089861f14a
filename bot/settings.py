"""Handoff's configuration: one `Settings`, read from the environment and `.env`."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import AliasChoices, Field, ValidationError, ValidationInfo, field_validator
from pydantic_core import ErrorDetails
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot import config_values

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
    "HANDOFF_LOG_FORMAT": "text (lines for people, the default) or json (one object per line, for log collectors)",
}


# Values never repeated back in an error: an error message may end up in a log.
SECRETS = frozenset(
    {
        "SLACK_BOT_TOKEN",
        "SLACK_SIGNING_SECRET",
        "SLACK_APP_TOKEN",
        "SLACK_CLIENT_SECRET",
        "OPENAI_API_KEY",
        "HANDOFF_ENCRYPTION_KEY",
        "DATABASE_URL",
    }
)

_OPTIONAL_CHECKS: dict[str, Callable[[str], str]] = {
    "slack_bot_token": lambda v: config_values.slack_token(
        v, prefixes=config_values.BOT_TOKEN_PREFIXES, what="a bot token (xoxb-…)"
    ),
    "slack_app_token": lambda v: config_values.slack_token(v, prefixes=("xapp-",), what="an app-level token (xapp-…)"),
    "slack_signing_secret": config_values.no_blanks,
    "slack_client_id": config_values.client_id,
    "slack_client_secret": config_values.no_blanks,
    "openai_api_key": config_values.no_blanks,
    "openai_base_url": config_values.http_url,
    "handoff_llm_model": config_values.no_blanks,
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

    # How log lines are written: for people (text) or for a log collector (json).
    handoff_log_format: str = Field("text", validation_alias=AliasChoices("HANDOFF_LOG_FORMAT"))

    @field_validator(
        "slack_bot_token",
        "slack_signing_secret",
        "slack_app_token",
        "slack_client_id",
        "slack_client_secret",
        "openai_api_key",
        "openai_base_url",
        "handoff_llm_model",
    )
    @classmethod
    def _optional_text(cls, value: str | None, info: ValidationInfo) -> str | None:
        # Blank is unset (`SLACK_BOT_TOKEN=` in .env): commands that need it say so by name.
        if value is None or not value.strip():
            return None
        check = _OPTIONAL_CHECKS[str(info.field_name)]
        return check(value)

    @field_validator("slack_api_url")
    @classmethod
    def _api_url_has_trailing_slash(cls, value: str) -> str:
        value = config_values.http_url(value)
        # slack-sdk joins method names with urljoin: without the slash the last path part is dropped.
        return value if value.endswith("/") else value + "/"

    @field_validator("database_url")
    @classmethod
    def _database_url_is_supported(cls, value: str) -> str:
        return config_values.database_url(value)

    @field_validator("handoff_decision_emoji")
    @classmethod
    def _emoji_names(cls, value: str) -> str:
        return config_values.emoji_names(value)

    @field_validator("handoff_log_format")
    @classmethod
    def _log_format(cls, value: str) -> str:
        if value.strip().lower() not in {"text", "json"}:
            raise ValueError(f"{value[:20]!r} is neither text nor json")
        return value.strip().lower()

    @field_validator("handoff_encryption_key")
    @classmethod
    def _fernet_keys(cls, value: str | None) -> str | None:
        return None if value is None else config_values.fernet_keys(value)

    @property
    def secrets(self) -> tuple[str | None, ...]:
        """Every credential Handoff was given, for the logs to redact."""
        return (
            self.slack_bot_token,
            self.slack_signing_secret,
            self.slack_app_token,
            self.slack_client_secret,
            self.openai_api_key,
            *self.encryption_keys,
        )

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

    def require_oauth_pair(self) -> None:
        """SLACK_CLIENT_ID and SLACK_CLIENT_SECRET come together: one alone is a half-made OAuth setup."""
        for given, missing in (("SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET"), ("SLACK_CLIENT_SECRET", "SLACK_CLIENT_ID")):
            if getattr(self, given.lower()) and not getattr(self, missing.lower()):
                raise ConfigError(
                    f"{missing} is not set but {given} is: set it to {HINTS[missing]} for OAuth mode "
                    f"(or unset {given} to serve one workspace with SLACK_BOT_TOKEN)."
                )

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
        raise ConfigError(f"{field} is invalid: {_in_words(field, error)}; set it to {hint}.") from None


def _in_words(field: str, error: ErrorDetails) -> str:
    """What is wrong, in Handoff's words rather than pydantic's ("Value error, …", "Input should be …")."""
    kind, given = error["type"], error.get("input")
    shown = "the value" if field in SECRETS or not isinstance(given, str) else repr(given[:60])
    context = error.get("ctx") or {}
    if kind == "value_error" and context.get("error") is not None:
        return str(context["error"])
    if kind in {"int_parsing", "int_from_float", "int_type"}:
        return f"{shown} is not a whole number"
    if kind in {"greater_than_equal", "greater_than"}:
        return f"{shown} is below {context.get('ge', context.get('gt'))}"
    if kind in {"less_than_equal", "less_than"}:
        return f"{shown} is above {context.get('le', context.get('lt'))}"
    if kind in {"bool_parsing", "bool_type"}:
        return f"{shown} is neither 1 nor 0"
    return f"{shown} cannot be read as one"
