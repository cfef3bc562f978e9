"""Who is behind a Slack user id: a short-lived cache in front of storage and of Slack."""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.app.facade import Procurement
from bot.domain.errors import DomainError, NotAllowed
from bot.domain.model import Channel, Person

_PEOPLE_TTL_SECONDS = 300.0  # a changed name or time zone shows within five minutes
_PEOPLE_CACHE_SIZE = 10_000


class People:
    """The person cache: Slack user id to Person, looked up in storage, else asked of Slack."""

    def __init__(self, *, service: Procurement, client: AsyncWebClient) -> None:
        self._service = service
        self._client = client
        self._people: dict[str, tuple[float, Person]] = {}

    async def person(self, user_id: str) -> Person:
        """The person behind a Slack user id: cached in storage, else asked of Slack."""
        cached = self._people.get(user_id)
        if cached is not None and time.monotonic() - cached[0] < _PEOPLE_TTL_SECONDS:
            return replace(cached[1])
        person = await asyncio.to_thread(self._service.person_by_slack_id, user_id=user_id)
        if person is not None and person.preferred_channel is Channel.SLACK:
            self._remember(user_id, person)
            return person
        if person is None:
            person = await self._from_slack(user_id)
        person.preferred_channel = Channel.SLACK
        await asyncio.to_thread(self._service.remember_person, person=person)
        self._remember(user_id, person)
        return person

    async def _from_slack(self, user_id: str) -> Person:
        """Someone new: Slack tells their email, which links them to the policy's people."""
        try:
            info = (await self._client.users_info(user=user_id))["user"]
        except SlackApiError as error:
            code = error.response.get("error") if isinstance(error.response.data, dict) else ""
            if code in ("user_not_found", "users_not_found", "account_inactive"):
                raise NotAllowed(
                    "Slack doesn't know your account, so I can't tell who you are."
                ) from error
            raise DomainError(
                f"I couldn't look you up in Slack just now (Slack said {code or 'no'}). "
                "Please try again in a minute."
            ) from error
        email = (info.get("profile") or {}).get("email")
        if not email:
            raise NotAllowed(
                "I can't see your email address in Slack, so I can't tell who "
                "you are. Ask your Slack admin to grant users:read.email."
            )
        person = await asyncio.to_thread(self._service.person, email=email)
        person.slack_user_id = user_id
        person.name = info.get("real_name") or person.name or info.get("name", "")
        person.tz = info.get("tz") or person.tz
        return person

    def lookup(self, user_id: str) -> asyncio.Future[Person]:
        """Start finding the person now; a modal's handler awaits it only when it must."""
        lookup = asyncio.ensure_future(self.person(user_id))
        # If the form turns out invalid nobody awaits it; retrieve its error so asyncio
        # doesn't log it as never retrieved (the submit path re-raises it on await).
        lookup.add_done_callback(lambda f: f.cancelled() or f.exception())
        return lookup

    def _remember(self, user_id: str, person: Person) -> None:
        # Every click and submission starts with this lookup, before the ack; under load a
        # database read there waits behind the saves of earlier requests.
        if len(self._people) >= _PEOPLE_CACHE_SIZE:
            self._people.clear()
        self._people[user_id] = (time.monotonic(), replace(person))
