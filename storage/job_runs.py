"""Claims of scheduled job runs over SQLAlchemy Core."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, insert
from sqlalchemy.exc import IntegrityError

from storage import tables as t
from storage._base import Repository


class SqlJobRuns(Repository):
    """One row per scheduled job and period, so only one process runs each."""

    def claim_run(self, job: str, period: str, *, now: datetime, by: str) -> bool:
        """True when this caller is the first to claim `job` for `period`."""
        try:
            with self._conn.begin_nested():
                self._conn.execute(
                    insert(t.job_runs).values(job=job, period=period, claimed_at=now, claimed_by=by)
                )
        except IntegrityError:
            return False
        return True

    def release_run(self, job: str, period: str) -> None:
        """Delete the claim so that a later attempt may run the job for `period`."""
        self._conn.execute(
            delete(t.job_runs).where(t.job_runs.c.job == job, t.job_runs.c.period == period)
        )
