"""`procurebot outbox failed | retry` against a database with a message the outbox gave up on."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.app.facade import Procurement
from bot.cli.main import app
from bot.domain.model import Channel
from storage.engine import make_engine
from storage.migrate import upgrade
from storage.repository import SqlUnitOfWorkFactory
from tests.fakes import EXAMPLE_POLICY, IT, REQUESTER, START, clock, draft, example_policy

runner = CliRunner()
OMAR = IT[1]


@pytest.fixture
def uow(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> SqlUnitOfWorkFactory:
    """A database where Omar's approval card of PR-1001 failed after 3 attempts."""
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("PROCUREBOT_POLICY", str(EXAMPLE_POLICY))
    upgrade(url)
    factory = SqlUnitOfWorkFactory(make_engine(url))
    service = Procurement(uow=factory, policy=example_policy(), clock=clock())
    service.submit(requester=REQUESTER, draft=draft(), channel=Channel.SLACK)
    with factory() as unit:
        claimed = unit.outbox.claim_due(now=START, limit=10, lease_until=START)
        (card,) = [m for m in claimed if m.recipient == OMAR]
        card.attempts, card.failed_at = 3, START
        card.last_error = "Slack refused the message: invalid_blocks"
        unit.outbox.update(card)
        unit.commit()
    return factory


def test_outbox_failed_lists_what_was_given_up_and_why(uow: SqlUnitOfWorkFactory) -> None:
    listed = runner.invoke(app, ["outbox", "failed", "--json"])
    assert listed.exit_code == 0, listed.output
    (row,) = json.loads(listed.output)
    assert row == {
        "id": row["id"],
        "kind": "approval_card",
        "recipient": OMAR,
        "request": "PR-1001",
        "attempts": 3,
        "failed_at": START.isoformat(),
        "reason": "Slack refused the message: invalid_blocks",
    }
    text = runner.invoke(app, ["outbox", "failed"]).output
    assert f"2026-11-23 14:00 UTC  approval_card PR-1001  {OMAR}  (3 attempts)" in text
    assert "invalid_blocks" in text and "procurebot outbox retry ID" in text


def test_outbox_retry_queues_a_failed_message_again(uow: SqlUnitOfWorkFactory) -> None:
    (row,) = json.loads(runner.invoke(app, ["outbox", "failed", "--json"]).output)
    retried = runner.invoke(app, ["outbox", "retry", str(row["id"])])
    assert retried.exit_code == 0, retried.output
    assert f"Queued {row['id']} again: the approval_card for {OMAR}" in retried.output
    assert runner.invoke(app, ["outbox", "failed"]).output.strip() == "No failed messages."
    with uow() as unit:
        assert unit.outbox.counts() == {"pending": 3, "failed": 0}

    again = runner.invoke(app, ["outbox", "retry", str(row["id"]), "999"])
    assert again.exit_code == 1
    assert f"No failed message {row['id']}, 999" in again.output
