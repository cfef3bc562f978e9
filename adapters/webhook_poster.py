"""The HTTP side of outbound webhooks: one aiohttp POST, its answer or a retryable error."""

from __future__ import annotations

from collections.abc import Mapping

import aiohttp

from bot.app.ports import DeliveryDeferred
from bot.app.webhooks import PostResult

TIMEOUT_SECONDS = 10.0


class AiohttpPoster:
    """Posts with aiohttp, a fresh session per call: webhooks are few and far between, and a
    session bound to no event loop lets the CLI and the server share the class."""

    def __init__(self, *, timeout: float = TIMEOUT_SECONDS) -> None:
        self._timeout = aiohttp.ClientTimeout(total=timeout)

    async def post(self, *, url: str, body: bytes, headers: Mapping[str, str]) -> PostResult:
        """POST; DeliveryDeferred when the receiver cannot be reached or does not answer."""
        try:
            async with (
                aiohttp.ClientSession(timeout=self._timeout) as session,
                session.post(url, data=body, headers=dict(headers), allow_redirects=False) as resp,
            ):
                text = await resp.text(errors="replace")
                return PostResult(
                    status=resp.status, retry_after=resp.headers.get("Retry-After"), text=text
                )
        except (TimeoutError, aiohttp.ClientError, OSError) as error:
            reason = str(error) or type(error).__name__
            raise DeliveryDeferred(f"{url} could not be reached: {reason}") from error
