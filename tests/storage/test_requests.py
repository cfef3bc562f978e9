"""SqlRequestRepository: requests saved whole, versions, queries, vendor history, spend."""

from __future__ import annotations

import threading
from datetime import UTC, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Engine

from bot.domain.budgets import Spend
from bot.domain.errors import ConcurrentUpdate
from bot.domain.model import (
    Decision,
    Money,
    PurchaseRequest,
    Recurrence,
    RequestStatus,
    StepMode,
    StepStatus,
)
from storage.uow import SqlUnitOfWorkFactory
from tests.storage.builders import (
    BERLIN,
    POSTGRES_ONLY,
    T0,
    active_step,
    add,
    full_request,
    in_uow,
    load,
    make_request,
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
