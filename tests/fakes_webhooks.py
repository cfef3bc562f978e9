"""A webhook receiver on a local port, as a customer would write one: it checks the signature
with the README's snippet, dedupes on the event id, and answers as a test scripts it."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web

README = Path(__file__).resolve().parent.parent / "README.md"


def readme_block(marker: str, *, language: str) -> str:
    """The README's fenced `language` block whose text contains `marker`."""
    blocks = re.findall(rf"```{language}\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    found = [block for block in blocks if marker in block]
    assert len(found) == 1, f"expected one ```{language} block with {marker!r} in the README"
    return found[0]


def readme_verify() -> Callable[..., bool]:
    """The `verify` function of the README's webhook snippet, run as documented."""
    namespace: dict[str, Any] = {}
    exec(readme_block("verify_procurebot.py", language="python"), namespace)
    verify: Callable[..., bool] = namespace["verify"]
    return verify


@dataclass
class Delivery:
    """One POST the receiver got."""

    event_id: str
    body: dict[str, Any]
    signed: bool
    status: int


@dataclass
class Receiver:
    """Answers each POST with the next scripted status (then `then`), counting events once."""

    secret: str
    script: list[int] = field(default_factory=list)
    then: int = 200
    retry_after: str | None = "0"
    deliveries: list[Delivery] = field(default_factory=list)
    events: dict[str, dict[str, Any]] = field(default_factory=dict)  # deduped by id
    url: str = ""
    _runner: web.AppRunner | None = None

    async def start(self) -> str:
        """Serve on a free port; the URL to POST to."""
        verify = readme_verify()

        async def hook(request: web.Request) -> web.Response:
            raw = await request.read()
            signed = verify(self.secret, dict(request.headers), raw)
            event_id = request.headers.get("X-Procurebot-Event-Id", "")
            status = self.script.pop(0) if self.script else self.then
            if not signed:
                status = 401
            body = json.loads(raw)
            self.deliveries.append(Delivery(event_id, body, signed, status))
            if 200 <= status < 300:
                assert body["id"] == event_id
                self.events.setdefault(event_id, body)
            retrying = status == 429 or status >= 500
            headers = {"Retry-After": self.retry_after} if retrying and self.retry_after else None
            return web.json_response({"status": status}, status=status, headers=headers)

        app = web.Application()
        app.router.add_post("/hook", hook)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        self.url = f"http://{host}:{port}/hook"
        return self.url

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def types(self) -> list[str]:
        """The types of the events taken (deduped), in order of arrival."""
        return [body["type"] for body in self.events.values()]
