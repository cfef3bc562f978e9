"""Webhooks in the domain: which events, the body, the signature, the policy's validation,
and how a receiver's answer is read (the HTTP itself is tested end to end)."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping

import pytest

from bot.app.clock import FixedClock
from bot.app.ports import DeliveryDeferred, DeliveryRefused, MessageKind, OutboxMessage
from bot.app.webhooks import PostResult, WebhookDelivery, signature, webhook_messages
from bot.domain import policy as policy_module
from bot.domain.errors import PolicyError
from bot.domain.model import Channel, Event, RequestStatus
from bot.domain.webhooks import Webhook, WebhookEvent, event_kind
from tests.fakes import EXAMPLE_POLICY, START
from tests.fakes_webhooks import readme_verify
from tests.unit.builders import make_request

S = RequestStatus


def event(action: str, before: RequestStatus | None, after: RequestStatus) -> Event:
    return Event(action, "x@acme.example", START, Channel.SLACK, before, after)


@pytest.mark.parametrize(
    ("action", "before", "after", "kind"),
    [
        ("Submitted", None, S.PENDING, WebhookEvent.SUBMITTED),
        ("Approved", S.PENDING, S.PENDING, None),  # one step of several
        ("Approved", S.PENDING, S.APPROVED, WebhookEvent.APPROVED),
        ("AutoApproved", S.PENDING, S.APPROVED, WebhookEvent.APPROVED),
        ("Rejected", S.CHANGES_REQUESTED, S.REJECTED, WebhookEvent.REJECTED),
        ("Ordered", S.APPROVED, S.ORDERED, WebhookEvent.ORDERED),
        ("Received", S.ORDERED, S.RECEIVED, WebhookEvent.RECEIVED),
        ("Cancelled", S.PENDING, S.CANCELLED, WebhookEvent.CANCELLED),
        ("Asked", S.PENDING, S.CHANGES_REQUESTED, None),
        ("Answered", S.CHANGES_REQUESTED, S.PENDING, None),
        ("Reassigned", S.PENDING, S.PENDING, None),
    ],
)
def test_only_status_changes_of_the_six_kinds_are_webhook_events(
    action: str, before: RequestStatus | None, after: RequestStatus, kind: WebhookEvent | None
) -> None:
    assert event_kind(event(action, before, after)) == kind


def hook(name: str, *events: str, monkeypatch: pytest.MonkeyPatch) -> Webhook:
    monkeypatch.setenv("HOOK_SECRET", "shh")
    return Webhook.model_validate(
        {"name": name, "url": "https://erp.test/h", "events": events, "secret_env": "HOOK_SECRET"}
    )


def test_one_row_per_subscribed_webhook_with_a_stable_id_and_the_request(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    hooks = [
        hook("a", "approved", monkeypatch=monkeypatch),
        hook("b", "submitted", monkeypatch=monkeypatch),
    ]
    approved = event("Approved", S.PENDING, S.APPROVED)
    pr = make_request(request_id=7, status=S.APPROVED)
    (row,) = webhook_messages(hooks, request=pr, event=approved, audit_id=42)
    again = webhook_messages(hooks, request=pr, event=approved, audit_id=42)[0]
    assert row.text == again.text  # the same bytes at every build of the same event
    assert (row.kind, row.recipient, row.request_id) == (MessageKind.WEBHOOK, "webhook:a", 7)
    assert row.data == {"webhook": "a", "event_id": "evt_42", "type": "request.approved"}
    body = json.loads(row.text)
    assert body["id"] == "evt_42" and body["occurred_at"] == START.isoformat()
    assert body["request"]["number"] == "PR-1007" and body["request"]["status"] == "approved"
    assert (
        webhook_messages(hooks, request=pr, event=event("Asked", S.PENDING, S.PENDING), audit_id=1)
        == []
    )


def test_the_signature_is_hmac_sha256_of_v1_timestamp_body_and_the_readme_verifies_it() -> None:
    body = '{"id":"evt_1"}'
    expected = hmac.new(b"shh", b'v1:1700000000:{"id":"evt_1"}', hashlib.sha256).hexdigest()
    assert signature("shh", timestamp="1700000000", body=body) == f"v1={expected}"
    verify = readme_verify()
    import time

    now = str(int(time.time()))
    good = {
        "X-Procurebot-Timestamp": now,
        "X-Procurebot-Signature": signature("shh", timestamp=now, body=body),
    }
    assert verify("shh", good, body.encode())
    assert not verify("other", good, body.encode())
    assert not verify("shh", good, body.encode() + b" ")
    old = str(int(time.time()) - 600)
    stale = {
        "X-Procurebot-Timestamp": old,
        "X-Procurebot-Signature": signature("shh", timestamp=old, body=body),
    }
    assert not verify("shh", stale, body.encode())


def policy_text(webhooks: str) -> str:
    return EXAMPLE_POLICY.read_text(encoding="utf-8") + f"\nwebhooks:\n{webhooks}"


def test_the_policy_names_a_missing_secret_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ERP_HOOK_SECRET", raising=False)
    text = policy_text(
        "  - {name: erp, url: 'https://erp.test/h', events: [approved], "
        "secret_env: ERP_HOOK_SECRET}\n"
    )
    with pytest.raises(PolicyError, match="environment variable ERP_HOOK_SECRET is not set"):
        policy_module.parse(text)
    monkeypatch.setenv("ERP_HOOK_SECRET", "s3cret")
    (loaded,) = policy_module.parse(text).webhooks
    assert loaded.events == [WebhookEvent.APPROVED]


@pytest.mark.parametrize(
    ("entries", "problem"),
    [
        ("  - {name: a, url: 'ftp://x', events: [approved], secret_env: S}\n", "url"),
        ("  - {name: a, url: 'https://x', events: [], secret_env: S}\n", "events"),
        ("  - {name: a, url: 'https://x', events: [paid], secret_env: S}\n", "events"),
        (
            "  - {name: a, url: 'https://x', events: [approved], secret_env: 'no-such'}\n",
            "secret_env",
        ),
        (
            "  - {name: a, url: 'https://x', events: [approved], secret_env: S}\n"
            "  - {name: a, url: 'https://y', events: [approved], secret_env: S}\n",
            "two webhooks are named 'a'",
        ),
    ],
)
def test_bad_webhooks_are_refused_with_the_field(
    entries: str, problem: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("S", "s")
    with pytest.raises(PolicyError, match=problem):
        policy_module.parse(policy_text(entries))


class ScriptedPoster:
    """Below the HTTP boundary: answers with the next status and keeps the headers sent."""

    def __init__(self, *statuses: int, retry_after: str | None = None) -> None:
        self.statuses = list(statuses)
        self.retry_after = retry_after
        self.sent: list[Mapping[str, str]] = []

    async def post(self, *, url: str, body: bytes, headers: Mapping[str, str]) -> PostResult:
        self.sent.append(headers)
        return PostResult(self.statuses.pop(0), self.retry_after, "nope")


def queued(monkeypatch: pytest.MonkeyPatch) -> tuple[Webhook, OutboxMessage]:
    erp = hook("erp", "approved", monkeypatch=monkeypatch)
    (row,) = webhook_messages(
        [erp],
        request=make_request(request_id=1),
        event=event("Approved", S.PENDING, S.APPROVED),
        audit_id=3,
    )
    return erp, row


async def test_each_attempt_is_signed_afresh_with_the_same_event_id(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    erp, row = queued(monkeypatch)
    poster = ScriptedPoster(503, 200, retry_after="7")
    clock = FixedClock(START)
    delivery = WebhookDelivery(webhooks=[erp], poster=poster, clock=clock)
    with pytest.raises(DeliveryDeferred, match="answered 503") as deferred:
        await delivery.deliver(row)
    assert deferred.value.retry_after == "7"
    clock.advance(seconds=7)
    await delivery.deliver(row)
    first, second = poster.sent
    assert first["X-Procurebot-Event-Id"] == second["X-Procurebot-Event-Id"] == "evt_3"
    assert int(second["X-Procurebot-Timestamp"]) - int(first["X-Procurebot-Timestamp"]) == 7
    assert first["X-Procurebot-Signature"] != second["X-Procurebot-Signature"]
    assert second["X-Procurebot-Signature"] == signature(
        "shh", timestamp=second["X-Procurebot-Timestamp"], body=row.text
    )


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (429, DeliveryDeferred),
        (500, DeliveryDeferred),
        (400, DeliveryRefused),
        (404, DeliveryRefused),
        (301, DeliveryRefused),
    ],
)
async def test_answers_other_than_2xx(
    status: int, error: type[Exception], monkeypatch: pytest.MonkeyPatch
) -> None:
    erp, row = queued(monkeypatch)
    delivery = WebhookDelivery(
        webhooks=[erp], poster=ScriptedPoster(status), clock=FixedClock(START)
    )
    with pytest.raises(error, match=f"answered {status}: nope"):
        await delivery.deliver(row)


async def test_a_webhook_gone_from_the_policy_or_its_secret_fails_for_good(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    erp, row = queued(monkeypatch)
    gone = WebhookDelivery(webhooks=[], poster=ScriptedPoster(), clock=FixedClock(START))
    with pytest.raises(DeliveryRefused, match="'erp' is no longer in the policy file"):
        await gone.deliver(row)
    unset = WebhookDelivery(
        webhooks=[erp], poster=ScriptedPoster(), clock=FixedClock(START), environ={}
    )
    with pytest.raises(DeliveryRefused, match="HOOK_SECRET is not set"):
        await unset.deliver(row)
