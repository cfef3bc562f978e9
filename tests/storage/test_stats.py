"""The figures /metrics reads at scrape time, on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Engine

from adapters.metrics import audit_metrics, outbox_metrics
from bot.app.facade import Procurement
from bot.app.ports import MessageKind, OutboxMessage
from bot.domain.model import Channel
from storage.stats import Stats, read_stats
from storage.uow import SqlUnitOfWorkFactory
from tests.fakes import IT, REQUESTER, clock, draft, example_policy


def _note(to: str) -> OutboxMessage:
    return OutboxMessage(kind=MessageKind.NOTE, recipient=to, request_id=None, text="hi")


def test_an_empty_database_counts_nothing(engine: Engine) -> None:
    stats = read_stats(SqlUnitOfWorkFactory(engine))
    assert stats == Stats()


def test_outbox_depth_and_the_oldest_pending_message(engine: Engine) -> None:
    time = clock()
    uow = SqlUnitOfWorkFactory(engine, clock=time)
    first = time.now()
    with uow() as unit:
        unit.outbox.add(_note(IT[0]))
        unit.commit()
    time.advance(minutes=5)
    with uow() as unit:
        unit.outbox.add(_note(IT[1]))
        given_up, delivered = _note(REQUESTER), _note(REQUESTER)
        unit.outbox.add(given_up)
        unit.outbox.add(delivered)
        given_up.failed_at = delivered.delivered_at = time.now()
        unit.outbox.update(given_up)
        unit.outbox.update(delivered)
        unit.commit()
    stats = read_stats(uow)
    assert (stats.outbox_pending, stats.outbox_failed) == (2, 1)
    assert stats.oldest_pending_at == first  # an aware UTC datetime on both databases
    [depth, age] = outbox_metrics(stats, now=(first + timedelta(minutes=10)).timestamp())
    assert {s.labels["status"]: s.value for s in depth.samples} == {"pending": 2, "failed": 1}
    assert age.samples[0].value == 600


def test_decisions_come_from_the_audit_log(engine: Engine) -> None:
    time = clock()
    uow = SqlUnitOfWorkFactory(engine, clock=time)
    service = Procurement(uow=uow, policy=example_policy(), clock=time)
    approved, rejected, asked = (
        service.submit(requester=REQUESTER, draft=draft(title=title), channel=Channel.SLACK).id
        for title in ("Approved", "Rejected", "Asked")
    )
    assert approved and rejected and asked
    service.approve(request_id=approved, actor=IT[0], channel=Channel.SLACK)
    service.reject(request_id=rejected, actor=IT[1], reason="Not this year.", channel=Channel.SLACK)
    service.ask(request_id=asked, actor=IT[0], question="Which team?", channel=Channel.SLACK)
    stats = read_stats(uow)
    assert stats.events["Submitted"] == 3 and stats.events["Rejected"] == 1
    [decisions, events] = audit_metrics(stats)
    outcomes = {s.labels["outcome"]: s.value for s in decisions.samples}
    assert outcomes == {"approved": 1, "rejected": 1, "asked": 1, "auto_approved": 0}
    assert {s.labels["action"] for s in events.samples} >= {"Submitted", "StepApproved"}
