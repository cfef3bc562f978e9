"""SqlJobRuns: one process runs each scheduled job and period."""

from __future__ import annotations

from storage.uow import SqlUnitOfWorkFactory
from tests.storage.builders import (
    T0,
)


def test_job_run_is_claimed_once(uow_factory: SqlUnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        assert uow.jobs.claim_run("digest", "2026-W10", now=T0, by="web.1")
        assert not uow.jobs.claim_run("digest", "2026-W10", now=T0, by="web.1")
        uow.commit()
    with uow_factory() as uow:
        assert not uow.jobs.claim_run("digest", "2026-W10", now=T0, by="worker.1")
        assert uow.jobs.claim_run("digest", "2026-W11", now=T0, by="worker.1")
        assert uow.jobs.claim_run("reminders", "2026-W10", now=T0, by="worker.1")
