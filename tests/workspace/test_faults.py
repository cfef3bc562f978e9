"""Fault injection: server errors, rate limits with Retry-After, delays, failure fractions."""

from __future__ import annotations

import asyncio
import time

import aiohttp
import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from .conftest import TOKEN, Fake


async def test_503_for_the_next_calls_then_normal(fake: Fake) -> None:
    fake.workspace.fail(method="chat.postMessage", times=2, status=503)
    for _ in range(2):
        with pytest.raises(SlackApiError) as raised:
            await fake.client.chat_postMessage(channel="C0001", text="x")
        assert raised.value.response.status_code == 503
    await fake.client.chat_postMessage(channel="C0001", text="third time")
    assert [m.text for m in fake.workspace.messages_in("C0001")] == ["third time"]
    calls = fake.workspace.calls_to("chat.postMessage")
    assert [c.faulted for c in calls] == [True, True, False]
    assert [c.status for c in calls] == [503, 503, 200]


async def test_faults_only_match_their_method_and_params(fake: Fake) -> None:
    fake.workspace.fail(method="chat.postMessage", where={"channel": "C0001"}, status=500)
    await fake.client.auth_test()
    await fake.client.chat_postMessage(channel="U0001", text="not faulted")
    with pytest.raises(SlackApiError):
        await fake.client.chat_postMessage(channel="C0001", text="faulted")


async def test_injected_slack_error_at_http_200(fake: Fake) -> None:
    fake.workspace.fail(method="chat.update", error="edit_window_closed")
    with pytest.raises(SlackApiError) as raised:
        await fake.client.chat_update(channel="C0001", ts="1.2", text="x")
    assert raised.value.response.status_code == 200
    assert raised.value.response["error"] == "edit_window_closed"


async def test_429_carries_retry_after_and_ratelimited(fake: Fake) -> None:
    fake.workspace.fail(method="chat.postMessage", status=429, retry_after=7)
    async with aiohttp.ClientSession() as session:
        url = f"{fake.api_url}chat.postMessage"
        form = {"token": TOKEN, "channel": "C0001", "text": "x"}
        async with session.post(url, data=form) as response:
            assert response.status == 429
            assert response.headers["Retry-After"] == "7"
            assert await response.json() == {"ok": False, "error": "ratelimited"}


async def test_slack_sdk_rate_limit_handler_honours_retry_after(fake: Fake) -> None:
    client = AsyncWebClient(base_url=fake.api_url, token=TOKEN)
    client.retry_handlers.append(AsyncRateLimitErrorRetryHandler(max_retry_count=1))
    fake.workspace.fail(method="chat.postMessage", status=429, retry_after=1)
    started = time.monotonic()
    response = await client.chat_postMessage(channel="C0001", text="after the wait")
    waited = time.monotonic() - started
    assert response["ok"] is True
    assert waited >= 1.0  # slept Retry-After (+ up to 1 s jitter) before retrying
    calls = fake.workspace.calls_to("chat.postMessage")
    assert [c.status for c in calls] == [429, 200]
    assert calls[1].time - calls[0].time >= 1.0


async def test_slack_sdk_server_error_handler_retries_a_503(fake: Fake) -> None:
    client = AsyncWebClient(base_url=fake.api_url, token=TOKEN)
    client.retry_handlers.append(AsyncServerErrorRetryHandler(max_retry_count=1))
    fake.workspace.fail(method="auth.test", status=503)
    assert (await client.auth_test())["ok"] is True
    assert [c.status for c in fake.workspace.calls_to("auth.test")] == [503, 200]


async def test_delay_makes_the_call_slow_but_successful(fake: Fake) -> None:
    fake.workspace.fail(method="users.info", delay=0.3)
    started = time.monotonic()
    response = await fake.client.users_info(user="U0001")
    assert response["ok"] is True and time.monotonic() - started >= 0.3


async def test_delay_beyond_the_client_timeout(fake: Fake) -> None:
    impatient = AsyncWebClient(base_url=fake.api_url, token=TOKEN, timeout=1)
    fake.workspace.fail(method="chat.postMessage", delay=2.0, times=1)
    with pytest.raises(asyncio.TimeoutError):
        await impatient.chat_postMessage(channel="C0001", text="too late for the client")


async def test_fraction_of_calls_fail_reproducibly(fake: Fake) -> None:
    async def outcomes(seed: int) -> list[bool]:
        fake.workspace.faults.clear()
        fake.workspace.fail(method="auth.test", fraction=0.3, status=429, retry_after=1, seed=seed)
        results = []
        for _ in range(40):
            try:
                await fake.client.auth_test()
                results.append(True)
            except SlackApiError:
                results.append(False)
        return results

    first, again = await outcomes(seed=7), await outcomes(seed=7)
    assert first == again
    assert 4 <= first.count(False) <= 20


async def test_faulted_calls_do_not_change_state(fake: Fake) -> None:
    fake.workspace.fail(method="conversations.open", status=500)
    with pytest.raises(SlackApiError):
        await fake.client.conversations_open(users="U0001")
    assert fake.workspace.im_of("alice") is None


async def test_faults_can_be_set_over_http(fake: Fake) -> None:
    async with aiohttp.ClientSession() as session:
        fault = {"method": "auth.test", "status": 503, "times": 1}
        async with session.post(f"{fake.origin}/_workspace/faults", json=fault) as response:
            assert (await response.json())["ok"] is True
        async with session.get(f"{fake.origin}/_workspace/faults") as response:
            assert (await response.json())["faults"][0]["status"] == 503
    with pytest.raises(SlackApiError):
        await fake.client.auth_test()
    assert fake.workspace.faults.pending == []


def test_a_fault_needs_something_to_do() -> None:
    from workspace import FaultPlan

    with pytest.raises(ValueError):
        FaultPlan().add(method="auth.test")
