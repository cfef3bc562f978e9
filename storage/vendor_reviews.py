"""Vendor reviews in SQL: the VendorReviewRepository port of bot/domain/vendor_reviews.py."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, insert, select, update

from bot.domain.errors import AlreadyDecided
from bot.domain.vendor_reviews import Outcome, ReviewDecision, ReviewStatus, VendorReview
from storage import tables as t

if TYPE_CHECKING:
    from storage.uow import SqlUnitOfWork


class SqlVendorReviews:
    """Reviews and their decisions; `get(lock=True)` serialises decisions on one review."""

    def __init__(self, uow: SqlUnitOfWork) -> None:
        self._uow = uow

    @property
    def _conn(self) -> Connection:
        return self._uow.connection

    def add(self, review: VendorReview) -> VendorReview:
        """Insert; sets its id."""
        review.id = self._conn.execute(
            insert(t.vendor_reviews)
            .values(
                vendor_id=review.vendor_id,
                proposer=review.proposer,
                status=review.status.value,
                groups=list(review.groups),
                answers=dict(review.answers),
                purpose=review.purpose,
                created_at=review.created_at,
                decided_at=review.decided_at,
            )
            .returning(t.vendor_reviews.c.id)
        ).scalar_one()
        return review

    def get(self, review_id: int, *, lock: bool = False) -> VendorReview | None:
        """With its decisions; `lock` holds the row (PostgreSQL; SQLite writes one at a time)."""
        query = select(t.vendor_reviews, t.vendors.c.name).join(
            t.vendors, t.vendors.c.id == t.vendor_reviews.c.vendor_id
        )
        query = query.where(t.vendor_reviews.c.id == review_id)
        if lock:
            query = query.with_for_update(of=t.vendor_reviews)
        row = self._conn.execute(query).mappings().first()
        return self._review(row) if row else None

    def latest(self, vendor_id: int) -> VendorReview | None:
        """The vendor's newest review."""
        found = self._conn.execute(
            select(t.vendor_reviews.c.id)
            .where(t.vendor_reviews.c.vendor_id == vendor_id)
            .order_by(t.vendor_reviews.c.id.desc())
            .limit(1)
        ).scalar()
        return self.get(int(found)) if found is not None else None

    def add_decision(self, review_id: int, decision: ReviewDecision) -> None:
        """Append a vote, question or answer."""
        self._conn.execute(
            insert(t.vendor_review_decisions).values(
                review_id=review_id,
                group=decision.group,
                outcome=decision.outcome.value,
                actor=decision.actor,
                text=decision.text,
                at=decision.at,
            )
        )

    def finish(self, review: VendorReview) -> None:
        """Save the outcome of a review still pending; AlreadyDecided when it is not."""
        done = self._conn.execute(
            update(t.vendor_reviews)
            .where(
                t.vendor_reviews.c.id == review.id,
                t.vendor_reviews.c.status == ReviewStatus.PENDING.value,
            )
            .values(status=review.status.value, decided_at=review.decided_at)
        )
        if done.rowcount != 1:
            raise AlreadyDecided(f"{review.vendor_name} was decided by someone else first.")

    def _review(self, row: Any) -> VendorReview:
        decisions = self._conn.execute(
            select(t.vendor_review_decisions)
            .where(t.vendor_review_decisions.c.review_id == row["id"])
            .order_by(t.vendor_review_decisions.c.id)
        ).mappings()
        return VendorReview(
            id=row["id"],
            vendor_id=row["vendor_id"],
            vendor_name=row["name"],
            proposer=row["proposer"],
            groups=list(row["groups"]),
            answers=dict(row["answers"]),
            purpose=row["purpose"],
            created_at=row["created_at"],
            status=ReviewStatus(row["status"]),
            decided_at=row["decided_at"],
            decisions=[
                ReviewDecision(
                    group=d["group"],
                    outcome=Outcome(d["outcome"]),
                    actor=d["actor"],
                    text=d["text"],
                    at=d["at"],
                )
                for d in decisions
            ],
        )
