"""The /api/v1 sub-application: bearer keys first, then small JSON bodies, then the use cases.

Handlers only translate: HTTP in, a service call (in a thread: the services block), JSON out.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
from collections.abc import Awaitable, Callable
from importlib.resources import files
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Middleware

from adapters.api.errors import ApiError, error_response, from_domain
from bot.app.apikeys import ApiKey
from bot.bootstrap import Core
from bot.domain.errors import DomainError
from bot.domain.model import Channel, RequestStatus, parse_number
from bot.domain.request_view import request_view

PREFIX = "/api/v1"
MAX_BODY = 64 * 1024
MAX_PAGE = 100
DEFAULT_PAGE = 25
MAX_PO_NUMBER = 64
OPENAPI_PATH = "/openapi.json"

KEY: web.RequestKey[ApiKey] = web.RequestKey("api_key", ApiKey)  # set per request by the middleware
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def openapi_document() -> dict[str, Any]:
    """The OpenAPI 3.1 document of this API (a resource file beside this module)."""
    text = files("adapters.api").joinpath("openapi.json").read_text(encoding="utf-8")
    document: dict[str, Any] = json.loads(text)
    return document


def mount_api(app: web.Application, core: Core, *, on_change: Callable[[], None]) -> None:
    """Mount the API under /api/v1 on the bot's server; on_change wakes the outbox."""
    api = web.Application(middlewares=[_errors, _authenticate(core)])
    routes = _Routes(core=core, on_change=on_change)
    api.router.add_get(OPENAPI_PATH, routes.openapi)
    api.router.add_get("/requests", routes.list_requests)
    api.router.add_get("/requests/{id}", routes.show_request)
    api.router.add_post("/requests/{id}/po", routes.record_po)
    api.router.add_post("/requests/{id}/received", routes.mark_received)
    api.router.add_get("/vendors", routes.vendors)
    api.router.add_route("*", "/{tail:.*}", routes.unknown)  # a JSON 404, not aiohttp's text
    app.add_subapp(PREFIX, api)


@web.middleware
async def _errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every failure as {"error": {code, message}}, unknown routes included."""
    try:
        return await handler(request)
    except ApiError as error:
        return error_response(error.status, error.code, error.message)
    except DomainError as error:
        mapped = from_domain(error)
        return error_response(mapped.status, mapped.code, mapped.message)
    except web.HTTPNotFound:
        return error_response(404, "not_found", f"No such endpoint: {request.path}")
    except web.HTTPMethodNotAllowed as error:
        return error_response(
            405,
            "method_not_allowed",
            f"{request.method} is not allowed on {request.path}.",
            headers={"Allow": ", ".join(sorted(error.allowed_methods))},
        )


def _authenticate(core: Core) -> Middleware:
    @web.middleware
    async def authenticate(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path == PREFIX + OPENAPI_PATH:
            return await handler(request)
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        token = token.strip()
        key = None
        if scheme.lower() == "bearer" and token:
            key = await asyncio.to_thread(core.api_keys.authenticate, token)
        if key is None:
            given = scheme.lower() == "bearer" and bool(token)
            said = "Unknown or revoked" if given else "Missing"
            challenge = 'Bearer realm="procurebot"' + (', error="invalid_token"' if given else "")
            return error_response(
                401,
                "unauthorized",
                f"{said} API key: send 'Authorization: Bearer pbk_...' with a key from "
                "'procurebot apikey create NAME'.",
                headers={"WWW-Authenticate": challenge},
            )
        request[KEY] = key
        return await handler(request)

    return authenticate


class _Routes:
    def __init__(self, *, core: Core, on_change: Callable[[], None]) -> None:
        self._core = core
        self._on_change = on_change

    async def unknown(self, request: web.Request) -> web.Response:
        raise ApiError(404, "not_found", f"No such endpoint: {request.method} {request.path}.")

    async def openapi(self, request: web.Request) -> web.Response:
        return web.json_response(openapi_document())

    async def list_requests(self, request: web.Request) -> web.Response:
        status = _status(request.query.get("status"))
        limit = _int_param(request.query.get("limit"), "limit", DEFAULT_PAGE, 1, MAX_PAGE)
        before = _cursor(request.query.get("cursor"))
        found, next_id = await asyncio.to_thread(
            self._core.request_pages.page, status=status, limit=limit, before_id=before
        )
        return web.json_response(
            {
                "data": [request_view(r) for r in found],
                "next_cursor": _encode_cursor(next_id) if next_id is not None else None,
            }
        )

    async def show_request(self, request: web.Request) -> web.Response:
        found = await asyncio.to_thread(self._core.service.get, _request_id(request))
        return web.json_response(request_view(found))

    async def record_po(self, request: web.Request) -> web.Response:
        body = await _json_object(request)
        po_number = body.get("po_number")
        if not isinstance(po_number, str) or not po_number.strip():
            raise ApiError(400, "invalid_field", "po_number: a non-empty string is required.")
        if len(po_number.strip()) > MAX_PO_NUMBER:
            raise ApiError(400, "invalid_field", f"po_number: at most {MAX_PO_NUMBER} characters.")
        unknown = sorted(set(body) - {"po_number"})
        if unknown:
            raise ApiError(400, "invalid_field", f"Unknown field(s): {', '.join(unknown)}.")
        changed = await asyncio.to_thread(
            self._core.service.record_po,
            request_id=_request_id(request),
            actor=_actor(request),
            po_number=po_number.strip(),
            channel=Channel.API,
            idempotency_key=_idempotency(request),
        )
        self._on_change()
        return web.json_response(request_view(changed))

    async def mark_received(self, request: web.Request) -> web.Response:
        body = await _json_object(request, allow_empty=True)
        if body:
            raise ApiError(400, "invalid_field", f"Unknown field(s): {', '.join(sorted(body))}.")
        changed = await asyncio.to_thread(
            self._core.service.mark_received,
            request_id=_request_id(request),
            actor=_actor(request),
            channel=Channel.API,
            idempotency_key=_idempotency(request),
        )
        self._on_change()
        return web.json_response(request_view(changed))

    async def vendors(self, request: web.Request) -> web.Response:
        def load() -> list[dict[str, Any]]:
            with self._core.uow() as uow:
                return [
                    {
                        "name": v.name,
                        "status": v.status.value,
                        "category": v.category.value if v.category else None,
                        "website": v.website,
                        "owner": v.owner,
                        "reviewed_at": v.reviewed_at.isoformat() if v.reviewed_at else None,
                    }
                    for v in uow.vendors.list()
                ]

        return web.json_response({"data": await asyncio.to_thread(load)})


def _actor(request: web.Request) -> str:
    return f"api:{request[KEY].name}"


def _idempotency(request: web.Request) -> str | None:
    """A client's Idempotency-Key, scoped to its API key, so a retried write acts once."""
    given = request.headers.get("Idempotency-Key", "").strip()
    if not given:
        return None
    if len(given) > 100:
        raise ApiError(400, "invalid_header", "Idempotency-Key: at most 100 characters.")
    return f"api:{request[KEY].name}:{request.method}:{request.path}:{given}"


