"""How Slack's servers reach the bot: signed HTTP requests, and the bot's parsed answers."""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urlsplit

import aiohttp

from .model import JSON

USER_AGENT = "Slackbot 1.0 (+https://api.slack.com/robots)"
FORM = "application/x-www-form-urlencoded"


def sign(secret: str, timestamp: int, body: str) -> str:
    """X-Slack-Signature for a body: "v0=" + HMAC-SHA256(secret, "v0:{timestamp}:{body}")."""
    base = f"v0:{timestamp}:{body}".encode()
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


@dataclass
class BotResponse:
    """The bot's answer to one request: status, parsed body (JSON, text or None), timing."""

    status: int
    body: Any
    headers: Mapping[str, str]
    elapsed: float
    payload: Any = None
    trigger_id: str | None = None

    @property
    def json(self) -> JSON:
        """The body when it was a JSON object, else {}."""
        return self.body if isinstance(self.body, dict) else {}


@dataclass
class SentRequest:
    """The last request sent, kept so retry() can send it again."""

    body: str
    content_type: str
    payload: Any
    trigger_id: str | None


@dataclass
class Transport:
    """Signs bodies with the signing secret and POSTs them to the bot's request URL."""

    bot_url: str
    signing_secret: str
    bad_signature: bool = False
    timestamp_skew: float = 0.0
    session: aiohttp.ClientSession | None = None
    timeout: float = 10.0
    last_request: SentRequest | None = field(default=None, init=False)
    _holder: _SessionHolder = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if urlsplit(self.bot_url).path in ("", "/"):
            self.bot_url = self.bot_url.rstrip("/") + "/slack/events"
        self._holder = _SessionHolder(
            self.session, owned=self.session is None, timeout=self.timeout
        )

    async def close(self) -> None:
        """Close the HTTP session if this transport opened it."""
        if self._holder.owned and self._holder.session is not None:
            await self._holder.session.close()

    def tampered(self, *, bad_signature: bool, timestamp_skew: float) -> Transport:
        """A transport sharing this one's session that signs wrongly or with a skewed timestamp."""
        other = copy.copy(self)
        other.bad_signature, other.timestamp_skew = bad_signature, timestamp_skew
        other.last_request = None
        return other

    async def send(
        self,
        body: str,
        content_type: str,
        *,
        payload: Any = None,
        trigger_id: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> BotResponse:
        """POST a signed body to the bot, as Slack does."""
        self.last_request = SentRequest(body, content_type, payload, trigger_id)
        return await self._post(self.last_request, headers or {})

    async def retry(self, *, num: int = 1, reason: str = "http_timeout") -> BotResponse:
        """Send the previous request again with Slack's retry headers (freshly signed)."""
        if self.last_request is None:
            raise RuntimeError("nothing to retry: no request was sent yet")
        retry_headers = {"X-Slack-Retry-Num": str(num), "X-Slack-Retry-Reason": reason}
        return await self._post(self.last_request, retry_headers)

    async def send_form(self, form: Mapping[str, str], *, trigger_id: str | None) -> BotResponse:
        """POST form fields (a slash command)."""
        return await self.send(urlencode(form), FORM, payload=dict(form), trigger_id=trigger_id)

    async def send_interaction(
        self, payload: JSON, *, trigger_id: str | None = None
    ) -> BotResponse:
        """POST an interaction payload as Slack does: a form with one `payload` field of JSON."""
        body = urlencode({"payload": json.dumps(payload)})
        return await self.send(body, FORM, payload=payload, trigger_id=trigger_id)

    async def send_json(self, payload: JSON) -> BotResponse:
        """POST a JSON body (an Events API envelope)."""
        return await self.send(json.dumps(payload), "application/json", payload=payload)

    async def _post(self, request: SentRequest, extra: Mapping[str, str]) -> BotResponse:
        timestamp = int(time.time() + self.timestamp_skew)
        secret = self.signing_secret + "-wrong" if self.bad_signature else self.signing_secret
        headers = {
            "Content-Type": request.content_type,
            "User-Agent": USER_AGENT,
            "X-Slack-Request-Timestamp": str(timestamp),
            "X-Slack-Signature": sign(secret, timestamp, request.body),
            **extra,
        }
        session = await self._holder.get()
        started = time.monotonic()
        async with session.post(self.bot_url, data=request.body.encode(), headers=headers) as r:
            text = await r.text()
            return BotResponse(
                status=r.status,
                body=_parse_body(text, r.content_type),
                headers=dict(r.headers),
                elapsed=time.monotonic() - started,
                payload=request.payload,
                trigger_id=request.trigger_id,
            )


@dataclass
class _SessionHolder:
    # Shared by a transport and its tampered() copies, so that one close() closes it.
    session: aiohttp.ClientSession | None = None
    owned: bool = True
    timeout: float = 10.0

    async def get(self) -> aiohttp.ClientSession:
        if self.session is None or self.session.closed:
            self.session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.timeout))
            self.owned = True
        return self.session


def _parse_body(text: str, content_type: str) -> Any:
    if not text:
        return None
    if content_type == "application/json" or text.lstrip().startswith(("{", "[")):
        try:
            return json.loads(text)
        except json.JSONDecodeError:
            return text
    return text
