"""The API's JSON errors: {"error": {"code", "message"}}, and how domain errors map to them."""

from __future__ import annotations

from aiohttp import web

from bot.domain.errors import (
    AlreadyDecided,
    DomainError,
    IllegalTransition,
    InvalidInput,
    NotAllowed,
    NotFound,
    StorageUnavailable,
)


class ApiError(Exception):
    """An answer other than success: its HTTP status, code and message."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def error_response(
    status: int, code: str, message: str, *, headers: dict[str, str] | None = None
) -> web.Response:
    """A JSON error answer."""
    return web.json_response(
        {"error": {"code": code, "message": message}}, status=status, headers=headers
    )


def from_domain(error: DomainError) -> ApiError:
    """The API error for a refusal of the domain (its message is written for people)."""
    if isinstance(error, NotFound):
        return ApiError(404, "not_found", str(error))
    if isinstance(error, (IllegalTransition, AlreadyDecided)):
        return ApiError(409, "conflict", str(error))
    if isinstance(error, InvalidInput):
        return ApiError(400, "invalid_field", str(error))
    if isinstance(error, NotAllowed):
        return ApiError(403, "forbidden", str(error))
    if isinstance(error, StorageUnavailable):
        return ApiError(503, "unavailable", "The database is not answering; try again shortly.")
    return ApiError(422, "refused", str(error))
