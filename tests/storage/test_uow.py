"""SqlUnitOfWork: commit, rollback and the `with` block."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.domain.model import (
    Channel,
    Event,
    RequestStatus,
)
from storage.uow import SqlUnitOfWorkFactory
from tests.storage.builders import (
    T0,
    add,
    make_request,
)


def test_commit_appends_pending_events_with_the_new_id(
    uow_factory: SqlUnitOfWorkFactory,
) -> None:
    request = make_request()
    submitted = Event(
        "Submitted", "ann@example.com", T0, Channel.SLACK, None, RequestStatus.PENDING
    )
    request.pending_events.append(submitted)

    request_id = add(uow_factory, request)

    assert request.pending_events == []
    with uow_factory() as uow:
        assert uow.events.for_request(request_id) == [replace(submitted, request_id=request_id)]


def test_without_commit_nothing_is_written(uow_factory: SqlUnitOfWorkFactory) -> None:
    request = make_request()
    request.pending_events.append(Event("Submitted", "ann@example.com", T0, Channel.SLACK))
    with uow_factory() as uow:
        uow.requests.add(request)
        assert request.id is not None

    with uow_factory() as uow:
        assert uow.requests.get(request.id) is None
        assert uow.events.for_request(request.id) == []
    assert len(request.pending_events) == 1


def test_rollback_drops_the_work_so_far(uow_factory: SqlUnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        uow.requests.add(make_request())
        uow.rollback()
        uow.requests.add(make_request(requester="kept@example.com"))
        uow.commit()

    with uow_factory() as uow:
        assert [r.requester for r in uow.requests.list()] == ["kept@example.com"]


def test_unit_of_work_needs_with(uow_factory: SqlUnitOfWorkFactory) -> None:
    with pytest.raises(RuntimeError, match="with"):
        uow_factory().requests.get(1)
