"""API keys in the database (SQLite and PostgreSQL), the 0008 migration, and the unit of
work's event hook that queues webhook rows in the commit of the change."""

from __future__ import annotations

from datetime import timedelta

import pytest
from alembic import command
from sqlalchemy import Engine, inspect, select

from bot.app.apikeys import PREFIX, ApiKeyProblem, ApiKeys, hash_key
from bot.app.clock import FixedClock
from bot.app.facade import Procurement
from bot.app.ports import MessageKind
from bot.app.webhooks import Webhook, webhook_listener
from bot.domain.model import Channel
from storage import tables
from storage.api_keys import SqlApiKeys
from storage.engine import make_engine
from storage.migrate import config, upgrade
from storage.uow import SqlUnitOfWorkFactory
from tests.fakes import IT, REQUESTER, START, draft, example_policy


@pytest.fixture
def keys(uow_factory: SqlUnitOfWorkFactory) -> tuple[ApiKeys, FixedClock]:
    clock = FixedClock(START)
    return ApiKeys(store=SqlApiKeys(uow_factory), clock=clock), clock


def test_a_key_is_shown_once_stored_hashed_and_found(
    keys: tuple[ApiKeys, FixedClock], engine: Engine
) -> None:
    api_keys, clock = keys
    record, key = api_keys.create("erp")
    assert key.startswith(PREFIX) and len(key) >= len(PREFIX) + 43
    assert record.name == "erp" and record.created_at == START and record.last_used_at is None
    with engine.connect() as conn:
        stored = conn.execute(select(tables.api_keys)).one()
    assert stored.key_hash == hash_key(key) and key not in str(tuple(stored))
    clock.advance(minutes=5)
    found = api_keys.authenticate(key)
    assert found is not None and found.name == "erp"
    assert api_keys.list()[0].last_used_at == START + timedelta(minutes=5)
    # Within a minute of the last use nothing is written; after it, the use is recorded.
    clock.advance(seconds=30)
    api_keys.authenticate(key)
    assert api_keys.list()[0].last_used_at == START + timedelta(minutes=5)
    clock.advance(minutes=2)
    api_keys.authenticate(key)
    assert api_keys.list()[0].last_used_at == START + timedelta(minutes=7, seconds=30)


def test_unknown_malformed_and_revoked_keys_are_refused(keys: tuple[ApiKeys, FixedClock]) -> None:
    api_keys, clock = keys
    _record, key = api_keys.create("erp")
    assert api_keys.authenticate(key[:-1] + ("A" if key[-1] != "A" else "B")) is None
    assert api_keys.authenticate(key.removeprefix(PREFIX)) is None
    assert api_keys.authenticate("") is None
    clock.advance(hours=1)
    revoked = api_keys.revoke("erp")
    assert revoked.revoked_at == START + timedelta(hours=1)
    assert api_keys.authenticate(key) is None
    # Revoking again keeps the first time; the name stays taken.
    clock.advance(hours=1)
    assert api_keys.revoke("erp").revoked_at == START + timedelta(hours=1)
    with pytest.raises(ApiKeyProblem, match="A key named erp exists"):
        api_keys.create("erp")


def test_bad_names_and_unknown_revokes_are_explained(keys: tuple[ApiKeys, FixedClock]) -> None:
    api_keys, _clock = keys
    with pytest.raises(ApiKeyProblem, match="not a key name"):
        api_keys.create("my erp")
    with pytest.raises(ApiKeyProblem, match="no API key named ghost"):
        api_keys.revoke("ghost")
    assert api_keys.list() == []


def test_api_keys_migration_goes_down_and_up(db_url: str) -> None:
    upgrade(db_url)
    command.downgrade(config(db_url), "0007")
    engine = make_engine(db_url)
    try:
        assert "api_keys" not in inspect(engine).get_table_names()
    finally:
        engine.dispose()
    upgrade(db_url)
    engine = make_engine(db_url)
    try:
        assert "api_keys" in inspect(engine).get_table_names()
    finally:
        engine.dispose()


def test_the_commit_that_records_a_change_queues_its_webhooks(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOOK_SECRET", "s")
    secret = "HOOK_SECRET"
    hooks = [
        Webhook(name="erp", url="http://e.test/h", events=["submitted"], secret_env=secret),
        Webhook(
            name="all", url="http://x.test/h", events=["submitted", "rejected"], secret_env=secret
        ),
        Webhook(name="none", url="http://y.test/h", events=["ordered"], secret_env=secret),
    ]
    uow = SqlUnitOfWorkFactory(engine, on_event=webhook_listener(hooks))
    service = Procurement(uow=uow, policy=example_policy(), clock=FixedClock(START))
    request = service.submit(requester=REQUESTER, draft=draft(), channel=Channel.SLACK)
    assert request.id is not None
    service.reject(request_id=request.id, actor=IT[0], reason="Use Canva", channel=Channel.SLACK)
    with uow() as unit:
        due = unit.outbox.claim_due(now=START, limit=100, lease_until=START)
        audit = unit.connection.execute(
            select(tables.events.c.id, tables.events.c.action).order_by(tables.events.c.id)
        ).all()
    webhooks = [m for m in due if m.kind is MessageKind.WEBHOOK]
    ids = {action: f"evt_{event_id}" for event_id, action in audit}
    assert [(m.recipient, m.data["type"], m.data["event_id"]) for m in webhooks] == [
        ("webhook:erp", "request.submitted", ids["Submitted"]),
        ("webhook:all", "request.submitted", ids["Submitted"]),
        ("webhook:all", "request.rejected", ids["Rejected"]),
    ]


def test_without_webhooks_no_row_is_queued(uow_factory: SqlUnitOfWorkFactory) -> None:
    service = Procurement(uow=uow_factory, policy=example_policy(), clock=FixedClock(START))
    service.submit(requester=REQUESTER, draft=draft(), channel=Channel.SLACK)
    with uow_factory() as unit:
        due = unit.outbox.claim_due(now=START, limit=100, lease_until=START)
    assert due and not [m for m in due if m.kind is MessageKind.WEBHOOK]
