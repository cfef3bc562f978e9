"""Outbound webhooks end to end: people act in Slack over signed HTTP, the outbox POSTs signed
events to a real local receiver that verifies them with the README's snippet and dedupes."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiohttp
import pytest
from typer.testing import CliRunner

from adapters.slack import ids
from bot.cli.main import app as cli
from bot.domain.model import RequestStatus
from bot.domain.workflow import Action
from tests.e2e.conftest import FORM, MACBOOK, Harness, running_harness
from tests.fakes import EXAMPLE_POLICY, IT, PROCUREMENT, REQUESTER, SECURITY
from tests.fakes_webhooks import Receiver

SECRET = "whsec-e2e-0123456789"
SECRET_ENV = "PROCUREBOT_TEST_WEBHOOK_SECRET"
APPROVE = ids.action_id(Action.APPROVE)
KINDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


def policy_with_webhook(tmp_path: Path, url: str, events: str) -> Path:
    """The example policy with one webhook to `url`."""
    path = tmp_path / "policy.yml"
    path.write_text(
        EXAMPLE_POLICY.read_text(encoding="utf-8")
        + f"\nwebhooks:\n  - {{name: erp, url: '{url}', events: [{events}], "
        f"secret_env: {SECRET_ENV}}}\n",
        encoding="utf-8",
    )
    return path


@asynccontextmanager
async def hooked(
    kind: str, tmp_path: Path, receiver: Receiver, events: str
) -> AsyncIterator[Harness]:
    """The Slack harness whose policy sends `events` to the receiver."""
    url = await receiver.start()
    try:
        policy = policy_with_webhook(tmp_path, url, events)
        async with running_harness(kind, tmp_path, PROCUREBOT_POLICY=policy) as h:
            yield h
    finally:
        await receiver.close()


@pytest.fixture(autouse=True)
def secret_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(SECRET_ENV, SECRET)


@pytest.mark.parametrize("kind", KINDS)
async def test_submit_and_approve_reach_the_receiver_once_each(kind: str, tmp_path: Path) -> None:
    receiver = Receiver(secret=SECRET)
    async with hooked(kind, tmp_path, receiver, "submitted, approved, rejected") as h:
        await h.buy(REQUESTER, FORM)
        for email in (IT[0], SECURITY, PROCUREMENT):
            await h.click(email, h.last_card(email, "PR-1001"), APPROVE)
        assert h.core.service.get(1).status is RequestStatus.APPROVED
        await h.settle()
    assert receiver.types() == ["request.submitted", "request.approved"]
    assert len(receiver.deliveries) == 2 and all(d.signed for d in receiver.deliveries)
    submitted, approved = receiver.events.values()
    assert submitted["id"] != approved["id"]
    assert approved["id"].startswith("evt_") and approved["actor"] == PROCUREMENT
    request = approved["request"]
    assert request["number"] == "PR-1001" and request["status"] == "approved"
    assert request["requester"] == REQUESTER and request["vendor"] == "Figma"
    assert (request["amount"], request["currency"], request["quantity"]) == ("135.00", "USD", 3)
    assert [s["status"] for s in request["steps"]] == ["approved"] * 3
    assert submitted["request"]["status"] == "pending"


@pytest.mark.parametrize("kind", KINDS)
async def test_two_5xx_then_200_is_one_event_delivered_three_times(
    kind: str, tmp_path: Path
) -> None:
    # Retry-After: 0 on the 500s: the outbox honours it rather than its own backoff.
    receiver = Receiver(secret=SECRET, script=[500, 503])
    async with hooked(kind, tmp_path, receiver, "submitted") as h:
        await h.buy(REQUESTER, FORM)
        await h.settle()
        with h.core.uow() as uow:
            assert uow.outbox.counts() == {"pending": 0, "failed": 0}
    assert [d.status for d in receiver.deliveries] == [500, 503, 200]
    assert len({d.event_id for d in receiver.deliveries}) == 1
    assert all(d.signed for d in receiver.deliveries)
    assert receiver.types() == ["request.submitted"]


@pytest.mark.parametrize("kind", KINDS)
async def test_a_400_fails_for_good_is_listed_and_can_be_retried(
    kind: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    receiver = Receiver(secret=SECRET, script=[400])
    async with hooked(kind, tmp_path, receiver, "submitted") as h:
        await h.buy(REQUESTER, FORM)
        await h.settle()
        assert [d.status for d in receiver.deliveries] == [400]
        monkeypatch.setenv("DATABASE_URL", h.core.settings.database_url)
        monkeypatch.setenv("PROCUREBOT_POLICY", str(h.core.settings.policy_path))
        runner = CliRunner()
        listed = runner.invoke(cli, ["outbox", "failed", "--json"])
        assert listed.exit_code == 0, listed.output
        (row,) = json.loads(listed.output)
        assert row["kind"] == "webhook" and row["recipient"] == "webhook:erp"
        assert row["request"] == "PR-1001" and row["attempts"] == 1
        assert "answered 400" in row["reason"]
        retried = runner.invoke(cli, ["outbox", "retry", str(row["id"])])
        assert retried.exit_code == 0, retried.output
        await h.settle()
    assert [d.status for d in receiver.deliveries] == [400, 200]
    assert receiver.types() == ["request.submitted"]


@pytest.mark.parametrize("kind", KINDS)
async def test_a_po_from_the_rest_api_is_announced_with_the_keys_name(
    kind: str, tmp_path: Path
) -> None:
    receiver = Receiver(secret=SECRET)
    async with hooked(kind, tmp_path, receiver, "ordered, received") as h:
        await h.buy(IT[0], MACBOOK)  # approved at once from the catalogue: no event wanted
        _record, key = await asyncio.to_thread(h.core.api_keys.create, "erp")
        base = h.sender.transport.bot_url.removesuffix("/slack/events")
        async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {key}"}) as client:
            async with client.post(
                f"{base}/api/v1/requests/PR-1001/po", json={"po_number": "PO-9"}
            ) as answer:
                assert answer.status == 200, await answer.text()
            async with client.post(f"{base}/api/v1/requests/PR-1001/received") as answer:
                assert answer.status == 200, await answer.text()
        await h.settle()
    assert receiver.types() == ["request.ordered", "request.received"]
    ordered, received = receiver.events.values()
    assert (ordered["actor"], ordered["channel"]) == ("api:erp", "api")
    assert ordered["request"]["po_number"] == "PO-9"
    assert received["request"]["status"] == "received"
