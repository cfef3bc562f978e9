"""App Home: what waits for this approver (full cards) and their own requests, paged."""

from __future__ import annotations

import asyncio
from typing import Any

from slack_bolt.async_app import AsyncAck

from adapters.slack.listeners.context import Surface
from adapters.slack.render import home_view, parse_more_value
from bot.domain.cards import LIST_MAX, LIST_PAGE, Card, Page, page_of
from bot.domain.model import Person, PurchaseRequest

_HOME_CARDS = 4  # full cards of "Waiting for you" per page of App Home


class Home(Surface):
    """Publishes App Home, and pages the lists that /buy list and App Home show."""

    async def publish(
        self, user_id: str, person: Person | None = None, *, waiting: int = 0, mine: int = 0
    ) -> None:
        """Refresh the user's App Home, its lists from the given offsets."""
        person = person or await self._people.person(user_id)
        mine_requests = await asyncio.to_thread(
            self._service.my_requests, requester=person.email, limit=LIST_MAX
        )
        mine_page = await self.page(mine_requests, person, offset=mine)
        waiting_page = await self.page(
            await asyncio.to_thread(self._service.waiting_for, approver=person.email),
            person,
            offset=waiting,
            size=_HOME_CARDS,
        )
        await self._client.views_publish(
            user_id=user_id, view=home_view(mine=mine_page, waiting=waiting_page)
        )

    async def page(
        self, requests: list[PurchaseRequest], person: Person, *, offset: int, size: int = LIST_PAGE
    ) -> Page[Card]:
        """The cards of one page of a list (only that page's cards are built)."""
        page = page_of(requests, offset=offset, size=size)
        cards = await asyncio.to_thread(
            self._service.cards_for, requests=list(page.items), viewer=person.email
        )
        return Page(items=cards, offset=page.offset, total=page.total)

    async def on_home_opened(self, event: dict[str, Any]) -> None:
        """Render App Home whenever it is opened."""
        if event.get("tab") == "home":
            await self.publish(event["user"])

    async def on_home_more(
        self, ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]
    ) -> None:
        """ "Show more" in App Home: publish it again from the next page of that list."""
        await ack()
        waiting, mine = parse_more_value(action.get("value"))
        await self.publish(body["user"]["id"], waiting=waiting, mine=mine)
