"""SqlPeopleRepository: people and their chat identities."""

from __future__ import annotations

from sqlalchemy import select

from bot.domain.model import (
    Channel,
    Person,
)
from storage import tables
from storage.uow import SqlUnitOfWorkFactory
from tests.storage.builders import (
    in_uow,
)


def test_people_upsert_and_chat_id_lookups(uow_factory: SqlUnitOfWorkFactory) -> None:
    ann = Person("ann@example.com", name="Ann", tz="Europe/Berlin", slack_user_id="U1")
    in_uow(uow_factory, lambda uow: uow.people.save(ann))

    ann.teams_reference = {"conversation": {"id": "a:1"}, "serviceUrl": "https://smba"}
    ann.teams_tenant_id, ann.teams_aad_object_id = "tenant-1", "aad-ann"
    ann.preferred_channel = Channel.TEAMS
    ann.name = "Ann A."
    in_uow(uow_factory, lambda uow: uow.people.save(ann))
    in_uow(uow_factory, lambda uow: uow.people.save(Person("bob@example.com")))

    with uow_factory() as uow:
        assert uow.people.get("ann@example.com") == ann
        assert uow.people.by_slack_id("U1") == ann
        assert uow.people.by_slack_id("U2") is None
        assert uow.people.by_teams_identity("tenant-1", "aad-ann") == ann
        assert uow.people.by_teams_identity("tenant-2", "aad-ann") is None
        assert uow.people.by_teams_identity("tenant-1", "aad-bob") is None
        assert uow.people.get("bob@example.com") == Person("bob@example.com")
        assert uow.people.get("nobody@example.com") is None
        # A person without a Teams reference has SQL NULL, not JSON null.
        nulls = uow.connection.execute(
            select(tables.people.c.email).where(tables.people.c.teams_reference.is_(None))
        ).scalars()
        assert list(nulls) == ["bob@example.com"]
