"""The database schema as SQLAlchemy Core tables; the repositories map rows to domain objects.

The migrations in storage/migrations create exactly this schema; a test checks they agree.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.types import DateTime, TypeDecorator, TypeEngine

# Stable constraint names, so that later migrations (and SQLite batch mode) can refer to them.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)

_CENTS = Decimal("0.01")


class UtcDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always read back as an aware UTC datetime."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Convert to UTC; naive datetimes are refused because their zone is a guess."""
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value!r}: pass an aware datetime")
        value = value.astimezone(UTC)
        # SQLite keeps no offset: strip it after converting so every stored value is UTC
        # and string comparison orders them correctly.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Attach UTC where the driver dropped it (SQLite); normalise the zone otherwise."""
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Amount(TypeDecorator[Decimal]):
    """Money as NUMERIC(18, 2), exact on every database.

    SQLite has no decimal type and would keep such a column as a binary float, losing
    cents above about 10**13; there the value is stored as an integer number of cents,
    which SQLite adds up exactly in SUM().
    """

    impl = Numeric(18, 2)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        """Integer cents on SQLite, NUMERIC elsewhere."""
        if dialect.name == "sqlite":
            return dialect.type_descriptor(BigInteger())
        return dialect.type_descriptor(Numeric(18, 2, asdecimal=True))

    def process_bind_param(self, value: Decimal | int | None, dialect: Dialect) -> Any:
        """Round to cents as NUMERIC(18, 2) does; scale to cents on SQLite."""
        if value is None:
            return None
        cents = Decimal(value).quantize(_CENTS, rounding=ROUND_HALF_UP)
        return int(cents.scaleb(2)) if dialect.name == "sqlite" else cents

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        """Back to a Decimal with two places."""
        if value is None:
            return None
        if dialect.name == "sqlite":
            return Decimal(int(value)).scaleb(-2)
        return Decimal(value).quantize(_CENTS)


def _created(name: str = "created_at") -> Column[datetime]:
    return Column(name, UtcDateTime(), nullable=False)


