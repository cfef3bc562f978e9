"""The Slack side of procurebot: a Bolt AsyncApp that only translates.

Every listener acks first (Slack allows 3 s), then calls the domain services in a worker
thread so the database never blocks the event loop. Domain errors become a short message
to the person who clicked; nothing else is caught here (Bolt's error handler logs the rest).
This module only wires: the listeners live in adapters/slack/listeners/, one module a surface.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack import ids
from adapters.slack.acks import Replies
from adapters.slack.listeners import events
from adapters.slack.listeners.actions import Actions
from adapters.slack.listeners.commands import Commands
from adapters.slack.listeners.context import Context
from adapters.slack.listeners.home import Home
from adapters.slack.listeners.views import Views
from adapters.slack.middleware import Tracker, skip_retried_events
from adapters.slack.people import People
from adapters.slack.vendor_review import SlackVendorReviews
from bot.app.facade import Procurement
from bot.domain import intake
from bot.domain.model import Person


class SlackBot:
    """Wires Bolt listeners to the domain services."""

    def __init__(
        self,
        *,
        service: Procurement,
        client: AsyncWebClient,
        signing_secret: str,
        on_change: Callable[[], None] = lambda: None,
    ) -> None:
        self.service = service
        self.client = client
        self.app = AsyncApp(
            client=client, signing_secret=signing_secret, process_before_response=False
        )
        self.tracker = Tracker()
        self.people = People(service=service, client=client)
        context = Context(
            service=service,
            client=client,
            people=self.people,
            replies=Replies(client=client, on_change=on_change),
            on_change=on_change,
        )
        self.home = Home(context)
        self.vendor_reviews = SlackVendorReviews(context)
        self.commands = Commands(context, home=self.home, vendor_reviews=self.vendor_reviews)
        self.actions = Actions(context, home=self.home)
        self.views = Views(context, home=self.home)
        self._register()

    @property
    def busy(self) -> int:
        """Listeners still at work after their ack."""
        return self.tracker.busy

    async def person(self, user_id: str) -> Person:
        """The person behind a Slack user id."""
        return await self.people.person(user_id)

    async def publish_home(
        self, user_id: str, person: Person | None = None, *, waiting: int = 0, mine: int = 0
    ) -> None:
        """Refresh the user's App Home, its lists from the given offsets."""
        await self.home.publish(user_id, person, waiting=waiting, mine=mine)

    def _register(self) -> None:
        app = self.app
        track = self.tracker.tracked
        app.middleware(skip_retried_events(self.service))
        app.command(ids.COMMAND)(track(self.commands.on_buy))
        app.view(ids.INTAKE)(track(self.views.on_intake_submit))
        app.view(ids.EDIT)(track(self.views.on_edit_submit))
        app.view(ids.REASON)(track(self.views.on_reason_submit))
        app.action(intake.CATEGORY)(track(self.views.on_category_change))
        app.options(ids.VENDOR_SUGGEST)(self.views.on_vendor_suggest)
        app.action(re.compile(f"^{ids.ACTION_PREFIX}{ids.NOT_CARD_ACTIONS}"))(
            track(self.actions.on_card_action)
        )
        app.action(ids.KEEP)(track(self.actions.on_keep))
        app.action(ids.LIST_MORE)(track(self.commands.on_list_more))
        app.action(ids.HOME_MORE)(track(self.home.on_home_more))
        app.event("app_home_opened")(track(self.home.on_home_opened))
        app.event("message")(track(events.on_message))
        self.vendor_reviews.register(app, self.tracker)
