"""Outbound webhooks: which request events a webhook hears, the signed body, the delivery.

A status change appends an audit event; the unit of work hands each one to
`webhook_messages`, which queues one outbox row per subscribed webhook in the same
transaction. The outbox dispatcher then calls `WebhookDelivery.deliver` for each row, signing
it afresh at every attempt: the event id stays the one of the audit event, so a receiver that
dedupes on it sees each event once however often it was retried.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from bot.app.ports import (
    Clock,
    DeliveryDeferred,
    DeliveryRefused,
    EventListener,
    MessageKind,
    OutboxMessage,
)
from bot.domain.model import Event, PurchaseRequest
from bot.domain.request_view import request_view
from bot.domain.webhooks import (
    EVENT_ID_HEADER,
    RECIPIENT_PREFIX,
    SIGNATURE_HEADER,
    SIGNATURE_VERSION,
    TIMESTAMP_HEADER,
    Webhook,
    event_id,
    event_kind,
)


def webhook_messages(
    webhooks: Sequence[Webhook], *, request: PurchaseRequest, event: Event, audit_id: int
) -> list[OutboxMessage]:
    """One outbox row per webhook subscribed to this event (none for other events)."""
    kind = event_kind(event)
    subscribed = [hook for hook in webhooks if kind is not None and kind in hook.events]
    if kind is None or not subscribed:
        return []
    body = {
        "id": event_id(audit_id),
        "type": f"request.{kind.value}",
        "occurred_at": event.at.isoformat(),
        "actor": event.actor,
        "channel": event.channel.value,
        "request": request_view(request),
    }
    text = json.dumps(body, separators=(",", ":"), sort_keys=True)
    return [
        OutboxMessage(
            kind=MessageKind.WEBHOOK,
            recipient=f"{RECIPIENT_PREFIX}{hook.name}",
            request_id=request.id,
            text=text,
            data={"webhook": hook.name, "event_id": body["id"], "type": body["type"]},
            next_attempt_at=event.at,  # due at once, on the service's clock
        )
        for hook in subscribed
    ]


def webhook_listener(webhooks: Sequence[Webhook]) -> EventListener | None:
    """The unit of work's hook that queues the webhooks' rows (None: no webhooks)."""
    if not webhooks:
        return None
    hooks = list(webhooks)

    def listener(request: PurchaseRequest, event: Event, audit_id: int) -> list[OutboxMessage]:
        return webhook_messages(hooks, request=request, event=event, audit_id=audit_id)

    return listener


def signature(secret: str, *, timestamp: str, body: str) -> str:
    """The X-Procurebot-Signature value: v1=<hex HMAC-SHA256(secret, "v1:{ts}:{body}")>."""
    signed = f"{SIGNATURE_VERSION}:{timestamp}:{body}".encode()
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"{SIGNATURE_VERSION}={digest}"


def signed_headers(secret: str, *, event: str, body: str, now: datetime) -> dict[str, str]:
    """The headers of one delivery attempt: a fresh timestamp and signature, the same id."""
    timestamp = str(int(now.timestamp()))
    return {
        "Content-Type": "application/json",
        EVENT_ID_HEADER: event,
        TIMESTAMP_HEADER: timestamp,
        SIGNATURE_HEADER: signature(secret, timestamp=timestamp, body=body),
    }


@dataclass(frozen=True, slots=True)
class PostResult:
    """What a receiver answered."""

    status: int
    retry_after: str | None = None
    text: str = ""


class WebhookPoster(Protocol):
    """Sends one HTTP POST (an adapter: aiohttp in adapters/webhook_poster.py)."""

    async def post(self, *, url: str, body: bytes, headers: Mapping[str, str]) -> PostResult:
        """POST the body; raise DeliveryDeferred when the receiver cannot be reached."""


def ping_body(*, now: datetime) -> tuple[str, str]:
    """(event id, body) of a `ping` event, for `procurebot webhooks test`."""
    event = f"evt_ping_{secrets.token_hex(8)}"
    body = {"id": event, "type": "ping", "occurred_at": now.isoformat()}
    return event, json.dumps(body, separators=(",", ":"), sort_keys=True)


class WebhookDelivery:
    """Delivers the outbox's webhook rows: sign, POST, read the answer."""

    def __init__(
        self,
        *,
        webhooks: Sequence[Webhook],
        poster: WebhookPoster,
        clock: Clock,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self._by_name = {hook.name: hook for hook in webhooks}
        self._poster = poster
        self._clock = clock
        self._environ = environ if environ is not None else os.environ

    async def deliver(self, message: OutboxMessage) -> None:
        """POST once: 2xx returns; 429, 5xx and network errors raise DeliveryDeferred (the
        outbox retries); other answers raise DeliveryRefused (failed for good)."""
        name = str(message.data.get("webhook", ""))
        hook = self._by_name.get(name)
        if hook is None:
            raise DeliveryRefused(f"webhook {name!r} is no longer in the policy file")
        secret = self._environ.get(hook.secret_env, "")
        if not secret:
            raise DeliveryRefused(f"environment variable {hook.secret_env} is not set")
        await self.post_signed(
            url=hook.url, secret=secret, event=str(message.data["event_id"]), body=message.text
        )

    async def post_signed(self, *, url: str, secret: str, event: str, body: str) -> PostResult:
        """Sign and POST a body; the answer when 2xx, else the errors of deliver()."""
        headers = signed_headers(secret, event=event, body=body, now=self._clock.now())
        result = await self._poster.post(url=url, body=body.encode(), headers=headers)
        return check_answer(result, url=url)


def check_answer(result: PostResult, *, url: str) -> PostResult:
    """The result when the receiver took it (2xx), else why it did not, retryable or not."""
    if 200 <= result.status < 300:
        return result
    said = f"{url} answered {result.status}" + (f": {result.text[:200]}" if result.text else "")
    if result.status == 429 or result.status >= 500:
        raise DeliveryDeferred(said, retry_after=result.retry_after)
    raise DeliveryRefused(said)


def summary(webhooks: Sequence[Webhook]) -> list[dict[str, Any]]:
    """The configured webhooks as `procurebot webhooks list` shows them (no secrets)."""
    return [
        {
            "name": hook.name,
            "url": hook.url,
            "events": [e.value for e in hook.events],
            "secret_env": hook.secret_env,
            "secret_set": bool(os.environ.get(hook.secret_env)),
        }
        for hook in webhooks
    ]
