"""SqlIdempotencyKeys: work done once."""

from __future__ import annotations

import threading

from storage.uow import SqlUnitOfWorkFactory
from tests.storage.builders import (
    T0,
)


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
