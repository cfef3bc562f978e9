"""Webhooks as the policy configures them, and which audit events they carry (pure)."""

from __future__ import annotations

import enum
import os
import re
from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict, Field, field_validator

from bot.domain.model import Event, RequestStatus

SIGNATURE_VERSION = "v1"
EVENT_ID_HEADER = "X-Procurebot-Event-Id"
TIMESTAMP_HEADER = "X-Procurebot-Timestamp"
SIGNATURE_HEADER = "X-Procurebot-Signature"
RECIPIENT_PREFIX = "webhook:"


class WebhookEvent(enum.StrEnum):
    SUBMITTED = "submitted"
    APPROVED = "approved"
    REJECTED = "rejected"
    ORDERED = "ordered"
    RECEIVED = "received"
    CANCELLED = "cancelled"


_BY_STATUS = {
    RequestStatus.APPROVED: WebhookEvent.APPROVED,
    RequestStatus.REJECTED: WebhookEvent.REJECTED,
    RequestStatus.ORDERED: WebhookEvent.ORDERED,
    RequestStatus.RECEIVED: WebhookEvent.RECEIVED,
    RequestStatus.CANCELLED: WebhookEvent.CANCELLED,
}
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class Webhook(BaseModel):
    """One webhook of the policy file: where to POST which events, signed with which secret."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")
    url: str = Field(pattern=r"^https?://[^\s/]+", description="http(s) URL to POST to.")
    events: list[WebhookEvent] = Field(min_length=1)
    secret_env: str = Field(description="The environment variable holding the shared secret.")

    @field_validator("secret_env")
    @classmethod
    def _secret_is_set(cls, value: str) -> str:
        # The secret never sits in the policy file: only its variable's name does.
        if not _ENV_NAME.match(value):
            raise ValueError(f"{value!r} is not an environment variable name")
        if not os.environ.get(value):
            raise ValueError(
                f"environment variable {value} is not set: set it to the webhook's shared "
                "secret before starting procurebot"
            )
        return value


def unique_names(webhooks: Sequence[Webhook]) -> list[Webhook]:
    """The webhooks, or ValueError naming a name used twice."""
    seen: set[str] = set()
    for hook in webhooks:
        if hook.name in seen:
            raise ValueError(f"two webhooks are named {hook.name!r}; names must be unique")
        seen.add(hook.name)
    return list(webhooks)


def event_kind(event: Event) -> WebhookEvent | None:
    """The webhook event an audit event is, if any (a step's vote or a question is none)."""
    if event.action == "Submitted" and event.from_status is None:
        return WebhookEvent.SUBMITTED
    if event.to_status is None or event.to_status == event.from_status:
        return None
    return _BY_STATUS.get(event.to_status)


def event_id(audit_id: int) -> str:
    """The stable id of the webhook event for an audit event."""
    return f"evt_{audit_id}"