def _request_id(request: web.Request) -> int:
    raw = request.match_info["id"]
    found = int(raw) if raw.isdigit() and len(raw) < 10 else parse_number(raw)
    if found is None or found <= 0:
        raise ApiError(404, "not_found", f"No request {raw}: use its id (1) or number (PR-1001).")
    return found


def _status(raw: str | None) -> RequestStatus | None:
    if raw is None or raw == "":
        return None
    try:
        return RequestStatus(raw)
    except ValueError:
        allowed = ", ".join(s.value for s in RequestStatus)
        raise ApiError(400, "invalid_parameter", f"status: one of {allowed}.") from None


def _int_param(raw: str | None, name: str, default: int, low: int, high: int) -> int:
    if raw is None or raw == "":
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise ApiError(400, "invalid_parameter", f"{name}: a whole number from {low} to {high}.")
    return int(raw)


def _encode_cursor(request_id: int) -> str:
    return base64.urlsafe_b64encode(f"before:{request_id}".encode()).decode().rstrip("=")


def _cursor(raw: str | None) -> int | None:
    if raw is None or raw == "":
        return None
    try:
        text = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        text = ""
    kind, _, value = text.partition(":")
    if kind != "before" or not value.isdigit() or len(value) > 12:
        raise ApiError(400, "invalid_parameter", "cursor: pass next_cursor of the last page.")
    return int(value)


async def _json_object(request: web.Request, *, allow_empty: bool = False) -> dict[str, Any]:
    """The body as a JSON object, at most MAX_BODY bytes."""
    if request.content_length is not None and request.content_length > MAX_BODY:
        raise ApiError(413, "payload_too_large", f"The body may be at most {MAX_BODY} bytes.")
    raw = await request.content.read(MAX_BODY + 1)
    if len(raw) > MAX_BODY:
        raise ApiError(413, "payload_too_large", f"The body may be at most {MAX_BODY} bytes.")
    if not raw.strip() and allow_empty:
        return {}
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as error:
        raise ApiError(400, "invalid_json", f"The body is not valid JSON: {error}.") from None
    if not isinstance(body, dict):
        raise ApiError(400, "invalid_json", "The body must be a JSON object.")
    return body
