"""The migrations: idempotent, concurrent-safe, reversible, and equal to storage.tables."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect

from storage import tables
from storage.engine import make_engine
from storage.migrate import config, current, upgrade
from storage.uow import SqlUnitOfWorkFactory


def test_upgrade_twice_is_a_no_op(db_url: str) -> None:
    assert current(db_url) is None
    upgrade(db_url)
    engine = make_engine(db_url)
    try:
        before = sorted(inspect(engine).get_table_names())
    finally:
        engine.dispose()

    upgrade(db_url)

    # The newest migration, whatever it is called after merges re-chain the revisions.
    head = ScriptDirectory.from_config(config(db_url)).get_current_head()
    assert head is not None and current(db_url) == head
    engine = make_engine(db_url)
    try:
        assert sorted(inspect(engine).get_table_names()) == before
    finally:
        engine.dispose()


def test_concurrent_upgrades_both_succeed(db_url: str) -> None:
    errors: list[BaseException] = []

    def run() -> None:
        try:
            upgrade(db_url)
        except BaseException as error:  # reported by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    # The newest migration, whatever it is called after merges re-chain the revisions.
    head = ScriptDirectory.from_config(config(db_url)).get_current_head()
    assert head is not None and current(db_url) == head


def test_migrations_match_tables_py(engine: Engine) -> None:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, tables.metadata) == []


def test_teams_user_id_migration_goes_down_and_up(db_url: str) -> None:
    from alembic import command

    from storage.migrate import config

    upgrade(db_url)
    command.downgrade(config(db_url), "0002")
    engine = make_engine(db_url)
    try:
        assert "teams_user_id" not in {c["name"] for c in inspect(engine).get_columns("people")}
    finally:
        engine.dispose()
    upgrade(db_url)
    assert current(db_url) == ScriptDirectory.from_config(config(db_url)).get_current_head()


def test_teams_identity_migration_keeps_people_and_goes_down_and_up(db_url: str) -> None:
    from alembic import command

    def columns() -> set[str]:
        engine = make_engine(db_url)
        try:
            return {c["name"] for c in inspect(engine).get_columns("people")}
        finally:
            engine.dispose()

    upgrade(db_url)
    command.downgrade(config(db_url), "0005-1")  # just below it, wherever merges put it
    assert "teams_user_id" in columns() and "teams_aad_object_id" not in columns()
    engine = make_engine(db_url)
    try:
        with engine.begin() as conn:
            conn.execute(
                tables.people.insert().values(
                    email="ann@example.com",
                    name="Ann",
                    tz="UTC",
                    teams_reference={"conversation": {"id": "a:1"}},
                    updated_at=datetime.now(UTC),
                )
            )
    finally:
        engine.dispose()
    upgrade(db_url)
    assert {"teams_tenant_id", "teams_aad_object_id"} <= columns()
    assert "teams_user_id" not in columns()
    engine = make_engine(db_url)
    try:
        with SqlUnitOfWorkFactory(engine)() as uow:
            ann = uow.people.get("ann@example.com")
    finally:
        engine.dispose()
    # Still reachable; linked again by their user principal name when they next write.
    assert ann is not None and ann.teams_reference and ann.teams_aad_object_id is None
