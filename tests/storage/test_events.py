"""SqlEventLog: the audit log, append-only in both databases."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.exc import DBAPIError

from bot.domain.model import (
    Channel,
    Event,
    RequestStatus,
)
from storage import tables
from storage.uow import SqlUnitOfWorkFactory
from tests.storage.builders import (
    POSTGRES_ONLY,
    T0,
    add,
    in_uow,
    make_request,
)


def test_event_log_round_trip_oldest_first(uow_factory: SqlUnitOfWorkFactory) -> None:
    request_id = add(uow_factory, make_request())
    events = [
        Event(
            "Submitted",
            "ann@example.com",
            T0,
            Channel.SLACK,
            None,
            RequestStatus.PENDING,
            request_id=request_id,
        ),
        Event(
            "Approved",
            "bob@example.com",
            T0,
            Channel.TEAMS,
            RequestStatus.PENDING,
            RequestStatus.APPROVED,
            "IT review",
            "ok",
            request_id,
        ),
        Event("VendorApproved", "sec@example.com", T0, Channel.CLI),
    ]
    with uow_factory() as uow:
        for event in events:
            uow.events.append(event)
        uow.commit()

    with uow_factory() as uow:
        assert uow.events.for_request(request_id) == events[:2]


def test_event_log_has_no_update_or_delete(uow_factory: SqlUnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        public = {name for name in dir(uow.events) if not name.startswith("_")}
    assert public == {"append", "for_request"}


@pytest.mark.parametrize("statement", ["UPDATE events SET actor = 'mallory'", "DELETE FROM events"])
def test_raw_sql_cannot_change_events(engine: Engine, statement: str) -> None:
    factory = SqlUnitOfWorkFactory(engine)
    in_uow(factory, lambda uow: uow.events.append(Event("Seeded", "ann", T0, Channel.CLI)))

    with engine.connect() as conn, pytest.raises(DBAPIError, match="append-only"):
        conn.execute(text(statement))

    with engine.connect() as conn:
        assert conn.execute(select(tables.events.c.actor)).scalars().all() == ["ann"]


# Statements that would rewrite a stored event in place, in each database's dialect.
_COPY = "SELECT id, 'Forged', 'mallory', channel, comment, at FROM events"
_INTO = "INTO events (id, action, actor, channel, comment, at)"
REWRITES = {
    "sqlite": [
        f"INSERT OR REPLACE {_INTO} {_COPY}",
        f"REPLACE {_INTO} {_COPY}",
        f"INSERT {_INTO} {_COPY} WHERE true ON CONFLICT (id) DO UPDATE SET actor = excluded.actor",
    ],
    "postgresql": [
        f"INSERT {_INTO} {_COPY} ON CONFLICT (id) DO UPDATE SET actor = excluded.actor",
        "MERGE INTO events USING (SELECT 1 AS one) s ON true WHEN MATCHED THEN "
        "UPDATE SET actor = 'mallory'",
        "MERGE INTO events USING (SELECT 1 AS one) s ON true WHEN MATCHED THEN DELETE",
    ],
}


@pytest.mark.parametrize("index", range(3))
def test_an_event_cannot_be_replaced_or_upserted(engine: Engine, index: int) -> None:
    factory = SqlUnitOfWorkFactory(engine)
    in_uow(factory, lambda uow: uow.events.append(Event("Seeded", "ann", T0, Channel.CLI)))

    with engine.connect() as conn, pytest.raises(DBAPIError, match="append-only"):
        conn.execute(text(REWRITES[engine.dialect.name][index]))

    with engine.connect() as conn:
        rows = conn.execute(select(tables.events.c.action, tables.events.c.actor)).all()
    assert rows == [("Seeded", "ann")]


@POSTGRES_ONLY
def test_truncate_cannot_empty_events_on_postgresql(engine: Engine) -> None:
    with engine.connect() as conn, pytest.raises(DBAPIError, match="append-only"):
        conn.execute(text("TRUNCATE events"))
