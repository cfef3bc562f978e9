"""Test databases: a SQLite file, or a throwaway PostgreSQL database on the local server.

Shared by the storage, services and end-to-end tests. PostgreSQL tests fail (never skip) when
the server is down, unless PROCUREBOT_SKIP_POSTGRES=1: CI must not pass by silently skipping.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from storage.engine import make_engine
from storage.migrate import upgrade
from storage.roles import grant_app_role

ADMIN_URL = os.environ.get(
    "PROCUREBOT_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
KINDS = ("sqlite", "postgresql")


def sqlite_url(tmp_path: Path) -> str:
    """A SQLite database file inside `tmp_path`."""
    return f"sqlite:///{tmp_path / 'procurebot.db'}"


def _admin_engine(admin_url: str) -> Engine:
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT", pool_pre_ping=True)
    try:
        with engine.connect():
            pass
    except OperationalError as error:
        engine.dispose()
        message = f"PostgreSQL at {make_url(admin_url).render_as_string()} is unreachable: {error}"
        if os.environ.get("PROCUREBOT_SKIP_POSTGRES") == "1":
            pytest.skip(message)
        pytest.fail(f"{message}\n(set PROCUREBOT_SKIP_POSTGRES=1 to skip these tests)")
    return engine


@contextmanager
def postgres_database(*, admin_url: str = ADMIN_URL) -> Iterator[str]:
    """Create an empty database with a unique name, yield its URL, drop it afterwards."""
    name = f"pb_test_{uuid.uuid4().hex[:12]}"
    admin = _admin_engine(admin_url)
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as conn:
                conn.execute(
                    text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE datname = :name AND pid <> pg_backend_pid()"
                    ),
                    {"name": name},
                )
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
    finally:
        admin.dispose()


@contextmanager
def app_role_database(*, admin_url: str = ADMIN_URL) -> Iterator[str]:
    """A migrated PostgreSQL database and the URL of a fresh role that `db upgrade --app-role`
    granted, owning none of the tables; the role is dropped afterwards."""
    role = f"pb_app_{uuid.uuid4().hex[:12]}"
    try:
        with postgres_database(admin_url=admin_url) as url:
            upgrade(url)
            grant_app_role(url, role=role)
            try:
                yield make_url(url).set(username=role).render_as_string(hide_password=False)
            finally:
                owner = create_engine(url)
                with owner.begin() as conn:
                    conn.execute(text(f'DROP OWNED BY "{role}"'))  # its grants, before DROP ROLE
                owner.dispose()
    finally:
        admin = _admin_engine(admin_url)
        with admin.connect() as conn:
            conn.execute(text(f'DROP ROLE IF EXISTS "{role}"'))
        admin.dispose()


@contextmanager
def database_url(kind: str, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty database of `kind` ("sqlite" or "postgresql"), or of a migrated
    one reached through the bot's own role ("postgresql-app-role")."""
    if kind == "sqlite":
        yield sqlite_url(tmp_path)
    elif kind == "postgresql":
        with postgres_database() as url:
            yield url
    elif kind == "postgresql-app-role":
        with app_role_database() as url:
            yield url
    else:
        raise ValueError(f"unknown database kind {kind!r}")


@contextmanager
def migrated_engine(kind: str, tmp_path: Path) -> Iterator[Engine]:
    """An engine on a fresh database of `kind`, migrated to the latest schema."""
    with database_url(kind, tmp_path) as url:
        upgrade(url)
        engine = make_engine(url)
        try:
            yield engine
        finally:
            engine.dispose()


def kind_params() -> list[object]:
    """pytest params for parametrising a fixture over both databases."""
    return ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
