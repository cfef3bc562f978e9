"""Pages of requests for the REST API: keyset pagination on the id, newest first."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select

from bot.domain.model import PurchaseRequest, RequestStatus
from storage import tables as t
from storage.uow import SqlUnitOfWorkFactory

if TYPE_CHECKING:
    from bot.domain.request_view import RequestPages


class SqlRequestPages:
    """bot.domain.request_view.RequestPages over the requests table."""

    def __init__(self, uow: SqlUnitOfWorkFactory) -> None:
        self._uow = uow

    def page(
        self, *, status: RequestStatus | None, limit: int, before_id: int | None
    ) -> tuple[list[PurchaseRequest], int | None]:
        """Up to `limit` requests below `before_id`, newest first, and the next cursor."""
        query = select(t.requests.c.id).order_by(t.requests.c.id.desc()).limit(limit + 1)
        if status is not None:
            query = query.where(t.requests.c.status == status.value)
        if before_id is not None:
            query = query.where(t.requests.c.id < before_id)
        with self._uow() as uow:
            ids = list(uow.connection.execute(query).scalars())
            found = [uow.requests.get(request_id) for request_id in ids[:limit]]
        requests = [request for request in found if request is not None]
        more = len(ids) > limit and requests
        return requests, (requests[-1].id if more else None)


if TYPE_CHECKING:

    def _as_port(pages: SqlRequestPages) -> RequestPages:
        return pages
