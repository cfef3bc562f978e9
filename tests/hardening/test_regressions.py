"""Regressions for what the hardening work found, each through the real HTTP path."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from adapters.slack import ids
from bot.domain.model import Vendor, VendorStatus
from storage.repository import SqlUnitOfWorkFactory
from tests.dbs import migrated_engine
from tests.e2e.conftest import FORM, Harness
from tests.fakes import REQUESTER


async def test_a_refused_vendor_is_refused_on_the_form_or_else_by_dm(harness: Harness) -> None:
    h = harness
    with h.core.uow() as uow:
        uow.vendors.add(Vendor(name="Shady Soft", status=VendorStatus.REJECTED))
        uow.commit()
    answer = await h.buy(REQUESTER, {**FORM, "Vendor": "Shady Soft"})
    assert answer.json["response_action"] == "errors"
    assert "rejected" in answer.json["errors"]["vendor"]
    # Past the notice (confirmed), the save runs after the ack: the refusal comes by DM.
    view = await h.modal(REQUESTER)
    view.private_metadata = '{"confirmed": true}'
    answer = await h.sender.submit_view(h.user(REQUESTER), view.id)
    await h.settle()
    assert answer.status == 200 and not answer.body  # the modal closes at once
    told = [t for t in h.texts(REQUESTER) if "was not submitted" in t]
    assert told and "Figma Professional seats" in told[0] and "Shady Soft" in told[0]
    assert h.core.service.my_requests(requester=REQUESTER) == []


async def test_a_listener_failing_right_after_its_ack_still_answers_at_once(
    harness: Harness,
) -> None:
    # bolt-python 1.30 dropped the ack when a listener raised before Bolt sent it: Slack got a
    # 404 three seconds later. views.open failing (an expired trigger) is such a failure.
    h = harness
    h.ws.fail(method="views.open", error="expired_trigger_id", times=1)
    started = time.monotonic()
    answer = await h.sender.command(h.user(REQUESTER), "")
    assert answer.status == 200
    assert time.monotonic() - started < 1.5


async def test_forged_reason_modal_metadata_gets_a_form_error(harness: Harness) -> None:
    h = harness
    await h.buy(REQUESTER, FORM)
    payload = {
        "type": "view_submission",
        "user": {"id": h.user(REQUESTER)},
        "view": {
            "id": "VFORGED1",
            "type": "modal",
            "callback_id": ids.REASON,
            "private_metadata": '{"r": 1, "a": "approve"}',
            "state": {"values": {ids.REASON_BLOCK: {ids.REASON_INPUT: {"value": "ok"}}}},
        },
    }
    without_type = {**payload, "view": {k: v for k, v in payload["view"].items() if k != "type"}}
    assert (
        await h.sender.transport.send_interaction(without_type)
    ).status == 400  # Bolt raised: 500
    answer = await h.sender.transport.send_interaction(payload)
    assert answer.status == 200
    assert answer.json["response_action"] == "errors"
    assert "out of date" in answer.json["errors"][ids.REASON_BLOCK]


@pytest.mark.postgres
def test_two_first_requests_for_a_new_vendor_at_once_both_save(tmp_path: Path) -> None:
    # Found by the load benchmark: the second INSERT of the vendor failed on the unique key,
    # after the ack, and that request was lost.
    with migrated_engine("postgresql", tmp_path) as engine:
        factory = SqlUnitOfWorkFactory(engine)
        with factory() as first:
            added = first.vendors.add(Vendor(name="Brand New Ltd"))
            with ThreadPoolExecutor(1) as pool:
                second = pool.submit(_add_vendor, factory, "Brand New Ltd")
                time.sleep(0.3)  # the second insert now waits for the first transaction
                first.commit()
                stored = second.result(timeout=10)
        assert stored.id == added.id
        with factory() as uow:
            assert [v.name for v in uow.vendors.list()] == ["Brand New Ltd"]


def _add_vendor(factory: SqlUnitOfWorkFactory, name: str) -> Vendor:
    with factory() as uow:
        vendor = uow.vendors.add(Vendor(name=name))
        uow.commit()
        return vendor
