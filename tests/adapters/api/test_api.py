"""The REST API over real HTTP on the bot's server (SQLite and PostgreSQL): keys, reads,
writes through the state machine, every failure path, and every answer checked against the
OpenAPI document the server serves."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from multidict import CIMultiDictProxy
from openapi_spec_validator import validate

from adapters.api.app import openapi_document
from bot.domain.model import Channel, RequestStatus
from tests.adapters.api.openapi_check import OpenApiCheck
from tests.e2e.conftest import FORM, MACBOOK, Harness, running_harness
from tests.fakes import IT, REQUESTER


@dataclass
class Api:
    """A client of the API with a key, checking every answer against the document."""

    h: Harness
    base: str
    session: aiohttp.ClientSession
    key: str
    check: OpenApiCheck

    async def call(
        self, method: str, path: str, *, key: str | None = "", **kwargs: Any
    ) -> tuple[int, Any, CIMultiDictProxy[str]]:
        """(status, JSON body, headers); key "" means this client's key, None no header."""
        headers = dict(kwargs.pop("headers", {}))
        if key is not None:
            headers.setdefault("Authorization", f"Bearer {key or self.key}")
        async with self.session.request(
            method, self.base + path, headers=headers, **kwargs
        ) as resp:
            assert resp.content_type == "application/json", await resp.text()
            body = await resp.json()
            if resp.status >= 400:
                assert set(body) == {"error"} and body["error"]["message"]
            self.check.validate(method=method, path=path, status=resp.status, body=body)
            return resp.status, body, resp.headers


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
async def api(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Api]:
    """PR-1001 pending (Figma, Rita's), PR-1002 approved from the catalogue (a MacBook), and
    a key named erp."""
    async with running_harness(request.param, tmp_path) as h:
        await h.buy(REQUESTER, FORM)
        await h.buy(IT[0], MACBOOK)
        _record, key = await asyncio.to_thread(h.core.api_keys.create, "erp")
        base = h.sender.transport.bot_url.removesuffix("/slack/events")
        async with aiohttp.ClientSession() as session:
            async with session.get(f"{base}/api/v1/openapi.json") as served:
                document = await served.json()
            yield Api(h, base, session, key, OpenApiCheck(document))


async def test_the_document_is_served_without_a_key_and_is_valid_openapi(api: Api) -> None:
    status, document, _ = await api.call("GET", "/api/v1/openapi.json", key=None)
    assert status == 200 and document == openapi_document()
    validate(document)
    assert document["openapi"].startswith("3.1")
    # The documented enums are the domain's.
    schemas = document["components"]["schemas"]
    assert schemas["Request"]["properties"]["status"]["enum"] == [s.value for s in RequestStatus]


async def test_keys_missing_unknown_revoked_and_live(api: Api) -> None:
    for headers, said in (
        ({}, "Missing API key"),
        ({"Authorization": "Basic abc"}, "Missing API key"),
        ({"Authorization": "Bearer  "}, "Missing API key"),
        ({"Authorization": "Bearer pbk_nope"}, "Unknown or revoked API key"),
    ):
        status, body, resp_headers = await api.call(
            "GET", "/api/v1/requests", key=None, headers=headers
        )
        assert status == 401 and body["error"]["code"] == "unauthorized"
        assert body["error"]["message"].startswith(said)
        assert resp_headers["WWW-Authenticate"].startswith('Bearer realm="procurebot"')
    _old, old_key = await asyncio.to_thread(api.h.core.api_keys.create, "old-erp")
    assert (await api.call("GET", "/api/v1/vendors", key=old_key))[0] == 200
    await asyncio.to_thread(api.h.core.api_keys.revoke, "old-erp")
    status, body, _ = await api.call("GET", "/api/v1/vendors", key=old_key)
    assert status == 401 and "revoked" in body["error"]["message"]
    # Unknown endpoints answer JSON too, but only to a key holder.
    assert (await api.call("GET", "/api/v1/nothing", key=None))[0] == 401
    status, body, _ = await api.call("DELETE", "/api/v1/nothing")
    assert (status, body["error"]["code"]) == (404, "not_found")
    keys = {k.name: k for k in await asyncio.to_thread(api.h.core.api_keys.list)}
    assert keys["old-erp"].revoked_at is not None and keys["old-erp"].last_used_at is not None
    assert keys["erp"].revoked_at is None


async def test_lists_pages_filters_and_shows(api: Api) -> None:
    status, page, _ = await api.call("GET", "/api/v1/requests?limit=1")
    assert status == 200 and [r["number"] for r in page["data"]] == ["PR-1002"]
    cursor = page["next_cursor"]
    status, page, _ = await api.call("GET", f"/api/v1/requests?limit=1&cursor={cursor}")
    assert [r["number"] for r in page["data"]] == ["PR-1001"] and page["next_cursor"] is None
    _, approved, _ = await api.call("GET", "/api/v1/requests?status=approved")
    assert [r["number"] for r in approved["data"]] == ["PR-1002"]
    _, shown, _ = await api.call("GET", "/api/v1/requests/PR-1001")
    assert shown["requester"] == REQUESTER and shown["status"] == "pending"
    assert shown["steps"][0]["status"] == "active"
    assert (await api.call("GET", "/api/v1/requests/1"))[1] == shown
    _, vendors, _ = await api.call("GET", "/api/v1/vendors")
    assert {"Figma", "Apple"} <= {v["name"] for v in vendors["data"]}


