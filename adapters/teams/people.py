"""Who is behind a Teams user: known by tenant and Microsoft Entra object id, linked the
first time to the policy's email by their user principal name."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from botbuilder.core import TurnContext
from botbuilder.core.teams import TeamsInfo
from botbuilder.schema import ChannelAccount
from msrest.exceptions import HttpOperationError

from adapters.teams.references import is_personal, reference_of, tenant_of
from bot.app.facade import Procurement
from bot.domain.errors import NotAllowed
from bot.domain.model import Channel, Person

log = logging.getLogger(__name__)

_WHO_ARE_YOU = (
    "I can't tell which organisation this message comes from, so I can't tell who you are. "
    "Ask IT to check that procurebot is installed for your organisation."
)


class People:
    """Finds and remembers the person behind each activity."""

    def __init__(self, *, service: Procurement) -> None:
        self._service = service

    async def person(self, context: TurnContext, user: ChannelAccount | None = None) -> Person:
        """The person behind a Teams user, known by tenant and Microsoft Entra object id; the
        first time, Teams tells their user principal name, which links them to the policy's
        email (and to Slack).

        Also keeps their conversation reference (so cards can reach them later), their time
        zone and Teams as the channel they last used.
        """
        activity = context.activity
        user = user or activity.from_property
        tenant = tenant_of(activity)
        if not tenant:
            raise NotAllowed(_WHO_ARE_YOU)
        person = None
        if user.aad_object_id:
            person = await asyncio.to_thread(
                self._service.person_by_teams_identity,
                tenant_id=tenant,
                aad_object_id=user.aad_object_id,
            )
        if person is None:
            aad_object_id, email, name = await self._member(context, user)
            person = await asyncio.to_thread(
                self._service.link_teams_identity,
                email=email,
                tenant_id=tenant,
                aad_object_id=aad_object_id,
            )
            person.name = person.name or name
        before = replace(person)
        if is_personal(activity):
            person.teams_reference = reference_of(activity)
            if user.id != activity.from_property.id:  # a member added by someone else
                person.teams_reference["user"] = {"id": user.id, "name": user.name or ""}
        person.tz = _zone(activity.local_timezone) or person.tz
        person.preferred_channel = Channel.TEAMS
        if person != before:
            await asyncio.to_thread(self._service.remember_person, person=person)
        return person

    async def _member(self, context: TurnContext, user: ChannelAccount) -> tuple[str, str, str]:
        """(object id, email, name) of a Teams user, from the connector's members endpoint
        (activities carry no email). The user principal name comes first: the `email`
        attribute is whatever a user or an admin typed."""
        try:
            member = await TeamsInfo.get_member(context, user.id)
        except HttpOperationError as error:
            if getattr(error.response, "status_code", None) not in (403, 404):
                raise  # Teams is having trouble: the turn error handler says so
            log.warning("teams: member %s not found: %s", user.id, error)
            member = None
        email = (member.user_principal_name or member.email or "") if member else ""
        aad_object_id = (member.aad_object_id if member else None) or user.aad_object_id
        if "@" not in email or not aad_object_id:
            raise NotAllowed(
                "I can't see your email address in Teams, so I can't tell who you are. "
                "Ask IT to check that procurebot is installed for your organisation."
            )
        name = member.name if member and member.name else user.name or ""
        return aad_object_id, email.lower(), name


_ZONE_NAME_MAX = 64  # the longest IANA name is 32 characters


def _zone(name: object) -> str | None:
    """The IANA zone a client says it is in, or None for anything else (the activity's
    `localTimezone` is the client's to fill: a number, a path, 10 KB of text)."""
    if not isinstance(name, str) or not name or len(name) > _ZONE_NAME_MAX:
        return None
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: not a file name at all
        return None
    return name
