"""Create the SQLAlchemy engine for a database URL, with the settings each database needs."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url


def make_engine(url: str) -> Engine:
    """An engine for `url`; SQLite gets foreign keys, WAL and real transactions. Never connects."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        # pre_ping: a PostgreSQL restart or an idle timeout must not surface as a failed request.
        return create_engine(url, pool_pre_ping=True)
    database = parsed.database or ""
    if database and database != ":memory:" and not database.startswith("file:"):
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url)
    event.listen(engine, "connect", _configure_sqlite)
    event.listen(engine, "begin", _begin_immediate)
    return engine


def safe_url(url: str) -> str:
    """The URL for messages and logs: its password hidden, whether in the user part or in
    the query string (psycopg also reads ?password=)."""
    parsed = make_url(url)
    if "password" in parsed.query:
        parsed = parsed.update_query_dict({"password": "***"})
    return parsed.render_as_string(hide_password=True)


def _configure_sqlite(dbapi_connection: Any, _record: Any) -> None:
    # Hand transaction control to SQLAlchemy: the sqlite3 driver's legacy mode neither
    # begins before SELECT nor makes SAVEPOINT part of the transaction.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        # WAL lets readers proceed while a writer works (web server, scheduler, CLI at once).
        _enable_wal(cursor)
    finally:
        cursor.close()


def _enable_wal(cursor: sqlite3.Cursor) -> None:
    # WAL is a property of the file, set once by whichever connection gets there first.
    # Switching needs an exclusive lock and fails at once, without waiting, while another
    # connection is busy; that one (every connection tries) or the next will switch it.
    if cursor.execute("PRAGMA journal_mode").fetchone()[0] == "wal":
        return
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
    except sqlite3.OperationalError as error:
        if "locked" not in str(error):
            raise


def _begin_immediate(connection: Connection) -> None:
    # Take the write lock up front: a deferred transaction that read and then writes fails
    # at once with "database is locked" when another writer committed meanwhile, whereas
    # waiting here (busy_timeout) lets the version check report a real conflict instead.
    connection.exec_driver_sql("BEGIN IMMEDIATE")
