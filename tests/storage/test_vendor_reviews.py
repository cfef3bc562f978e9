"""Vendor qualification use cases on SQLite and PostgreSQL: what is stored, sent and audited."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from bot.app.clock import FixedClock
from bot.app.facade import Procurement
from bot.app.ports import MessageKind
from bot.app.vendor_qualification import Proposal, VendorReviews
from bot.domain.errors import AlreadyDecided, InvalidInput, NotAllowed
from bot.domain.model import Channel, VendorStatus
from bot.domain.vendor_reviews import Outcome, ReviewDecision, ReviewStatus
from storage import tables as t
from storage.uow import SqlUnitOfWorkFactory
from tests.fakes import IT, PROCUREMENT, REQUESTER, SECURITY, START, draft, example_policy

ANSWERS = {
    "soc2_iso": "yes",
    "sso": "Yes",
    "data_location": "EU",
    "dpa": "yes",
    "subprocessors": "AWS",
    "breach": "no",
}


def proposal(vendor: str = "Acme Analytics", **answers: str) -> Proposal:
    return Proposal(
        vendor=vendor,
        website="acme.example",
        category="saas",
        purpose="Product analytics",
        answers={**ANSWERS, **answers},
    )


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


@pytest.fixture
def reviews(uow_factory: SqlUnitOfWorkFactory, clock: FixedClock) -> VendorReviews:
    return VendorReviews(uow=uow_factory, policy=example_policy(), clock=clock)


def outbox(uow_factory: SqlUnitOfWorkFactory) -> list[tuple[str, str | None, str]]:
    with uow_factory() as uow:
        rows = uow.connection.execute(select(t.outbox).order_by(t.outbox.c.id)).mappings()
        return [(r["kind"], r["recipient"], r["text"]) for r in rows]


def test_propose_stores_the_review_and_cards_every_reviewer(
    reviews: VendorReviews, uow_factory: SqlUnitOfWorkFactory
) -> None:
    review = reviews.propose(proposal=proposal(), proposer=REQUESTER, channel=Channel.SLACK)
    assert review.id is not None
    with uow_factory() as uow:
        stored = uow.vendor_reviews.get(review.id)
        vendor = uow.vendors.get("acmeanalytics")
    assert stored is not None and vendor is not None
    assert stored.answers == {**ANSWERS, "sso": "yes"}  # yes/no answers stored lower-case
    assert (stored.status, stored.groups, stored.proposer) == (
        ReviewStatus.PENDING,
        ["it", "procurement"],
        REQUESTER,
    )
    assert (vendor.status, vendor.website, vendor.owner) == (
        VendorStatus.UNDER_REVIEW,
        "https://acme.example",
        REQUESTER,
    )
    sent = outbox(uow_factory)
    cards = {r for k, r, _ in sent if k == MessageKind.VENDOR_CARD.value}
    assert cards == {*IT, PROCUREMENT}
    assert [k for k, r, _ in sent if r == REQUESTER] == [MessageKind.NOTE.value]


def test_nothing_is_stored_when_an_answer_is_wrong(
    reviews: VendorReviews, uow_factory: SqlUnitOfWorkFactory
) -> None:
    with pytest.raises(InvalidInput) as error:
        reviews.propose(
            proposal=proposal(dpa="", data_location="Moon", sso="maybe"),
            proposer=REQUESTER,
            channel=Channel.SLACK,
        )
    assert error.value.fields == {
        "sso": "Answer yes or no.",
        "data_location": "Pick one of: EU, US, EU and US, Elsewhere, No company data.",
        "dpa": "Please answer this.",
    }
    with uow_factory() as uow:
        assert uow.vendors.get("acmeanalytics") is None
    assert outbox(uow_factory) == []


def test_all_groups_approve_then_a_purchase_skips_qualification(
    reviews: VendorReviews, uow_factory: SqlUnitOfWorkFactory, clock: FixedClock
) -> None:
    review = reviews.propose(proposal=proposal(), proposer=REQUESTER, channel=Channel.TEAMS)
    assert review.id is not None
    policy = example_policy()
    service = Procurement(uow=uow_factory, policy=policy, clock=clock)
    pending = service.preview(requester=REQUESTER, draft=draft(vendor="Acme Analytics"))
    assert {s.spec.name for s in pending.route} >= {"Security review", "Procurement"}

    clock.advance(hours=1)
    reviews.approve(review_id=review.id, actor=IT[0], group="it", channel=Channel.SLACK)
    with pytest.raises(AlreadyDecided, match="already approved Acme Analytics for IT review"):
        reviews.approve(review_id=review.id, actor=IT[1], group="it", channel=Channel.SLACK)
    with pytest.raises(NotAllowed, match="Only Procurement can decide"):
        reviews.approve(
            review_id=review.id, actor=SECURITY, group="procurement", channel=Channel.SLACK
        )
    done = reviews.approve(
        review_id=review.id, actor=PROCUREMENT, group="procurement", channel=Channel.SLACK
    )
    assert done.status is ReviewStatus.APPROVED and done.decided_at == clock.now()
    with uow_factory() as uow:
        vendor = uow.vendors.get("acmeanalytics")
        events = [
            r["action"]
            for r in uow.connection.execute(
                select(t.events).where(t.events.c.request_id.is_(None)).order_by(t.events.c.id)
            ).mappings()
        ]
    assert vendor is not None and vendor.status is VendorStatus.APPROVED
    assert (vendor.reviewed_at, vendor.reviewed_by) == (clock.now(), PROCUREMENT)
    assert events == ["Vendor proposed", "Vendor approved", "Vendor approved"]
    assert (
        "Acme Analytics is now an approved vendor until 23 Nov 2027: you can /buy from it "
        "without a security review."
    ) in [text for _, r, text in outbox(uow_factory) if r == REQUESTER]
    settled = "Acme Analytics is now an approved vendor (qualified by ines.it@acme.example, "
    assert [r for _, r, text in outbox(uow_factory) if text.startswith(settled)] == [IT[0], IT[1]]

    # Routing treats the approved, unexpired vendor as approved: no vendor qualification.
    small = draft(vendor="acme analytics", unit_price=Decimal("10.00"))
    assert [s.spec.name for s in service.preview(requester=REQUESTER, draft=small).route] == [
        "IT review"
    ]
    # ... until the review expires (vendors.review_valid_months: 12).
    clock.set(START.replace(year=2027, day=24))
    expired = service.preview(requester=REQUESTER, draft=small)
    assert "Security review" in {s.spec.name for s in expired.route}
    # Then it may be proposed again.
    reviews.check_proposal(vendor="Acme Analytics")


def test_ask_answer_and_reject(reviews: VendorReviews, uow_factory: SqlUnitOfWorkFactory) -> None:
    review = reviews.propose(proposal=proposal(), proposer=REQUESTER, channel=Channel.SLACK)
    assert review.id is not None
    reviews.ask(
        review_id=review.id, actor=IT[0], group="it", question="Which SSO?", channel=Channel.SLACK
    )
    with pytest.raises(AlreadyDecided, match="open question"):
        reviews.ask(
            review_id=review.id,
            actor=PROCUREMENT,
            group="procurement",
            question="?",
            channel=Channel.SLACK,
        )
    with pytest.raises(NotAllowed, match="who proposed Acme Analytics, can answer"):
        reviews.answer(review_id=review.id, actor=IT[1], text="Okta", channel=Channel.SLACK)
    reviews.answer(review_id=review.id, actor=REQUESTER, text="Okta", channel=Channel.SLACK)
    with pytest.raises(InvalidInput):
        reviews.reject(
            review_id=review.id,
            actor=PROCUREMENT,
            group="procurement",
            reason=" ",
            channel=Channel.SLACK,
        )
    reviews.reject(
        review_id=review.id,
        actor=PROCUREMENT,
        group="procurement",
        reason="No DPA",
        channel=Channel.SLACK,
    )
    with uow_factory() as uow:
        stored = uow.vendor_reviews.get(review.id)
        vendor = uow.vendors.get("acmeanalytics")
    assert stored is not None and vendor is not None
    assert [(d.outcome, d.actor, d.text) for d in stored.decisions] == [
        (Outcome.ASKED, IT[0], "Which SSO?"),
        (Outcome.ANSWERED, REQUESTER, "Okta"),
        (Outcome.REJECTED, PROCUREMENT, "No DPA"),
    ]
    assert (vendor.status, vendor.review_outcome) == (VendorStatus.REJECTED, "No DPA")
    with pytest.raises(AlreadyDecided, match="already rejected"):
        reviews.approve(review_id=review.id, actor=IT[0], group="it", channel=Channel.SLACK)
    with pytest.raises(InvalidInput, match="was rejected on 23 Nov 2026: No DPA"):
        reviews.check_proposal(vendor="acme analytics")
    # The same name in lookalike letters (a Cyrillic А and с) is the rejected vendor.
    with pytest.raises(InvalidInput, match="looks like rejected vendor Acme Analytics"):
        reviews.propose(
            proposal=proposal("\u0410\u0441me Analytics"), proposer=IT[0], channel=Channel.SLACK
        )


def test_a_review_is_finished_once(
    reviews: VendorReviews, uow_factory: SqlUnitOfWorkFactory
) -> None:
    review = reviews.propose(proposal=proposal(), proposer=REQUESTER, channel=Channel.SLACK)
    review.status = ReviewStatus.APPROVED
    review.decided_at = START
    with uow_factory() as uow:
        uow.vendor_reviews.add_decision(
            review.id or 0,
            ReviewDecision(group="it", outcome=Outcome.APPROVED, actor=IT[0], text="", at=START),
        )
        uow.vendor_reviews.finish(review)
        with pytest.raises(AlreadyDecided):
            uow.vendor_reviews.finish(review)
        uow.commit()
    with uow_factory() as uow:
        latest = uow.vendor_reviews.latest(review.vendor_id)
    assert latest is not None and latest.status is ReviewStatus.APPROVED
    assert [d.actor for d in latest.decisions] == [IT[0]]


def test_the_vendor_review_tables_migrate_down_and_up(db_url: str) -> None:
    from alembic import command
    from sqlalchemy import inspect

    from storage.engine import make_engine
    from storage.migrate import config, upgrade

    def tables() -> set[str]:
        engine = make_engine(db_url)
        try:
            return set(inspect(engine).get_table_names())
        finally:
            engine.dispose()

    upgrade(db_url)
    assert {"vendor_reviews", "vendor_review_decisions"} <= tables()
    command.downgrade(config(db_url), "0007")
    assert not {"vendor_reviews", "vendor_review_decisions"} & tables()
    upgrade(db_url)
    assert {"vendor_reviews", "vendor_review_decisions"} <= tables()


def test_decisions_on_one_review_wait_for_each_other(
    reviews: VendorReviews, uow_factory: SqlUnitOfWorkFactory
) -> None:
    """The last two groups approving at once: the second waits for the first's row lock,
    then sees its vote and approves the vendor (neither may miss the other)."""
    import threading

    review = reviews.propose(proposal=proposal(), proposer=REQUESTER, channel=Channel.SLACK)
    assert review.id is not None
    review_id = review.id
    done = threading.Event()

    def procurement() -> None:
        reviews.approve(
            review_id=review_id, actor=PROCUREMENT, group="procurement", channel=Channel.SLACK
        )
        done.set()

    with uow_factory() as held:
        assert held.vendor_reviews.get(review_id, lock=True) is not None
        worker = threading.Thread(target=procurement)
        worker.start()
        assert not done.wait(0.5)  # blocked behind the lock
        held.vendor_reviews.add_decision(
            review_id,
            ReviewDecision(group="it", outcome=Outcome.APPROVED, actor=IT[0], text="", at=START),
        )
        held.commit()
    worker.join(10)
    assert done.is_set()
    with uow_factory() as uow:
        final = uow.vendor_reviews.get(review_id)
        vendor = uow.vendors.get("acmeanalytics")
    assert final is not None and final.status is ReviewStatus.APPROVED
    assert vendor is not None and vendor.status is VendorStatus.APPROVED