requests = Table(
    "requests",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("requester", String(320), nullable=False),
    Column("title", String(300), nullable=False),
    Column("category", String(32), nullable=False),
    Column("vendor", String(200), nullable=False),
    Column("vendor_key", String(200), nullable=False, index=True),
    Column("unit_price", Amount(), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("recurrence", String(32), nullable=False),
    Column("cost_centre", String(100), nullable=False),
    Column("data_access", String(32), nullable=False),
    Column("justification", Text, nullable=False),
    Column("link", String(2000), nullable=False),
    Column("needed_by", Date, nullable=True),
    Column("renewal_date", Date, nullable=True),
    Column("status", String(32), nullable=False, index=True),
    Column("base_amount", Amount(), nullable=False),
    Column("base_currency", String(3), nullable=False),
    Column("catalogue_entry", String(200), nullable=True),
    Column("vendor_status", String(32), nullable=False),
    Column("po_number", String(100), nullable=True),
    Column("rejection_reason", Text, nullable=True),
    _created(),
    Column("updated_at", UtcDateTime(), nullable=False),
    Column("version", Integer, nullable=False),
)
Index("ix_requests_requester_created_at", requests.c.requester, requests.c.created_at)
# The digest counts requests submitted in a week, and lists the oldest open ones.
Index("ix_requests_created_at", requests.c.created_at)
Index("ix_requests_status_created_at", requests.c.status, requests.c.created_at)

steps = Table(
    "steps",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column(
        "request_id",
        Integer,
        ForeignKey("requests.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("position", Integer, nullable=False),
    Column("name", String(200), nullable=False),
    Column("group_name", String(200), nullable=False),
    Column("stage", Integer, nullable=False),
    Column("mode", String(16), nullable=False),
    Column("reason", Text, nullable=False),
    Column("status", String(16), nullable=False),
    Column("activated_at", UtcDateTime(), nullable=True),
    Column("decided_at", UtcDateTime(), nullable=True),
    Column("reminded_at", UtcDateTime(), nullable=True),
    Column("escalated_at", UtcDateTime(), nullable=True),
    Column("vendor_qualification", Boolean, nullable=False),
)
# The digest's cycle times: steps decided in a week.
Index("ix_steps_decided_at", steps.c.decided_at)

step_approvers = Table(
    "step_approvers",
    metadata,
    Column(
        "step_id",
        Integer,
        ForeignKey("steps.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("position", Integer, primary_key=True),
    Column("email", String(320), nullable=False, index=True),
)

decisions = Table(
    "decisions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column(
        "step_id",
        Integer,
        ForeignKey("steps.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("approver", String(320), nullable=False),
    Column("outcome", String(16), nullable=False),
    Column("comment", Text, nullable=False),
    Column("on_behalf_of", String(320), nullable=True),
    Column("at", UtcDateTime(), nullable=False),
)

questions = Table(
    "questions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column(
        "request_id",
        Integer,
        ForeignKey("requests.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("position", Integer, nullable=False),
    Column("asked_by", String(320), nullable=False),
    Column("step", String(200), nullable=False),
    Column("text", Text, nullable=False),
    Column("asked_at", UtcDateTime(), nullable=False),
    Column("answer", Text, nullable=True),
    Column("answered_at", UtcDateTime(), nullable=True),
)

# Append-only: triggers created by the migration refuse UPDATE and DELETE.
events = Table(
    "events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("request_id", Integer, ForeignKey("requests.id"), nullable=True, index=True),
    Column("action", String(64), nullable=False),
    Column("actor", String(320), nullable=False),
    Column("channel", String(16), nullable=False),
    Column("from_status", String(32), nullable=True),
    Column("to_status", String(32), nullable=True),
    Column("step", String(200), nullable=True),
    Column("comment", Text, nullable=False),
    Column("at", UtcDateTime(), nullable=False, index=True),
)
# The digest's counts and spend: approvals and rejections in a week, by action then time.
Index("ix_events_action_at", events.c.action, events.c.at)

vendors = Table(
    "vendors",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("key", String(200), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("status", String(32), nullable=False),
    Column("category", String(32), nullable=True),
    Column("website", String(2000), nullable=False),
    Column("owner", String(320), nullable=False),
    Column("notes", Text, nullable=False),
    Column("reviewed_by", String(320), nullable=True),
    Column("reviewed_at", UtcDateTime(), nullable=True),
    Column("review_outcome", Text, nullable=False),
)

budgets = Table(
    "budgets",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("cost_centre", String(100), nullable=False),
    Column("cost_centre_key", String(100), nullable=False),
    Column("period", String(16), nullable=False),
    Column("amount", Amount(), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("imported_at", UtcDateTime(), nullable=False),
    UniqueConstraint("cost_centre_key", "period"),
)

people = Table(
    "people",
    metadata,
    Column("email", String(320), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("tz", String(64), nullable=False),
    Column("slack_user_id", String(64), nullable=True, unique=True),
    # none_as_null: a person without a Teams reference gets SQL NULL, not the JSON 'null'.
    Column("teams_reference", JSON(none_as_null=True), nullable=True),
    Column("teams_tenant_id", String(64), nullable=True),
    Column("teams_aad_object_id", String(64), nullable=True),
    Column("preferred_channel", String(16), nullable=True),
    Column("updated_at", UtcDateTime(), nullable=False),
    UniqueConstraint("teams_tenant_id", "teams_aad_object_id"),
)

outbox = Table(
    "outbox",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(32), nullable=False),
    Column("recipient", String(320), nullable=True),
    Column("request_id", Integer, ForeignKey("requests.id"), nullable=True),
    Column("text", Text, nullable=False),
    Column("data", JSON, nullable=False),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", UtcDateTime(), nullable=False),
    Column("locked_until", UtcDateTime(), nullable=True),
    Column("delivered_at", UtcDateTime(), nullable=True),
    Column("last_error", Text, nullable=False),
    _created(),
    Column("failed_at", UtcDateTime(), nullable=True),
)
# The dispatcher's query: pending rows due by now.
Index("ix_outbox_status_next_attempt_at", outbox.c.status, outbox.c.next_attempt_at)

message_refs = Table(
    "message_refs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("request_id", Integer, ForeignKey("requests.id"), nullable=False, index=True),
    Column("recipient", String(320), nullable=False),
    Column("platform", String(16), nullable=False),
    Column("conversation", String(500), nullable=False),
    Column("message_id", String(500), nullable=False),
    UniqueConstraint("platform", "conversation", "message_id"),
)

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("key", String(200), primary_key=True),
    Column("created_at", UtcDateTime(), nullable=False, index=True),
    Column("result", Text, nullable=True),
)

job_runs = Table(
    "job_runs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("job", String(100), nullable=False),
    Column("period", String(100), nullable=False),
    Column("claimed_at", UtcDateTime(), nullable=False),
    Column("claimed_by", String(200), nullable=False),
    UniqueConstraint("job", "period"),
)

# Keys of the REST API (/api/v1): a SHA-256 hash of each, never the key itself.
api_keys = Table(
    "api_keys",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(64), nullable=False),
    Column("key_hash", String(64), nullable=False),
    _created(),
    Column("last_used_at", UtcDateTime(), nullable=True),
    Column("revoked_at", UtcDateTime(), nullable=True),
    UniqueConstraint("name"),
    UniqueConstraint("key_hash"),
)

# Vendor qualification ahead of a purchase (bot/domain/vendor_reviews.py): one row per proposal.
vendor_reviews = Table(
    "vendor_reviews",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("vendor_id", Integer, ForeignKey("vendors.id"), nullable=False, index=True),
    Column("proposer", String(320), nullable=False),
    Column("status", String(16), nullable=False),
    Column("groups", JSON, nullable=False),
    Column("answers", JSON, nullable=False),
    Column("purpose", Text, nullable=False),
    _created(),
    Column("decided_at", UtcDateTime(), nullable=True),
)

# Each group's vote, and the questions and answers, in the order they came.
vendor_review_decisions = Table(
    "vendor_review_decisions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("review_id", Integer, ForeignKey("vendor_reviews.id"), nullable=False, index=True),
    Column("group", String(100), nullable=False),
    Column("outcome", String(16), nullable=False),
    Column("actor", String(320), nullable=False),
    Column("text", Text, nullable=False),
    Column("at", UtcDateTime(), nullable=False),
)