@pytest.mark.parametrize(
    ("path", "code"),
    [
        ("/api/v1/requests?status=lost", "invalid_parameter"),
        ("/api/v1/requests?limit=0", "invalid_parameter"),
        ("/api/v1/requests?limit=101", "invalid_parameter"),
        ("/api/v1/requests?cursor=%%%", "invalid_parameter"),
        ("/api/v1/requests?cursor=YWJj", "invalid_parameter"),
    ],
)
async def test_bad_query_parameters_are_400(api: Api, path: str, code: str) -> None:
    status, body, _ = await api.call("GET", path)
    assert (status, body["error"]["code"]) == (400, code)


async def test_unknown_requests_are_404(api: Api) -> None:
    for path in ("/api/v1/requests/999", "/api/v1/requests/PR-5000", "/api/v1/requests/abc"):
        status, body, _ = await api.call("GET", path)
        assert (status, body["error"]["code"]) == (404, "not_found"), path
    status, _, _ = await api.call("POST", "/api/v1/requests/999/po", json={"po_number": "PO-1"})
    assert status == 404
    assert (await api.call("POST", "/api/v1/requests/999/received"))[0] == 404


async def test_bad_bodies_are_400_or_413_and_change_nothing(api: Api) -> None:
    po = "/api/v1/requests/PR-1002/po"
    json_type = {"Content-Type": "application/json"}
    cases: list[tuple[dict[str, Any], int, str]] = [
        ({"data": b"{not json", "headers": json_type}, 400, "invalid_json"),
        ({"json": ["PO-1"]}, 400, "invalid_json"),
        ({"json": {}}, 400, "invalid_field"),
        ({"json": {"po_number": "  "}}, 400, "invalid_field"),
        ({"json": {"po_number": 7}}, 400, "invalid_field"),
        ({"json": {"po_number": "PO-1", "amount": 1}}, 400, "invalid_field"),
        ({"json": {"po_number": "P" * 65}}, 400, "invalid_field"),
        ({"data": b"{" + b" " * 70_000 + b"}", "headers": json_type}, 413, "payload_too_large"),
    ]
    for kwargs, want, code in cases:
        status, body, _ = await api.call("POST", po, **kwargs)
        assert (status, body["error"]["code"]) == (want, code), kwargs
    status, body, _ = await api.call("POST", "/api/v1/requests/PR-1002/received", json={"x": 1})
    assert status == 400
    assert api.h.core.service.get(2).status is RequestStatus.APPROVED


async def test_po_and_received_go_through_the_state_machine_and_are_audited(api: Api) -> None:
    status, body, _ = await api.call("POST", "/api/v1/requests/PR-1001/po", json={"po_number": "X"})
    assert status == 409 and "only approved requests can be ordered" in body["error"]["message"]
    status, body, _ = await api.call("POST", "/api/v1/requests/PR-1002/received")
    assert status == 409 and "only ordered requests can be received" in body["error"]["message"]

    retry = {"Idempotency-Key": "erp-po-77"}
    for _ in range(2):  # a retried write (same key) acts once and answers the same
        status, ordered, _ = await api.call(
            "POST", "/api/v1/requests/PR-1002/po", json={"po_number": " PO-77 "}, headers=retry
        )
        assert status == 200 and ordered["status"] == "ordered" and ordered["po_number"] == "PO-77"
    status, body, _ = await api.call("POST", "/api/v1/requests/2/po", json={"po_number": "PO-78"})
    assert status == 409 and "ordered" in body["error"]["message"]
    status, received, _ = await api.call("POST", "/api/v1/requests/PR-1002/received")
    assert status == 200 and received["status"] == "received"
    assert (await api.call("POST", "/api/v1/requests/PR-1002/received"))[0] == 409

    with api.h.core.uow() as uow:
        events = uow.events.for_request(2)
    by_api = [(e.action, e.actor, e.channel) for e in events if e.channel is Channel.API]
    assert by_api == [("Ordered", "api:erp", Channel.API), ("Received", "api:erp", Channel.API)]


def test_the_check_refuses_what_the_document_does_not_allow() -> None:
    """A positive control: the checker fails on a body or a status the document rejects."""
    check = OpenApiCheck(openapi_document())
    check.validate(method="GET", path="/api/v1/vendors", status=200, body={"data": []})
    with pytest.raises(AssertionError, match="undocumented 500"):
        check.validate(method="GET", path="/api/v1/vendors", status=500, body={})
    with pytest.raises(AssertionError, match="required"):
        check.validate(method="GET", path="/api/v1/requests/1", status=200, body={"id": 1})
    with pytest.raises(AssertionError):
        check.validate(
            method="GET", path="/api/v1/vendors", status=401, body={"error": {"code": "x"}}
        )
