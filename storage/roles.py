"""The PostgreSQL role the bot runs as: it owns none of the tables, so it can neither disable
the audit log's triggers (ALTER TABLE needs ownership) nor change or empty the log."""

from __future__ import annotations

import re

from sqlalchemy import Connection, inspect, text
from sqlalchemy.exc import ProgrammingError

from storage.engine import make_engine

# What the bot does to each table; every other table gets SELECT, INSERT, UPDATE, DELETE.
_PRIVILEGES = {
    "events": "SELECT, INSERT",  # the audit log: appended to, never changed
    "alembic_version": "SELECT",  # the bot checks the schema at start; `db upgrade` changes it
}
_WORKING_TABLE = "SELECT, INSERT, UPDATE, DELETE"
_ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


class RoleRefused(ValueError):
    """The role cannot be the bot's: it would own the tables, or the name is unusable."""


def grant_app_role(url: str, *, role: str) -> bool:
    """Create `role` (LOGIN, no password) unless it exists and grant it what the bot needs on
    the tables at `url`, and no more; run as the tables' owner after migrating. Running it
    again re-grants (new tables included). True when the role was created."""
    if not _ROLE_NAME.match(role):
        raise RoleRefused(
            f"{role!r} is not a plain role name: use lower-case letters, digits and _."
        )
    engine = make_engine(url)
    try:
        if engine.dialect.name != "postgresql":
            raise RoleRefused("--app-role is for PostgreSQL; a SQLite file has no roles.")
        with engine.begin() as conn:
            created = _ensure_role(conn, role)
            _refuse_owners(conn, role)
            _grant(conn, role)
        return created
    finally:
        engine.dispose()


def _ensure_role(conn: Connection, role: str) -> bool:
    superuser = conn.execute(
        text("SELECT rolsuper FROM pg_roles WHERE rolname = :role"), {"role": role}
    ).scalar()
    if superuser:
        raise RoleRefused(f"{role} is a superuser, which may disable triggers; pick another role.")
    if superuser is None:
        try:
            with conn.begin_nested():
                conn.execute(text(f"CREATE ROLE {_quoted(conn, role)} LOGIN"))
        except ProgrammingError:
            raise RoleRefused(
                f"There is no role {role} and this user may not create one: ask your database "
                f"admin to CREATE ROLE {role} LOGIN, then run this again."
            ) from None
        return True
    return False


def _refuse_owners(conn: Connection, role: str) -> None:
    # Ownership, or membership in the owner's role, is what ALTER TABLE ... DISABLE TRIGGER needs.
    owners = conn.execute(
        text(
            "SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = current_schema() "
            "AND pg_has_role(:role, tableowner, 'MEMBER')"
        ),
        {"role": role},
    ).scalars()
    found = sorted(owners)
    if found:
        raise RoleRefused(
            f"{role} owns the tables (or is a member of {', '.join(found)}, which does), so it "
            "could disable the audit log's triggers; pick a role that does not."
        )


def _grant(conn: Connection, role: str) -> None:
    who = _quoted(conn, role)
    database = conn.execute(text("SELECT current_database()")).scalar_one()
    schema = conn.execute(text("SELECT current_schema()")).scalar_one()
    conn.execute(text(f"GRANT CONNECT ON DATABASE {_quoted(conn, database)} TO {who}"))
    conn.execute(text(f"GRANT USAGE ON SCHEMA {_quoted(conn, schema)} TO {who}"))
    for table in inspect(conn).get_table_names(schema=schema):
        name = f"{_quoted(conn, schema)}.{_quoted(conn, table)}"
        # Revoke first, so that re-running takes back anything granted by hand since.
        conn.execute(text(f"REVOKE ALL ON {name} FROM {who}"))
        conn.execute(text(f"GRANT {_PRIVILEGES.get(table, _WORKING_TABLE)} ON {name} TO {who}"))
    # Inserting into a SERIAL column draws from its sequence.
    conn.execute(
        text(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {_quoted(conn, schema)} TO {who}")
    )


def _quoted(conn: Connection, name: str) -> str:
    return conn.dialect.identifier_preparer.quote_identifier(name)
