"""Bring a database to the latest schema with Alembic, configured in code (no alembic.ini)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, text

from storage.engine import make_engine

# Resolved through the installed package, so it works from any working directory.
SCRIPT_LOCATION = "storage:migrations"
# Any constant shared by every procurebot process: serialises concurrent upgrades on PostgreSQL.
_UPGRADE_LOCK = 0x70726F63


def config(url: str) -> Config:
    """An Alembic Config for `url` pointing at storage/migrations."""
    cfg = Config()
    cfg.set_main_option("script_location", SCRIPT_LOCATION)
    # ConfigParser treats % as interpolation; a password may contain one.
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str, *, revision: str = "head") -> None:
    """Migrate the database at `url` to `revision` (the latest by default)."""
    cfg = config(url)
    engine = make_engine(url)
    try:
        with _migration_connection(engine.connect()) as connection:
            cfg.attributes["connection"] = connection
            command.upgrade(cfg, revision)
    finally:
        engine.dispose()


def current(url: str) -> str | None:
    """The revision the database at `url` is at; None before the first upgrade."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()


@contextmanager
def _migration_connection(connection: Connection) -> Iterator[Connection]:
    """One transaction for the whole upgrade, safe against a second process upgrading too."""
    with connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # SQLite ignores this pragma inside a transaction, and batch migrations copy
            # tables that others reference: switch the checks off first, verify at the end.
            _sqlite_foreign_keys(connection, on=False)
        try:
            with connection.begin():
                if connection.dialect.name == "postgresql":
                    connection.execute(
                        text("SELECT pg_advisory_xact_lock(:key)"), {"key": _UPGRADE_LOCK}
                    )
                yield connection
                if sqlite:
                    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
                    if broken:
                        raise RuntimeError(f"migration broke foreign keys: {broken[:5]}")
        finally:
            if sqlite:
                _sqlite_foreign_keys(connection, on=True)


def _sqlite_foreign_keys(connection: Connection, *, on: bool) -> None:
    # Straight to the driver: through SQLAlchemy the pragma would run after BEGIN, as a no-op.
    driver = connection.connection.driver_connection
    if driver is None:
        raise RuntimeError("the SQLite connection is closed")
    driver.execute(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")
