"""Every environment variable procurebot reads, in one place."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.resources import example_policy_path

_EXAMPLE_POLICY = example_policy_path()


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
    # Where the bot starts a conversation in a Teams channel (the weekly digest); Microsoft's
    # global address for the public cloud. Tests point it at a local fake connector.
    teams_service_url: str = Field(
        default="https://smba.trafficmanager.net/teams/", alias="TEAMS_SERVICE_URL"
    )

    @property
    def slack_enabled(self) -> bool:
        return self.slack_bot_token is not None and (
            self.slack_signing_secret is not None or self.slack_app_token is not None
        )


def secret(value: SecretStr | None) -> str:
    """The plain value of an optional secret ('' when unset)."""
    return value.get_secret_value() if value is not None else ""
