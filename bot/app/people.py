"""People: who a chat user is, their stored identity and preferences, and one-time claims."""

from __future__ import annotations

from dataclasses import replace

from bot.app.context import Context
from bot.domain.errors import NotAllowed
from bot.domain.model import Person


def person(ctx: Context, email: str) -> Person:
    """What we know of someone (name, zone, chat ids); a bare Person if nothing yet."""
    with ctx.uow() as uow:
        return uow.people.get(email.lower()) or Person(email=email.lower())


def remember_person(ctx: Context, person: Person) -> None:
    """Store a person's chat identity and preferences."""
    with ctx.uow() as uow:
        uow.people.save(replace(person, email=person.email.lower()))
        uow.commit()


def person_by_slack_id(ctx: Context, user_id: str) -> Person | None:
    """Who a Slack user is, if we have seen them before."""
    with ctx.uow() as uow:
        return uow.people.by_slack_id(user_id)


def person_by_teams_identity(ctx: Context, *, tenant_id: str, aad_object_id: str) -> Person | None:
    """Who a Teams user is (by tenant and Microsoft Entra object id), if seen before."""
    with ctx.uow() as uow:
        return uow.people.by_teams_identity(tenant_id, aad_object_id)


def link_teams_identity(ctx: Context, *, email: str, tenant_id: str, aad_object_id: str) -> Person:
    """The person with this email, now known in Teams by tenant and object id; refused
    when the email already belongs to another Teams account (it must not move)."""
    with ctx.uow() as uow:
        found = uow.people.get(email.lower()) or Person(email=email.lower())
        known = (found.teams_tenant_id, found.teams_aad_object_id)
        if found.teams_aad_object_id and known != (tenant_id, aad_object_id):
            raise NotAllowed(
                f"{found.email} already belongs to another Teams account here, so I "
                "can't tell who you are. Ask IT to check your Microsoft 365 account."
            )
        found.teams_tenant_id, found.teams_aad_object_id = tenant_id, aad_object_id
        uow.people.save(found)
        uow.commit()
        return found


def claim_once(ctx: Context, key: str) -> bool:
    """True the first time `key` is seen (across processes); False for a retry."""
    with ctx.uow() as uow:
        first, _ = uow.idempotency.claim(key, now=ctx.clock.now())
        uow.commit()
        return first
