"""SqlOutbox: leased delivery, failures, requeues and where cards landed."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Engine, select

from bot.app.ports import MessageKind, MessageRef, OutboxMessage
from storage import tables
from storage.uow import SqlUnitOfWorkFactory
from tests.storage.builders import (
    T0,
    FixedClock,
    add,
    in_uow,
    make_request,
)


def test_outbox_claim_lease_and_update(engine: Engine) -> None:
    clock = FixedClock(T0)
    factory = SqlUnitOfWorkFactory(engine, clock=clock)
    request_id = add(factory, make_request())
    card = OutboxMessage(
        MessageKind.APPROVAL_CARD, "bob@example.com", request_id, data={"step": "IT review"}
    )
    note = OutboxMessage(MessageKind.NOTE, "ann@example.com", request_id, text="Submitted")
    later = OutboxMessage(
        MessageKind.REFRESH, None, request_id, next_attempt_at=T0 + timedelta(hours=1)
    )
    with factory() as uow:
        for message in (card, note, later):
            uow.outbox.add(message)
        uow.commit()
    assert card.id is not None and card.next_attempt_at == T0

    lease = T0 + timedelta(seconds=30)
    claimed = in_uow(factory, lambda uow: uow.outbox.claim_due(now=T0, limit=10, lease_until=lease))
    assert claimed == [card, note]

    # Leased: nobody else gets them until the lease ends.
    during = T0 + timedelta(seconds=10)
    assert (
        in_uow(factory, lambda uow: uow.outbox.claim_due(now=during, limit=10, lease_until=lease))
        == []
    )
    after = T0 + timedelta(seconds=31)
    again = in_uow(
        factory,
        lambda uow: uow.outbox.claim_due(now=after, limit=1, lease_until=after + timedelta(30)),
    )
    assert [m.id for m in again] == [card.id]

    # Delivered: never again. Deferred: due at its next attempt, lease released.
    card.delivered_at = after
    card.attempts = 1
    note.attempts = 1
    note.last_error = "429"
    note.next_attempt_at = T0 + timedelta(minutes=2)
    with factory() as uow:
        uow.outbox.update(card)
        uow.outbox.update(note)
        uow.commit()
    due = T0 + timedelta(minutes=2)
    claimed = in_uow(factory, lambda uow: uow.outbox.claim_due(now=due, limit=10, lease_until=due))
    assert claimed == [note]

    note.failed_at = due
    in_uow(factory, lambda uow: uow.outbox.update(note))
    end = T0 + timedelta(days=1)
    claimed = in_uow(factory, lambda uow: uow.outbox.claim_due(now=end, limit=10, lease_until=end))
    assert [m.kind for m in claimed] == [MessageKind.REFRESH]
    with engine.connect() as conn:
        statuses = conn.execute(
            select(tables.outbox.c.status).order_by(tables.outbox.c.id)
        ).scalars()
        assert list(statuses) == ["delivered", "failed", "pending"]


def test_outbox_lists_counts_and_requeues_failed_messages(engine: Engine) -> None:
    factory = SqlUnitOfWorkFactory(engine, clock=FixedClock(T0))
    request_id = add(factory, make_request())
    messages = [
        OutboxMessage(MessageKind.APPROVAL_CARD, f"{name}@example.com", request_id)
        for name in ("bob", "cy", "dee", "eve")
    ]
    with factory() as uow:
        for message in messages:
            uow.outbox.add(message)
        uow.commit()
    bob, cy, dee, _ = messages
    for n, message in enumerate((bob, cy)):
        message.attempts, message.last_error = 1 + n, f"refused {n}"
        message.failed_at = T0 + timedelta(minutes=n)
    dee.delivered_at = T0
    with factory() as uow:
        for message in (bob, cy, dee):
            uow.outbox.update(message)
        uow.commit()

    with factory() as uow:
        assert uow.outbox.counts() == {"pending": 1, "failed": 2}
        assert uow.outbox.failed(limit=10) == [cy, bob]  # the latest failure first
        assert uow.outbox.failed(limit=1) == [cy]
        # Only a failed message goes back in the queue, due now with no attempts counted.
        assert uow.outbox.requeue(dee.id or 0, now=T0) is None
        assert uow.outbox.requeue(10_000, now=T0) is None
        later = T0 + timedelta(hours=1)
        again = uow.outbox.requeue(cy.id or 0, now=later)
        uow.commit()
    assert again is not None and (again.attempts, again.failed_at) == (0, None)
    claimed = in_uow(
        factory, lambda uow: uow.outbox.claim_due(now=later, limit=10, lease_until=later)
    )
    assert [m.recipient for m in claimed] == ["cy@example.com", "eve@example.com"]
    assert in_uow(factory, lambda uow: uow.outbox.counts()) == {"pending": 2, "failed": 1}


def test_message_refs(uow_factory: SqlUnitOfWorkFactory) -> None:
    request_id = add(uow_factory, make_request())
    refs = [
        MessageRef(request_id, "bob@example.com", "slack", "D1", "1700000000.000100"),
        MessageRef(request_id, "ann@example.com", "teams", "a:1", "1"),
    ]
    with uow_factory() as uow:
        for ref in [*refs, refs[0]]:
            uow.outbox.add_ref(ref)
        uow.commit()

    with uow_factory() as uow:
        assert uow.outbox.refs(request_id) == refs
        assert uow.outbox.refs(request_id + 1) == []


def test_outbox_knows_a_waiting_refresh_until_it_is_taken(engine: Engine) -> None:
    factory = SqlUnitOfWorkFactory(engine, clock=FixedClock(T0))
    request_id = add(factory, make_request())
    other_id = add(factory, make_request())
    assert not in_uow(factory, lambda uow: uow.outbox.refresh_queued(request_id))
    with factory() as uow:
        uow.outbox.add(OutboxMessage(MessageKind.NOTE, "ann@example.com", request_id, text="x"))
        uow.outbox.add(OutboxMessage(MessageKind.REFRESH, None, request_id))
        uow.commit()
    assert in_uow(factory, lambda uow: uow.outbox.refresh_queued(request_id))
    assert not in_uow(factory, lambda uow: uow.outbox.refresh_queued(other_id))
    lease = T0 + timedelta(seconds=30)
    in_uow(factory, lambda uow: uow.outbox.claim_due(now=T0, limit=10, lease_until=lease))
    # Taken by a dispatcher: it may have drawn its cards already, so a new one is needed.
    assert not in_uow(factory, lambda uow: uow.outbox.refresh_queued(request_id))
