"""The column types of storage.tables."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy.exc import StatementError

from storage.uow import SqlUnitOfWorkFactory
from tests.storage.builders import (
    make_request,
)


def test_naive_datetimes_are_refused(uow_factory: SqlUnitOfWorkFactory) -> None:
    with uow_factory() as uow, pytest.raises(StatementError, match="naive datetime"):
        uow.requests.add(make_request(created_at=datetime(2026, 1, 1)))
