"""What the Teams bot looks up to answer with a list page or the vendor typeahead's results.

Kept apart from the activity handler: plain functions over the services, run in a worker
thread by the handler.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from adapters.teams import ids, limits
from adapters.teams.render import list_card, vendor_search_results
from bot.app.facade import Procurement
from bot.domain import intake
from bot.domain.cards import LIST_MAX, Card, Page, page_of
from bot.domain.model import Person, PurchaseRequest, vendor_key


def approved_vendors(*, service: Procurement, chosen: str = "") -> list[str]:
    """The approved vendors a form offers as its first choices, and `chosen` if it names
    an approved vendor further down the registry."""
    names = [v.name for v in service.registry.approved_vendors(limit=limits.CHOICES_SHOWN)]
    key = vendor_key(chosen)
    if key and all(vendor_key(n) != key for n in names):
        found = service.registry.approved_vendors(chosen, limit=1)
        names += [v.name for v in found if v.key == key]
    return names


def vendor_search(*, service: Procurement, value: Mapping[str, Any]) -> dict[str, Any] | None:
    """The answer to an `application/search` invoke of the vendor field (None for a dataset
    that is not ours): approved vendors matching what was typed, a page of them."""
    if value.get("dataset") != ids.VENDOR_DATASET:
        return None
    typed = str(value.get("queryText") or "")[: intake.MAX_LENGTH[intake.VENDOR]]
    options = value.get("queryOptions")
    if not isinstance(options, Mapping):
        options = {}
    skip = _count(options.get("skip"), default=0)
    top = min(_count(options.get("top"), default=limits.CHOICES_SHOWN), limits.CHOICES_SHOWN)
    found = service.registry.approved_vendors(typed, limit=skip + top)[skip:]
    return vendor_search_results([v.name for v in found])


def _count(value: object, *, default: int) -> int:
    try:
        number = int(str(value))
    except ValueError:
        return default
    return min(max(number, 0), 10_000)


def list_page(
    *, service: Procurement, person: Person, waiting: int = 0, mine: int = 0
) -> dict[str, Any]:
    """The `list` card: a page of what waits for the person and a page of their requests."""
    own = service.my_requests(requester=person.email, limit=LIST_MAX)
    to_decide = service.waiting_for(approver=person.email)
    return list_card(
        _cards(service, own, person, offset=mine),
        empty=f"You have no requests yet. Type `{ids.BUY}` to start one.",
        waiting=_cards(service, to_decide, person, offset=waiting),
    )


def _cards(
    service: Procurement, requests: list[PurchaseRequest], person: Person, *, offset: int
) -> Page[Card]:
    page = page_of(requests, offset=offset)
    cards = service.cards_for(list(page.items), viewer=person.email)
    return Page(items=cards, offset=page.offset, total=page.total)
