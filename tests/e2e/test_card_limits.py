"""The longest requests and lists over real HTTP: Slack and the fake Teams accept everything
the bot sends for them, and lists page with Show more."""

from __future__ import annotations

import json
from dataclasses import replace

from adapters.teams import limits as teams_limits
from bot.domain.model import PurchaseRequest
from tests.adapters import longest
from tests.adapters.slack.test_render import request_in
from tests.e2e.conftest import Harness, TeamsHarness
from tests.e2e.test_teams_flows import meet
from tests.fakes import IT, REQUESTER


def store(h: Harness | TeamsHarness, request: PurchaseRequest) -> str:
    """Save a request as it stands (its route already built); its number."""
    with h.core.uow() as uow:
        uow.requests.add(request)
        uow.commit()
    return request.number


def huge_request() -> PurchaseRequest:
    """30 steps of 25 approvers, every field at its limit; Ines waits on the first step."""
    made = longest.request()
    made.id = None
    made.steps[0].approvers[1] = IT[0]
    return made


def small_requests(count: int) -> list[PurchaseRequest]:
    """`count` pending requests of the requester, each waiting for IT."""
    return [replace(request_in("pending"), id=None) for _ in range(count)]


async def test_status_and_app_home_hold_30_steps_of_25_approvers(harness: Harness) -> None:
    h = harness
    number = store(h, huge_request())
    await h.command(REQUESTER, f"status {number}")
    shown = [m for m in h.dms(REQUESTER) if number in str(m.blocks)]
    assert shown, h.texts(REQUESTER)
    assert "and 23 others" in str(shown[-1].blocks) and "earlier events" not in str(
        shown[-1].blocks
    )
    await h.sender.app_home_opened(h.user(IT[0]))
    await h.settle()
    home = h.ws.home_view(h.user(IT[0]))
    assert home is not None and number in str(home.blocks)


async def test_buy_list_pages_with_show_more(harness: Harness) -> None:
    h = harness
    numbers = [store(h, r) for r in small_requests(12)]
    await h.command(REQUESTER, "list")
    listed = h.dms(REQUESTER)[-1]
    assert "Showing 1–10 of 12 requests" in str(listed.blocks)
    assert numbers[-1] in str(listed.blocks) and numbers[0] not in str(listed.blocks)
    await h.click(REQUESTER, listed, "pb_more_list")
    again = h.dms(REQUESTER)[-1]
    assert again.ts == listed.ts  # the same message, now the next page
    assert "Showing 11–12 of 12 requests" in str(again.blocks) and numbers[0] in str(again.blocks)


async def test_app_home_pages_what_waits(harness: Harness) -> None:
    h = harness
    numbers = [store(h, r) for r in small_requests(6)]
    await h.sender.app_home_opened(h.user(IT[0]))
    await h.settle()
    home = h.ws.home_view(h.user(IT[0]))
    assert home is not None and "Showing 1–4 of 6 waiting for you" in str(home.blocks)
    await h.click(IT[0], home, "pb_more_home")
    home = h.ws.home_view(h.user(IT[0]))
    assert home is not None and "Showing 5–6 of 6 waiting for you" in str(home.blocks)
    assert numbers[-1] in str(home.blocks) and numbers[0] not in str(home.blocks)


async def test_teams_list_pages_and_status_fits(teams_harness: TeamsHarness) -> None:
    h = teams_harness
    await meet(h, REQUESTER, IT[0])
    numbers = [store(h, r) for r in small_requests(12)]
    listed = await h.say(IT[0], "list")
    assert listed.shows("Showing 1–10 of 12 waiting for you") and not listed.shows(numbers[-1])
    await h.click(IT[0], listed, "Show more waiting")
    assert listed.shows("Showing 11–12 of 12 waiting for you") and listed.shows(numbers[-1])
    number = store(h, huge_request())
    status = await h.say(IT[0], f"status {number}")
    assert status.card is not None and status.shows("and 23 others")
    # What Teams receives: the card within its budget, the activity around it within the room
    # the budget leaves for it.
    sent = [body for method, _, body in h.teams.calls if method == "POST" and body]
    activity = sent[-1]
    card = activity["attachments"][0]["content"]
    assert teams_limits.fits(card)
    around = len(json.dumps(activity, ensure_ascii=False).encode("utf-16-le"))
    assert around - teams_limits.card_bytes(card) <= teams_limits.ENVELOPE_BYTES
