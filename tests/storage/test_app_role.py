"""PostgreSQL: the role `db upgrade --app-role` grants can run the bot and cannot touch the
audit log beyond appending to it, not even by switching its triggers off."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, create_engine, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from bot.domain.model import Channel, Event
from storage import tables
from storage.engine import make_engine
from storage.repository import SqlUnitOfWorkFactory
from storage.roles import RoleRefused, grant_app_role
from tests.dbs import app_role_database
from tests.fakes import START

pytestmark = pytest.mark.postgres

# Each would let the bot's role rewrite history: it must be refused, whatever the trigger.
TAMPERING = [
    "ALTER TABLE events DISABLE TRIGGER events_no_update_delete",
    "ALTER TABLE events DISABLE TRIGGER ALL",
    "DROP TRIGGER events_no_update_delete ON events",
    "SET session_replication_role = replica",  # skips ordinary triggers
    "UPDATE events SET actor = 'mallory'",
    "DELETE FROM events",
    "TRUNCATE events",
    "INSERT INTO events (id, action, actor, channel, comment, at) "
    "SELECT id, 'Forged', 'mallory', channel, comment, at FROM events "
    "ON CONFLICT (id) DO UPDATE SET actor = excluded.actor",
    "DROP TABLE events",
]


@pytest.fixture
def app_engine() -> Iterator[Engine]:
    """An engine logged in as the bot's role, on a migrated database with one event."""
    with app_role_database() as url:
        engine = make_engine(url)
        with SqlUnitOfWorkFactory(engine)() as uow:
            uow.events.append(Event("Seeded", "ann", START, Channel.CLI))
            uow.commit()
        try:
            yield engine
        finally:
            engine.dispose()


@pytest.mark.parametrize("statement", TAMPERING)
def test_the_bot_s_role_cannot_change_or_unprotect_the_audit_log(
    app_engine: Engine, statement: str
) -> None:
    with app_engine.connect() as conn, pytest.raises(DBAPIError, match=r"must be|permission"):
        conn.execute(text(statement))
    with app_engine.connect() as conn:
        rows = conn.execute(select(tables.events.c.action, tables.events.c.actor)).all()
    assert rows == [("Seeded", "ann")]


def test_granting_again_is_harmless_and_takes_back_grants_made_by_hand() -> None:
    with app_role_database() as app_url:
        role = make_url(app_url).username
        assert role is not None
        owner_url = make_url(app_url).set(username="postgres")
        owner = create_engine(owner_url)
        try:
            with owner.begin() as conn:
                conn.execute(text(f'GRANT UPDATE, DELETE ON events TO "{role}"'))
            assert grant_app_role(owner_url.render_as_string(False), role=role) is False
        finally:
            owner.dispose()
        engine = make_engine(app_url)
        try:
            with engine.connect() as conn, pytest.raises(DBAPIError, match="permission"):
                conn.execute(text("DELETE FROM events"))
        finally:
            engine.dispose()


@pytest.mark.parametrize(
    ("role", "why"),
    [
        ("postgres", "is a superuser"),
        ("Robert'); DROP TABLE events;--", "is not a plain role name"),
        ("pb_owner", "owns the tables"),
    ],
)
def test_an_owner_a_superuser_or_an_odd_name_is_refused(role: str, why: str) -> None:
    with app_role_database() as app_url:
        owner_url = make_url(app_url).set(username="postgres").render_as_string(False)
        owner = create_engine(owner_url)
        try:
            if role == "pb_owner":
                with owner.begin() as conn:
                    conn.execute(text("CREATE ROLE pb_owner"))
                    conn.execute(text("ALTER TABLE events OWNER TO pb_owner"))
            with pytest.raises(RoleRefused, match=why):
                grant_app_role(owner_url, role=role)
        finally:
            if role == "pb_owner":
                with owner.begin() as conn:
                    conn.execute(text("ALTER TABLE events OWNER TO postgres"))
                    conn.execute(text("DROP ROLE pb_owner"))
            owner.dispose()


def test_a_user_who_may_not_create_roles_is_told_to_ask_for_one() -> None:
    with app_role_database() as app_url:
        admin = create_engine(make_url(app_url).set(username="postgres"))
        try:
            with admin.begin() as conn:
                conn.execute(text("CREATE ROLE pb_weak LOGIN"))
            weak = make_url(app_url).set(username="pb_weak").render_as_string(False)
            with pytest.raises(RoleRefused, match="ask your database admin to CREATE ROLE"):
                grant_app_role(weak, role="pb_new_app")
        finally:
            with admin.begin() as conn:
                conn.execute(text("DROP ROLE pb_weak"))
            admin.dispose()
