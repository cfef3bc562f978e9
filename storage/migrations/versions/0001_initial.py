"""Initial schema: requests and their route, audit events, vendors, people, outbox.

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Written out in full rather than taken from storage.tables: a migration must keep creating
# the schema of its day however tables.py changes later. Names follow tables.NAMING_CONVENTION.

_APPEND_ONLY = "audit events are append-only"


def _stamp(name: str, *, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _amount(name: str) -> sa.Column[object]:
    # storage.tables.Amount keeps exact integer cents on SQLite, which has no decimal type.
    money = sa.Numeric(18, 2).with_variant(sa.BigInteger(), "sqlite")
    return sa.Column(name, money, nullable=False)


def upgrade() -> None:
    """Create every table, index and the audit log's append-only triggers."""
    op.create_table(
        "requests",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("requester", sa.String(320), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("category", sa.String(32), nullable=False),
        sa.Column("vendor", sa.String(200), nullable=False),
        sa.Column("vendor_key", sa.String(200), nullable=False),
        _amount("unit_price"),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("recurrence", sa.String(32), nullable=False),
        sa.Column("cost_centre", sa.String(100), nullable=False),
        sa.Column("data_access", sa.String(32), nullable=False),
        sa.Column("justification", sa.Text(), nullable=False),
        sa.Column("link", sa.String(2000), nullable=False),
        sa.Column("needed_by", sa.Date(), nullable=True),
        sa.Column("renewal_date", sa.Date(), nullable=True),
        sa.Column("status", sa.String(32), nullable=False),
        _amount("base_amount"),
        sa.Column("base_currency", sa.String(3), nullable=False),
        sa.Column("catalogue_entry", sa.String(200), nullable=True),
        sa.Column("vendor_status", sa.String(32), nullable=False),
        sa.Column("po_number", sa.String(100), nullable=True),
        sa.Column("rejection_reason", sa.Text(), nullable=True),
        _stamp("created_at"),
        _stamp("updated_at"),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_requests"),
    )
    op.create_index("ix_requests_vendor_key", "requests", ["vendor_key"])
    op.create_index("ix_requests_status", "requests", ["status"])
    op.create_index("ix_requests_requester_created_at", "requests", ["requester", "created_at"])

    op.create_table(
        "steps",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("group_name", sa.String(200), nullable=False),
        sa.Column("stage", sa.Integer(), nullable=False),
        sa.Column("mode", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        _stamp("activated_at", nullable=True),
        _stamp("decided_at", nullable=True),
        _stamp("reminded_at", nullable=True),
        _stamp("escalated_at", nullable=True),
        sa.Column("vendor_qualification", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["requests.id"],
            name="fk_steps_request_id_requests",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_steps"),
    )
    op.create_index("ix_steps_request_id", "steps", ["request_id"])

    op.create_table(
        "step_approvers",
        sa.Column("step_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
        sa.ForeignKeyConstraint(
            ["step_id"],
            ["steps.id"],
            name="fk_step_approvers_step_id_steps",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("step_id", "position", name="pk_step_approvers"),
    )
    op.create_index("ix_step_approvers_email", "step_approvers", ["email"])

    op.create_table(
        "decisions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("step_id", sa.Integer(), nullable=False),
        sa.Column("approver", sa.String(320), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("on_behalf_of", sa.String(320), nullable=True),
        _stamp("at"),
        sa.ForeignKeyConstraint(
            ["step_id"],
            ["steps.id"],
            name="fk_decisions_step_id_steps",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_decisions"),
    )
    op.create_index("ix_decisions_step_id", "decisions", ["step_id"])

    op.create_table(
        "questions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("asked_by", sa.String(320), nullable=False),
        sa.Column("step", sa.String(200), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        _stamp("asked_at"),
        sa.Column("answer", sa.Text(), nullable=True),
        _stamp("answered_at", nullable=True),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["requests.id"],
            name="fk_questions_request_id_requests",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_questions"),
    )
    op.create_index("ix_questions_request_id", "questions", ["request_id"])

    op.create_table(
        "events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("actor", sa.String(320), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("from_status", sa.String(32), nullable=True),
        sa.Column("to_status", sa.String(32), nullable=True),
        sa.Column("step", sa.String(200), nullable=True),
        sa.Column("comment", sa.Text(), nullable=False),
        _stamp("at"),
        sa.ForeignKeyConstraint(
            ["request_id"], ["requests.id"], name="fk_events_request_id_requests"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_events"),
    )
    op.create_index("ix_events_request_id", "events", ["request_id"])
    op.create_index("ix_events_at", "events", ["at"])
    _create_append_only_triggers()

    op.create_table(
        "vendors",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("category", sa.String(32), nullable=True),
        sa.Column("website", sa.String(2000), nullable=False),
        sa.Column("owner", sa.String(320), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("reviewed_by", sa.String(320), nullable=True),
        _stamp("reviewed_at", nullable=True),
        sa.Column("review_outcome", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_vendors"),
        sa.UniqueConstraint("key", name="uq_vendors_key"),
    )

    op.create_table(
        "people",
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("tz", sa.String(64), nullable=False),
        sa.Column("slack_user_id", sa.String(64), nullable=True),
        sa.Column("teams_reference", sa.JSON(), nullable=True),
        sa.Column("preferred_channel", sa.String(16), nullable=True),
        _stamp("updated_at"),
        sa.PrimaryKeyConstraint("email", name="pk_people"),
        sa.UniqueConstraint("slack_user_id", name="uq_people_slack_user_id"),
    )

    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("recipient", sa.String(320), nullable=True),
        sa.Column("request_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        _stamp("next_attempt_at"),
        _stamp("locked_until", nullable=True),
        _stamp("delivered_at", nullable=True),
        sa.Column("last_error", sa.Text(), nullable=False),
        _stamp("created_at"),
        sa.ForeignKeyConstraint(
            ["request_id"], ["requests.id"], name="fk_outbox_request_id_requests"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_outbox"),
    )
    op.create_index(
        "ix_outbox_status_next_attempt_at", "outbox", ["status", "next_attempt_at"]
    )

    op.create_table(
        "message_refs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("recipient", sa.String(320), nullable=False),
        sa.Column("platform", sa.String(16), nullable=False),
        sa.Column("conversation", sa.String(500), nullable=False),
        sa.Column("message_id", sa.String(500), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"], ["requests.id"], name="fk_message_refs_request_id_requests"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_message_refs"),
        sa.UniqueConstraint(
            "platform",
            "conversation",
            "message_id",
            name="uq_message_refs_platform_conversation_message_id",
        ),
    )
    op.create_index("ix_message_refs_request_id", "message_refs", ["request_id"])

    op.create_table(
        "idempotency_keys",
        sa.Column("key", sa.String(200), nullable=False),
        _stamp("created_at"),
        sa.Column("result", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("key", name="pk_idempotency_keys"),
    )
    op.create_index("ix_idempotency_keys_created_at", "idempotency_keys", ["created_at"])

    op.create_table(
        "job_runs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("job", sa.String(100), nullable=False),
        sa.Column("period", sa.String(100), nullable=False),
        _stamp("claimed_at"),
        sa.Column("claimed_by", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_job_runs"),
        sa.UniqueConstraint("job", "period", name="uq_job_runs_job_period"),
    )


def downgrade() -> None:
    """Drop everything upgrade() created."""
    _drop_append_only_triggers()
    for table in (
        "job_runs",
        "idempotency_keys",
        "message_refs",
        "outbox",
        "people",
        "vendors",
        "events",
        "questions",
        "decisions",
        "step_approvers",
        "steps",
        "requests",
    ):
        op.drop_table(table)


def _create_append_only_triggers() -> None:
    # In the database, not only in the repository: the audit log must stay intact even
    # against a hand-typed UPDATE or DELETE.
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER events_no_{verb.lower()} BEFORE {verb} ON events "
                f"BEGIN SELECT RAISE(ABORT, '{_APPEND_ONLY}'); END"
            )
    elif dialect == "postgresql":
        op.execute(
            "CREATE FUNCTION events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN RAISE EXCEPTION '{_APPEND_ONLY}' USING ERRCODE = 'restrict_violation'; "
            "END $$"
        )
        op.execute(
            "CREATE TRIGGER events_no_update_delete BEFORE UPDATE OR DELETE ON events "
            "FOR EACH ROW EXECUTE FUNCTION events_append_only()"
        )
        # TRUNCATE skips row triggers; it needs its own statement-level one.
        op.execute(
            "CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events "
            "FOR EACH STATEMENT EXECUTE FUNCTION events_append_only()"
        )
    else:
        raise NotImplementedError(f"no append-only triggers for {dialect}")


def _drop_append_only_triggers() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS events_no_update")
        op.execute("DROP TRIGGER IF EXISTS events_no_delete")
    elif dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS events_no_truncate ON events")
        op.execute("DROP TRIGGER IF EXISTS events_no_update_delete ON events")
        op.execute("DROP FUNCTION IF EXISTS events_append_only()")
