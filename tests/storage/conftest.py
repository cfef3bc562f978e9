"""Every storage test runs on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from storage.uow import SqlUnitOfWorkFactory
from tests.dbs import database_url, kind_params, migrated_engine


@pytest.fixture(params=kind_params())
def db_kind(request: pytest.FixtureRequest) -> str:
    """The database under test: "sqlite" or "postgresql"."""
    return str(request.param)


@pytest.fixture
def engine(db_kind: str, tmp_path: Path) -> Iterator[Engine]:
    """A freshly migrated database of each kind."""
    with migrated_engine(db_kind, tmp_path) as engine:
        yield engine


@pytest.fixture
def db_url(db_kind: str, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty, unmigrated database of each kind."""
    with database_url(db_kind, tmp_path) as url:
        yield url


@pytest.fixture
def uow_factory(engine: Engine) -> SqlUnitOfWorkFactory:
    """Units of work on the test database."""
    return SqlUnitOfWorkFactory(engine)
