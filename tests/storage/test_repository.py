"""The SQL unit of work and repositories, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect, select, text
from sqlalchemy.exc import DBAPIError, StatementError

from bot.app.ports import MessageKind, MessageRef, OutboxMessage
from bot.domain.budgets import Budget, Period, Spend
from bot.domain.errors import ConcurrentUpdate
from bot.domain.model import (
    Category,
    Channel,
    DataAccess,
    Decision,
    Event,
    Money,
    Person,
    PurchaseRequest,
    Question,
    Recurrence,
    RequestStatus,
    Step,
    StepMode,
    StepStatus,
    Vendor,
    VendorStatus,
)
from storage import tables
from storage.engine import make_engine
from storage.migrate import config, current, upgrade
from storage.repository import SqlUnitOfWork, SqlUnitOfWorkFactory

T0 = datetime(2026, 3, 2, 9, 30, 15, 123456, tzinfo=UTC)
BERLIN = ZoneInfo("Europe/Berlin")
R = TypeVar("R")
POSTGRES_ONLY = pytest.mark.parametrize(
    "db_kind", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
)


class FixedClock:
    def __init__(self, now: datetime) -> None:
        self.at = now

    def now(self) -> datetime:
        return self.at


def make_request(
    *,
    requester: str = "ann@example.com",
    vendor: str = "Figma, Inc.",
    status: RequestStatus = RequestStatus.PENDING,
    created_at: datetime = T0,
    base_amount: Decimal = Decimal("1440.00"),
    steps: list[Step] | None = None,
) -> PurchaseRequest:
    return PurchaseRequest(
        id=None,
        requester=requester,
        title="Figma seats",
        category=Category.SAAS,
        vendor=vendor,
        unit_price=Money(Decimal("15.00"), "EUR"),
        quantity=8,
        recurrence=Recurrence.MONTHLY,
        cost_centre="CC-42",
        data_access=DataAccess.INTERNAL,
        justification="Design team",
        created_at=created_at,
        updated_at=created_at,
        status=status,
        base_amount=base_amount,
        steps=steps if steps is not None else [],
    )


def active_step(
    approvers: list[str],
    *,
    name: str = "IT review",
    mode: StepMode = StepMode.ANY,
    decisions: list[Decision] | None = None,
) -> Step:
    return Step(
        name=name,
        group="it",
        stage=1,
        mode=mode,
        approvers=approvers,
        reason="every request",
        status=StepStatus.ACTIVE,
        activated_at=T0,
        decisions=decisions or [],
    )


def add(uow_factory: SqlUnitOfWorkFactory, request: PurchaseRequest) -> int:
    with uow_factory() as uow:
        uow.requests.add(request)
        uow.commit()
    assert request.id is not None
    return request.id


def load(uow_factory: SqlUnitOfWorkFactory, request_id: int) -> PurchaseRequest:
    with uow_factory() as uow:
        found = uow.requests.get(request_id)
    assert found is not None
    return found


def in_uow(uow_factory: SqlUnitOfWorkFactory, work: Callable[[SqlUnitOfWork], R]) -> R:
    with uow_factory() as uow:
        result = work(uow)
        uow.commit()
    return result


# --- requests -------------------------------------------------------------------------------


def full_request() -> PurchaseRequest:
    berlin_t0 = T0.astimezone(BERLIN)
    return PurchaseRequest(
        id=None,
        requester="ann@example.com",
        title="Render farm",
        category=Category.HARDWARE,
        vendor="Big Iron GmbH",
        # 16 digits before the point: a float would round these cents away.
        unit_price=Money(Decimal("1234567890123456.78"), "EUR"),
        quantity=3,
        recurrence=Recurrence.ANNUAL,
        cost_centre="CC-7",
        data_access=DataAccess.CONFIDENTIAL,
        justification="Rendering\nneeds ünïcode ✓",
        created_at=berlin_t0,
        updated_at=berlin_t0 + timedelta(minutes=5),
        needed_by=date(2026, 4, 1),
        link="https://example.com/quote",
        renewal_date=date(2027, 3, 1),
        status=RequestStatus.CHANGES_REQUESTED,
        steps=[
            Step(
                name="IT review",
                group="it",
                stage=1,
                mode=StepMode.ALL,
                approvers=["zed@example.com", "bob@example.com"],
                reason="every request",
                status=StepStatus.APPROVED,
                decisions=[
                    Decision("zed@example.com", StepStatus.APPROVED, T0, "fine"),
                    Decision(
                        "dan@example.com",
                        StepStatus.APPROVED,
                        T0 + timedelta(seconds=1),
                        on_behalf_of="bob@example.com",
                    ),
                ],
                activated_at=T0,
                decided_at=T0 + timedelta(seconds=1),
                reminded_at=T0 + timedelta(hours=1),
                escalated_at=T0 + timedelta(hours=2),
            ),
            Step(
                name="Security review",
                group="security",
                stage=2,
                mode=StepMode.ANY,
                approvers=["sec@example.com"],
                reason="confidential data",
                status=StepStatus.ACTIVE,
                activated_at=T0 + timedelta(seconds=1),
                vendor_qualification=True,
            ),
            Step(
                name="Finance",
                group="finance",
                stage=3,
                mode=StepMode.ANY,
                approvers=[],
                reason="above 10000",
            ),
        ],
        questions=[
            Question("zed@example.com", "IT review", "Why?", T0, "Because", T0),
            Question("sec@example.com", "Security review", "Where is data kept?", T0),
        ],
        base_amount=Decimal("9999999999999999.99"),
        base_currency="USD",
        catalogue_entry="render-node",
        vendor_status=VendorStatus.UNDER_REVIEW,
        po_number="PO-1",
        rejection_reason="not yet",
    )


def test_a_full_request_round_trips_exactly(uow_factory: SqlUnitOfWorkFactory) -> None:
    request = full_request()
    request_id = add(uow_factory, request)

    loaded = load(uow_factory, request_id)

    assert request.version == 1
    assert loaded == request
    assert loaded.unit_price.amount == Decimal("1234567890123456.78")
    assert str(loaded.base_amount) == "9999999999999999.99"
    stamps = [loaded.created_at, loaded.updated_at, loaded.questions[0].asked_at]
    stamps += [s.activated_at for s in loaded.steps if s.activated_at]
    stamps += [d.at for s in loaded.steps for d in s.decisions]
    assert all(stamp.tzinfo is UTC for stamp in stamps)
    assert loaded.created_at == T0
    assert loaded.steps[0].approvers == ["zed@example.com", "bob@example.com"]
    assert loaded.steps[0].decision_of("bob@example.com") == request.steps[0].decisions[1]


def test_amounts_round_to_cents_like_numeric_18_2(uow_factory: SqlUnitOfWorkFactory) -> None:
    request = make_request(base_amount=Decimal("10.005"))
    request_id = add(uow_factory, request)

    assert load(uow_factory, request_id).base_amount == Decimal("10.01")


def test_get_unknown_request_is_none(uow_factory: SqlUnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        assert uow.requests.get(12345) is None


def test_save_replaces_steps_and_questions(uow_factory: SqlUnitOfWorkFactory) -> None:
    request_id = add(uow_factory, full_request())
    request = load(uow_factory, request_id)
    request.steps = request.steps[1:]
    request.steps[0].decisions.append(Decision("sec@example.com", StepStatus.APPROVED, T0))
    request.steps[0].approvers.append("sec2@example.com")
    request.questions[1].answer = "EU"
    request.questions[1].answered_at = T0
    request.status = RequestStatus.PENDING

    in_uow(uow_factory, lambda uow: uow.requests.save(request))

    assert request.version == 2
    assert load(uow_factory, request_id) == request


def test_save_with_a_stale_version_raises_and_writes_nothing(
    uow_factory: SqlUnitOfWorkFactory,
) -> None:
    request_id = add(uow_factory, make_request())
    first = load(uow_factory, request_id)
    second = load(uow_factory, request_id)
    first.title = "first wins"
    in_uow(uow_factory, lambda uow: uow.requests.save(first))

    second.title = "second loses"
    second.status = RequestStatus.CANCELLED
    with uow_factory() as uow, pytest.raises(ConcurrentUpdate):
        uow.requests.save(second)

    stored = load(uow_factory, request_id)
    assert (stored.title, stored.status, stored.version) == (
        "first wins",
        RequestStatus.PENDING,
        2,
    )


# SQLite runs one writing transaction at a time, so the two could not both load version 1.
@POSTGRES_ONLY
def test_two_concurrent_saves_one_wins(engine: Engine) -> None:
    factory = SqlUnitOfWorkFactory(engine)
    request_id = add(factory, make_request())
    loaded = threading.Barrier(2, timeout=10)
    outcomes: list[str] = []

    def decide(title: str) -> None:
        with factory() as uow:
            request = uow.requests.get(request_id)
            assert request is not None
            loaded.wait()
            request.title = title
            try:
                uow.requests.save(request)
                uow.commit()
                outcomes.append("saved")
            except ConcurrentUpdate:
                outcomes.append("conflict")

    threads = [threading.Thread(target=decide, args=(f"t{i}",)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["conflict", "saved"]
    assert load(factory, request_id).version == 2


def test_commit_appends_pending_events_with_the_new_id(
    uow_factory: SqlUnitOfWorkFactory,
) -> None:
    request = make_request()
    submitted = Event(
        "Submitted", "ann@example.com", T0, Channel.SLACK, None, RequestStatus.PENDING
    )
    request.pending_events.append(submitted)

    request_id = add(uow_factory, request)

    assert request.pending_events == []
    with uow_factory() as uow:
        assert uow.events.for_request(request_id) == [replace(submitted, request_id=request_id)]


def test_without_commit_nothing_is_written(uow_factory: SqlUnitOfWorkFactory) -> None:
    request = make_request()
    request.pending_events.append(Event("Submitted", "ann@example.com", T0, Channel.SLACK))
    with uow_factory() as uow:
        uow.requests.add(request)
        assert request.id is not None

    with uow_factory() as uow:
        assert uow.requests.get(request.id) is None
        assert uow.events.for_request(request.id) == []
    assert len(request.pending_events) == 1


def test_rollback_drops_the_work_so_far(uow_factory: SqlUnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        uow.requests.add(make_request())
        uow.rollback()
        uow.requests.add(make_request(requester="kept@example.com"))
        uow.commit()

    with uow_factory() as uow:
        assert [r.requester for r in uow.requests.list()] == ["kept@example.com"]


def test_list_filters_newest_first(uow_factory: SqlUnitOfWorkFactory) -> None:
    for day, requester, status in [
        (1, "ann@example.com", RequestStatus.PENDING),
        (2, "bob@example.com", RequestStatus.APPROVED),
        (3, "ann@example.com", RequestStatus.REJECTED),
        (4, "ann@example.com", RequestStatus.APPROVED),
    ]:
        add(
            uow_factory,
            make_request(requester=requester, status=status, created_at=T0 + timedelta(days=day)),
        )

    with uow_factory() as uow:
        days = [(r.created_at - T0).days for r in uow.requests.list()]
        anns = [(r.created_at - T0).days for r in uow.requests.list(requester="ann@example.com")]
        approved = uow.requests.list(statuses=[RequestStatus.APPROVED])
        recent = uow.requests.list(since=(T0 + timedelta(days=3)).astimezone(BERLIN))
        limited = uow.requests.list(limit=2)

    assert days == [4, 3, 2, 1]
    assert anns == [4, 3, 1]
    assert [r.requester for r in approved] == ["ann@example.com", "bob@example.com"]
    assert len(recent) == 2
    assert len(limited) == 2


def test_waiting_for(uow_factory: SqlUnitOfWorkFactory) -> None:
    me = "me@example.com"
    later_stage = active_step([me])
    later_stage.status = StepStatus.WAITING
    cases = {
        "active step": ([active_step([me, "x@example.com"])], RequestStatus.PENDING),
        "answering a question": ([active_step([me])], RequestStatus.CHANGES_REQUESTED),
        "someone else decided, all-of": (
            [
                active_step(
                    [me, "x@example.com"],
                    mode=StepMode.ALL,
                    decisions=[Decision("x@example.com", StepStatus.APPROVED, T0)],
                )
            ],
            RequestStatus.PENDING,
        ),
        "I decided": (
            [
                active_step(
                    [me, "x@example.com"],
                    mode=StepMode.ALL,
                    decisions=[Decision(me, StepStatus.APPROVED, T0)],
                )
            ],
            RequestStatus.PENDING,
        ),
        "my delegate decided": (
            [
                active_step(
                    [me, "x@example.com"],
                    mode=StepMode.ALL,
                    decisions=[Decision("d@example.com", StepStatus.APPROVED, T0, on_behalf_of=me)],
                )
            ],
            RequestStatus.PENDING,
        ),
        "not my step": ([active_step(["x@example.com"])], RequestStatus.PENDING),
        "later stage": (
            [active_step(["x@example.com"], name="first"), later_stage],
            RequestStatus.PENDING,
        ),
        "request closed": ([active_step([me])], RequestStatus.CANCELLED),
    }
    ids = {}
    for day, (label, (steps, status)) in enumerate(cases.items()):
        ids[label] = add(
            uow_factory,
            make_request(steps=steps, status=status, created_at=T0 + timedelta(days=day)),
        )

    with uow_factory() as uow:
        waiting = uow.requests.waiting_for(me)
        for_x = uow.requests.waiting_for("x@example.com")

    assert [r.id for r in waiting] == [
        ids["active step"],
        ids["answering a question"],
        ids["someone else decided, all-of"],
    ]
    assert waiting[0].steps[0].approvers == [me, "x@example.com"]
    assert ids["someone else decided, all-of"] not in [r.id for r in for_x]
    assert ids["later stage"] in [r.id for r in for_x]


def test_vendor_history(uow_factory: SqlUnitOfWorkFactory) -> None:
    statuses = [
        (RequestStatus.APPROVED, "100.10"),
        (RequestStatus.ORDERED, "200.20"),
        (RequestStatus.RECEIVED, "0.01"),
        (RequestStatus.REJECTED, "5000.00"),
        (RequestStatus.PENDING, "7000.00"),
        (RequestStatus.CANCELLED, "9000.00"),
    ]
    ids = [
        add(
            uow_factory,
            make_request(
                vendor="FIGMA INC",
                status=status,
                base_amount=Decimal(amount),
                created_at=T0 + timedelta(days=day),
            ),
        )
        for day, (status, amount) in enumerate(statuses)
    ]
    add(uow_factory, make_request(vendor="Miro", status=RequestStatus.APPROVED))

    with uow_factory() as uow:
        history = uow.requests.vendor_history("figma", exclude_id=ids[-1])
        unknown = uow.requests.vendor_history("nobody")

    assert history.requests == 5
    assert history.approved_spend == Decimal("300.31")
    # What the company holds first, then what is asked for, then the rest; newest first in each.
    assert [r.id for r in history.recent] == [ids[2], ids[1], ids[0], ids[4], ids[3]]
    assert (unknown.requests, unknown.approved_spend, list(unknown.recent)) == (
        0,
        Decimal("0"),
        [],
    )


def test_vendor_history_puts_active_recurring_purchases_first(
    uow_factory: SqlUnitOfWorkFactory,
) -> None:
    recurring = add(uow_factory, make_request(status=RequestStatus.ORDERED, created_at=T0))
    one_off = make_request(status=RequestStatus.APPROVED, created_at=T0 + timedelta(days=3))
    one_off.recurrence = Recurrence.ONE_OFF
    newer_one_off = add(uow_factory, one_off)
    pending = add(uow_factory, make_request(created_at=T0 + timedelta(days=5)))
    with uow_factory() as uow:
        recent = uow.requests.vendor_history("figma").recent
    assert [r.id for r in recent] == [recurring, newer_one_off, pending]


def test_spend_sums_yearly_values_per_currency_in_the_period(
    uow_factory: SqlUnitOfWorkFactory,
) -> None:
    def request(**changes: Any) -> PurchaseRequest:
        made = make_request(status=RequestStatus.APPROVED)
        for name, value in changes.items():
            setattr(made, name, value)
        return made

    monthly_eur = add(uow_factory, request())  # 8 x 15.00 EUR a month = 1,440.00 EUR a year
    add(
        uow_factory,
        request(
            unit_price=Money(Decimal("1999.99"), "USD"),
            quantity=1,
            recurrence=Recurrence.ONE_OFF,
            cost_centre="  cc-42 ",
            base_amount=Decimal("1999.99"),
        ),
    )
    add(uow_factory, request(status=RequestStatus.PENDING))  # not asked for below
    add(uow_factory, request(cost_centre="Other"))
    add(uow_factory, request(created_at=T0 - timedelta(days=400)))  # an earlier year
    with uow_factory() as uow:
        spends = uow.requests.spend(
            cost_centre_key="cc-42",
            start=T0.date().replace(month=1, day=1),
            end=T0.date().replace(year=T0.year + 1, month=1, day=1),
            statuses=[RequestStatus.APPROVED],
        )
        without_first = uow.requests.spend(
            cost_centre_key="cc-42",
            start=T0.date().replace(month=1, day=1),
            end=T0.date().replace(year=T0.year + 1, month=1, day=1),
            statuses=[RequestStatus.APPROVED, RequestStatus.PENDING],
            exclude_id=monthly_eur,
        )
    assert spends == [
        Spend(currency="EUR", amount=Decimal("1440.00"), recorded_base=Decimal("1440.00")),
        Spend(currency="USD", amount=Decimal("1999.99"), recorded_base=Decimal("1999.99")),
    ]
    assert [(s.currency, s.amount) for s in without_first] == [
        ("EUR", Decimal("1440.00")),
        ("USD", Decimal("1999.99")),
    ]


def test_imported_budgets_replace_the_same_cost_centre_and_period(
    uow_factory: SqlUnitOfWorkFactory,
) -> None:
    design = Budget("Design", Period(2026, 4), Decimal("5000.00"), "EUR", source="import")
    with uow_factory() as uow:
        assert uow.budgets.put(design, now=T0) is True
        assert (
            uow.budgets.put(replace(design, cost_centre=" DESIGN", amount=Decimal("7000")), now=T0)
            is False
        )
        assert uow.budgets.put(replace(design, period=Period(2026)), now=T0) is True
        uow.commit()
    with uow_factory() as uow:
        stored = uow.budgets.list()
    assert [(b.cost_centre, b.period.label, b.amount, b.currency) for b in stored] == [
        ("Design", "2026", Decimal("5000.00"), "EUR"),
        ("DESIGN", "2026-Q4", Decimal("7000.00"), "EUR"),
    ]


# --- audit events ---------------------------------------------------------------------------


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


# --- vendors and people ---------------------------------------------------------------------


def test_vendors(uow_factory: SqlUnitOfWorkFactory) -> None:
    figma = Vendor("Figma, Inc.", category=Category.SAAS, website="https://figma.com")
    with uow_factory() as uow:
        uow.vendors.add(figma)
        uow.vendors.add(Vendor("Adobe"))
        uow.commit()
    assert figma.id is not None

    figma.status = VendorStatus.APPROVED
    figma.reviewed_by = "sec@example.com"
    figma.reviewed_at = T0.astimezone(BERLIN)
    figma.review_outcome = "SOC 2 report checked"
    in_uow(uow_factory, lambda uow: uow.vendors.save(figma))

    with uow_factory() as uow:
        assert uow.vendors.get("figma") == figma
        assert uow.vendors.get("sketch") is None
        assert [v.name for v in uow.vendors.list()] == ["Adobe", "Figma, Inc."]
        with pytest.raises(LookupError):
            uow.vendors.save(Vendor("Never stored"))


def test_people_upsert_and_chat_id_lookups(uow_factory: SqlUnitOfWorkFactory) -> None:
    ann = Person("ann@example.com", name="Ann", tz="Europe/Berlin", slack_user_id="U1")
    in_uow(uow_factory, lambda uow: uow.people.save(ann))

    ann.teams_reference = {"conversation": {"id": "a:1"}, "serviceUrl": "https://smba"}
    ann.teams_tenant_id, ann.teams_aad_object_id = "tenant-1", "aad-ann"
    ann.preferred_channel = Channel.TEAMS
    ann.name = "Ann A."
    in_uow(uow_factory, lambda uow: uow.people.save(ann))
    in_uow(uow_factory, lambda uow: uow.people.save(Person("bob@example.com")))

    with uow_factory() as uow:
        assert uow.people.get("ann@example.com") == ann
        assert uow.people.by_slack_id("U1") == ann
        assert uow.people.by_slack_id("U2") is None
        assert uow.people.by_teams_identity("tenant-1", "aad-ann") == ann
        assert uow.people.by_teams_identity("tenant-2", "aad-ann") is None
        assert uow.people.by_teams_identity("tenant-1", "aad-bob") is None
        assert uow.people.get("bob@example.com") == Person("bob@example.com")
        assert uow.people.get("nobody@example.com") is None
        # A person without a Teams reference has SQL NULL, not JSON null.
        nulls = uow.connection.execute(
            select(tables.people.c.email).where(tables.people.c.teams_reference.is_(None))
        ).scalars()
        assert list(nulls) == ["bob@example.com"]


# --- outbox ---------------------------------------------------------------------------------


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


# --- idempotency and job runs ---------------------------------------------------------------


def test_idempotency_claim_twice_returns_the_stored_result(
    uow_factory: SqlUnitOfWorkFactory,
) -> None:
    with uow_factory() as uow:
        assert uow.idempotency.claim("slack:evt1", now=T0) == (True, None)
        # Losing the claim inside the same transaction leaves it usable.
        assert uow.idempotency.claim("slack:evt1", now=T0) == (False, None)
        uow.idempotency.remember("slack:evt1", "PR-1001")
        uow.commit()

    with uow_factory() as uow:
        assert uow.idempotency.claim("slack:evt1", now=T0) == (False, "PR-1001")
        assert uow.idempotency.claim("slack:evt2", now=T0) == (True, None)


def test_idempotency_race_has_exactly_one_winner(uow_factory: SqlUnitOfWorkFactory) -> None:
    start = threading.Barrier(10, timeout=30)
    results: list[tuple[bool, str | None]] = []
    lock = threading.Lock()

    def claim(worker: int) -> None:
        start.wait()
        with uow_factory() as uow:
            won, stored = uow.idempotency.claim("teams:activity-1", now=T0)
            if won:
                uow.idempotency.remember("teams:activity-1", f"worker {worker}")
            uow.commit()
        with lock:
            results.append((won, stored))

    threads = [threading.Thread(target=claim, args=(i,)) for i in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    winners = [r for r in results if r[0]]
    assert len(results) == 10
    assert len(winners) == 1
    with uow_factory() as uow:
        assert uow.idempotency.claim("teams:activity-1", now=T0)[1] is not None


def test_job_run_is_claimed_once(uow_factory: SqlUnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        assert uow.jobs.claim_run("digest", "2026-W10", now=T0, by="web.1")
        assert not uow.jobs.claim_run("digest", "2026-W10", now=T0, by="web.1")
        uow.commit()
    with uow_factory() as uow:
        assert not uow.jobs.claim_run("digest", "2026-W10", now=T0, by="worker.1")
        assert uow.jobs.claim_run("digest", "2026-W11", now=T0, by="worker.1")
        assert uow.jobs.claim_run("reminders", "2026-W10", now=T0, by="worker.1")


# --- types, engine, migrations --------------------------------------------------------------


def test_naive_datetimes_are_refused(uow_factory: SqlUnitOfWorkFactory) -> None:
    with uow_factory() as uow, pytest.raises(StatementError, match="naive datetime"):
        uow.requests.add(make_request(created_at=datetime(2026, 1, 1)))


def test_unit_of_work_needs_with(uow_factory: SqlUnitOfWorkFactory) -> None:
    with pytest.raises(RuntimeError, match="with"):
        uow_factory().requests.get(1)


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


def test_sqlite_engine_settings(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "dir" / "bot.db"
    engine = make_engine(f"sqlite:///{path}")
    try:
        assert path.parent.is_dir()
        assert not path.exists()  # nothing connects until used
        with engine.connect() as conn:
            pragmas = [
                conn.exec_driver_sql(f"PRAGMA {name}").scalar()
                for name in ("foreign_keys", "journal_mode", "busy_timeout")
            ]
        assert pragmas == [1, "wal", 30000]
    finally:
        engine.dispose()


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
