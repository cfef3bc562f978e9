"""People and their chat identities over SQLAlchemy Core."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row, insert, select, update
from sqlalchemy.exc import IntegrityError

from bot.domain.model import Channel, Person
from storage import tables as t
from storage._base import Repository


def _person_from(row: Row[Any]) -> Person:
    return Person(
        email=row.email,
        name=row.name,
        tz=row.tz,
        slack_user_id=row.slack_user_id,
        teams_reference=row.teams_reference,
        teams_tenant_id=row.teams_tenant_id,
        teams_aad_object_id=row.teams_aad_object_id,
        preferred_channel=Channel(row.preferred_channel) if row.preferred_channel else None,
    )


class SqlPeopleRepository(Repository):
    """People by email, with their Slack id and Teams conversation reference."""

    def get(self, email: str) -> Person | None:
        """By email."""
        row = self._conn.execute(select(t.people).where(t.people.c.email == email)).first()
        return _person_from(row) if row else None

    def by_slack_id(self, user_id: str) -> Person | None:
        """By Slack user id."""
        row = self._conn.execute(
            select(t.people).where(t.people.c.slack_user_id == user_id)
        ).first()
        return _person_from(row) if row else None

    def by_teams_identity(self, tenant_id: str, aad_object_id: str) -> Person | None:
        """By Microsoft Entra tenant and object id."""
        row = self._conn.execute(
            select(t.people).where(
                t.people.c.teams_tenant_id == tenant_id,
                t.people.c.teams_aad_object_id == aad_object_id,
            )
        ).first()
        return _person_from(row) if row else None

    def save(self, person: Person) -> None:
        """Insert or update."""
        values = {
            "name": person.name,
            "tz": person.tz,
            "slack_user_id": person.slack_user_id,
            "teams_reference": person.teams_reference,
            "teams_tenant_id": person.teams_tenant_id,
            "teams_aad_object_id": person.teams_aad_object_id,
            "preferred_channel": person.preferred_channel.value
            if person.preferred_channel
            else None,
            "updated_at": self._uow.now(),
        }
        if self._update(person.email, values):
            return
        try:
            with self._conn.begin_nested():
                self._conn.execute(insert(t.people).values(email=person.email, **values))
        except IntegrityError:
            # Another transaction inserted the same person first (the first message from a
            # new user often arrives twice); update their row instead. A clash on
            # slack_user_id or the Teams identity is a real conflict and still raises.
            if not self._update(person.email, values):
                raise

    def _update(self, email: str, values: dict[str, Any]) -> bool:
        result = self._conn.execute(
            update(t.people).where(t.people.c.email == email).values(**values)
        )
        return result.rowcount == 1
