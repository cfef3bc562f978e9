"""The bot served from a PostgreSQL role that owns no table (`db upgrade --app-role`): it
starts, takes requests over HTTP, asks, edits, approves, qualifies a vendor, delivers every
card, imports budgets and runs its scheduled jobs, with only the grants it was given."""

from __future__ import annotations

from decimal import Decimal

import pytest

from adapters.slack import ids
from bot.domain.budgets import Budget, Period
from bot.domain.model import RequestStatus, VendorStatus
from bot.domain.workflow import Action
from tests.e2e.conftest import FORM, Harness
from tests.fakes import IT, PROCUREMENT, REQUESTER, SECURITY

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.parametrize("harness", ["postgresql-app-role"], indirect=True),
]

APPROVE = ids.action_id(Action.APPROVE)


async def test_a_request_goes_all_the_way_under_the_bot_s_own_role(harness: Harness) -> None:
    h = harness
    await h.buy(REQUESTER, FORM)
    await h.settle()
    await h.click(IT[0], h.last_card(IT[0], "PR-1001"), ids.action_id(Action.ASK))
    await h.submit(IT[0], {"Your question about PR-1001": "Annual billing is cheaper?"})
    await h.settle()
    await h.click(REQUESTER, h.last_card(REQUESTER, "PR-1001"), ids.action_id(Action.EDIT))
    edit = await h.modal(REQUESTER)
    await h.sender.fill_and_submit(h.user(REQUESTER), edit.id, {"Quantity": "2"})
    await h.settle()
    for email in (IT[0], SECURITY, PROCUREMENT):
        await h.click(email, h.last_card(email, "PR-1001"), APPROVE)
        await h.settle()
    assert h.core.service.get(1).status is RequestStatus.APPROVED
    assert h.core.service.registry.vendor_report("Figma").vendor.status is VendorStatus.APPROVED
    assert "is approved" in h.texts(REQUESTER)[-1]
    assert h.core.service.registry.import_budgets(
        [Budget("Design", Period(2026), Decimal("70000"), "USD", source="import")]
    ) == (1, 0)
    assert h.core.service.nudge_waiting() == (0, 0)
    with h.core.uow() as uow:
        assert uow.jobs.claim_run("digest", "2026-W48", now=h.core.clock.now(), by="test")
        uow.jobs.release_run("digest", "2026-W48")
        uow.commit()
