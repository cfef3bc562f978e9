"""Every environment variable procurebot reads, in one place."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.resources import example_policy_path

_EXAMPLE_POLICY = example_policy_path()
# Tries before the outbox gives up on a message that keeps failing for a passing reason
# (Slack or Teams down, rate limits, the database away): with its backoff doubling from 2 s
# up to 5 minutes, about four and a half hours.
DEFAULT_OUTBOX_MAX_ATTEMPTS = 60


class Settings(BaseSettings):
    """Read from the environment (and a .env file in the working directory, if any)."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    database_url: str = Field(default="sqlite:///procurebot.db", alias="DATABASE_URL")
    policy_path: Path = Field(default=_EXAMPLE_POLICY, alias="PROCUREBOT_POLICY")
    port: int = Field(default=3000, alias="PORT")
    slack_bot_token: SecretStr | None = Field(default=None, alias="SLACK_BOT_TOKEN")
    slack_signing_secret: SecretStr | None = Field(default=None, alias="SLACK_SIGNING_SECRET")
    slack_app_token: SecretStr | None = Field(default=None, alias="SLACK_APP_TOKEN")
    slack_api_url: str | None = Field(default=None, alias="SLACK_API_URL")
    microsoft_app_id: str = Field(default="", alias="MICROSOFT_APP_ID")
    microsoft_app_password: SecretStr = Field(default=SecretStr(""), alias="MICROSOFT_APP_PASSWORD")
    microsoft_app_tenant_id: str = Field(default="", alias="MICROSOFT_APP_TENANT_ID")
    microsoft_app_type: str = Field(default="MultiTenant", alias="MICROSOFT_APP_TYPE")
    # Teams without credentials: /api/messages unauthenticated, for local development only.
    teams_dev_insecure: bool = Field(default=False, alias="PROCUREBOT_TEAMS_DEV_INSECURE")
    # Accept Teams activities from every tenant (a MultiTenant bot without a tenant id).
    teams_any_tenant: bool = Field(default=False, alias="PROCUREBOT_TEAMS_ANY_TENANT")
    # Where the bot starts a conversation in a Teams channel (the weekly digest); Microsoft's
    # global address for the public cloud. Tests point it at a local fake connector.
    teams_service_url: str = Field(
        default="https://smba.trafficmanager.net/teams/", alias="TEAMS_SERVICE_URL"
    )
    outbox_max_attempts: int = Field(
        default=DEFAULT_OUTBOX_MAX_ATTEMPTS, ge=1, alias="PROCUREBOT_OUTBOX_MAX_ATTEMPTS"
    )
    # Connections `serve` keeps open at once; unset: adapters.http_limits decides from the
    # open-file limit (at most 1000).
    max_connections: int | None = Field(default=None, ge=1, alias="PROCUREBOT_MAX_CONNECTIONS")
    # text: the usual one line per record; json: one JSON object per line, for log shippers.
    log_format: Literal["text", "json"] = Field(default="text", alias="LOG_FORMAT")
    # When set, GET /metrics needs `Authorization: Bearer <token>`; unset, it is open.
    metrics_token: SecretStr | None = Field(default=None, alias="PROCUREBOT_METRICS_TOKEN")

    @field_validator("log_format", mode="before")
    @classmethod
    def _lower(cls, value: object) -> object:
        """LOG_FORMAT=JSON means json."""
        return value.strip().lower() if isinstance(value, str) else value

    @property
    def slack_enabled(self) -> bool:
        """A bot token, and a way to hear Slack: HTTP (signing secret) or Socket Mode."""
        return bool(secret(self.slack_bot_token)) and bool(
            secret(self.slack_signing_secret) or secret(self.slack_app_token)
        )


def teams_problem(settings: Settings) -> str | None:
    """Why these settings cannot run Teams safely, or None. Without credentials Teams is off
    (or, when asked for explicitly, unauthenticated); with them, the tenant must be known."""
    if not settings.microsoft_app_id:
        return None
    if settings.teams_dev_insecure:
        return (
            "PROCUREBOT_TEAMS_DEV_INSECURE=1 turns Teams authentication off, but "
            "MICROSOFT_APP_ID is set: unset one of them."
        )
    if not settings.microsoft_app_tenant_id and not settings.teams_any_tenant:
        return (
            "MICROSOFT_APP_TENANT_ID is not set: set it to your Microsoft Entra tenant id, so "
            "that only your organisation reaches the bot (PROCUREBOT_TEAMS_ANY_TENANT=1 "
            "accepts every tenant instead)."
        )
    return None


def secret(value: SecretStr | None) -> str:
    """The plain value of an optional secret ('' when unset)."""
    return value.get_secret_value() if value is not None else ""
