"""Bounds on the HTTP server's connections, which aiohttp leaves open-ended.

aiohttp 3.14 arms its keep-alive timer when a connection opens and does not push it back
while bytes trickle in, so a request head that never completes is dropped after
keepalive_timeout (75 s under web.run_app); it has no deadline at all for a request body and
no cap on connections. Hundreds of stalled sockets are therefore held for minutes, or for
ever, each an open file, until accept() fails and Slack's requests time out.
`procurebot serve` runs aiohttp's connection handler with two additions:

- Receive timeout: a request must arrive whole, head and body, within RECEIVE_TIMEOUT of its
  first byte (on a new connection, of connecting), or the connection is closed. Slack and the
  Bot Framework send small requests at once. Waiting idle between requests is the
  keep-alive's business (KEEPALIVE_TIMEOUT, longer than the usual proxies' idle timeouts, so
  that a proxy never sends a request into a connection the bot is closing).
- A cap on connections: when one more opens beyond it, the oldest connection that has sent
  part of a request is closed to make room; failing that, the oldest one silent for a
  second or more (idle between requests, or never saying anything); failing that, the
  newcomer. So a client that sends its request at once, as Slack does, is not the one
  closed while stalled sockets hold the rest, however fast they come back.
- One accept at a time: asyncio's own server accepts up to `backlog` sockets per wake-up and
  sets each up a loop turn later, so under a flood several batches are open before any
  room is made, and accept() runs out of open files. The site here accepts a socket, sets
  it up (making room) and only then accepts the next.

aiohttp already bounds the head (8190 bytes a line, 128 headers, else 400) and the
application its body (client_max_size).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from aiohttp.streams import StreamReader

log = logging.getLogger(__name__)

RECEIVE_TIMEOUT = 10.0
KEEPALIVE_TIMEOUT = 75.0  # web.run_app's default
MAX_CONNECTIONS = 1000
BACKLOG = 128  # connections waiting to be accepted (aiohttp's default)
_WARN_EVERY = 60.0  # seconds between two "limit reached" warnings: an attack must not flood
_SILENT = 1.0  # seconds without a byte after which an idle connection may make room


def default_max_connections() -> int:
    """MAX_CONNECTIONS, or half of what the open-file limit leaves after BACKLOG when that is
    lower: the other half and the BACKLOG files are for the database, Slack, Teams, logs and
    the sockets being closed to make room."""
    try:
        import resource  # not on Windows

        soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    except (ImportError, OSError, ValueError):
        return MAX_CONNECTIONS
    if soft == resource.RLIM_INFINITY:
        return MAX_CONNECTIONS
    return max(1, min(MAX_CONNECTIONS, (soft - BACKLOG) // 2))


@dataclass(frozen=True)
class Limits:
    """How many connections `serve` keeps, and how long it waits for them."""

    max_connections: int
    receive_timeout: float = RECEIVE_TIMEOUT
    keepalive_timeout: float = KEEPALIVE_TIMEOUT


class _Connection(web.RequestHandler):
    """aiohttp's handler of one connection, with a deadline for receiving each request."""

    def __init__(self, manager: web.Server, *, guard: _Guard, **kwargs: Any) -> None:
        super().__init__(manager, **kwargs)
        self._guard = guard
        self._deadline: asyncio.TimerHandle | None = None
        self._cut = False
        self.partial = False  # part of a request came, not yet its whole head
        self.handling = False  # between a request's head and its handler's answer
        self.idle_since = time.monotonic()  # neither of those since then

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        self._arm()
        self._guard.opened(self)

    def data_received(self, data: bytes) -> None:
        if not self.handling:
            self.partial, self.idle_since = True, math.inf
            if self._deadline is None:
                self._arm()  # the first bytes of the next request on a kept-alive connection
        super().data_received(data)

    def connection_lost(self, exc: BaseException | None) -> None:
        self._disarm()
        self._guard.closed(self)
        super().connection_lost(exc)

    def request_started(self, payload: StreamReader) -> None:
        """The head is in: the deadline holds until the body is too (at once if none)."""
        self.partial, self.handling, self.idle_since = False, True, math.inf
        if self._deadline is None:
            self._arm()
        payload.on_eof(self._disarm)

    def request_answered(self) -> None:
        """The handler returned."""
        self.handling, self.idle_since = False, time.monotonic()

    def cut(self) -> None:
        """Close now: too slow, or making room."""
        self._cut = True
        self.force_close()

    def log_exception(self, *args: Any, **kwargs: Any) -> None:
        # A handler reading the body of a connection we cut gets ConnectionResetError; that
        # is the client's doing, not a server error worth a traceback per attacker socket.
        if not self._cut:
            super().log_exception(*args, **kwargs)

    def _arm(self) -> None:
        loop = asyncio.get_running_loop()
        self._deadline = loop.call_later(self._guard.limits.receive_timeout, self._expire)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _expire(self) -> None:
        self._deadline = None
        log.debug("closing %s: no whole request within the receive timeout", self.peername)
        self.cut()


class _Guard:
    """The open connections, oldest first, kept within the limit."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self._open: dict[_Connection, None] = {}
        self._warned_at = -_WARN_EVERY

    def opened(self, connection: _Connection) -> None:
        self._open[connection] = None
        if len(self._open) <= self.limits.max_connections:
            return
        now = time.monotonic()
        victim = (
            next((c for c in self._open if c.partial), None)
            or next((c for c in self._open if c.idle_since <= now - _SILENT), None)
            or connection
        )
        del self._open[victim]
        if now - self._warned_at >= _WARN_EVERY:
            self._warned_at = now
            log.warning(
                "%s connections open (PROCUREBOT_MAX_CONNECTIONS): closing the oldest idle "
                "or slow ones to make room",
                self.limits.max_connections,
            )
        victim.cut()

    def closed(self, connection: _Connection) -> None:
        self._open.pop(connection, None)

    def protocol_factory(self, server: web.Server) -> Callable[[], _Connection]:
        """Connections for `server`, which learn from it when a request starts and ends."""
        make_request, handle = server.request_factory, server.request_handler

        def started(message: Any, payload: Any, protocol: Any, writer: Any, task: Any) -> Any:
            if isinstance(protocol, _Connection):
                protocol.request_started(payload)
            return make_request(message, payload, protocol, writer, task)

        async def answered(request: web.BaseRequest) -> web.StreamResponse:
            try:
                return await handle(request)
            finally:
                if isinstance(request.protocol, _Connection):
                    request.protocol.request_answered()

        server.request_factory = started
        server.request_handler = answered
        loop = asyncio.get_running_loop()
        return lambda: _Connection(
            server, guard=self, loop=loop, keepalive_timeout=self.limits.keepalive_timeout
        )


class _Acceptor:
    """Accepts connections on a listening socket one at a time (see the module's docstring);
    what BaseSite.stop() closes."""

    def __init__(self, sock: socket.socket, factory: Callable[[], _Connection]) -> None:
        self.sock, self._factory = sock, factory
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            try:
                conn, _ = await loop.sock_accept(self.sock)
            except OSError as error:  # out of open files after all: wait, as asyncio does
                log.warning("accept() failed (%s); accepting again in a second", error)
                await asyncio.sleep(1.0)
                continue
            try:
                await loop.connect_accepted_socket(self._factory, conn)
            except OSError:
                conn.close()  # the client went away while it was being set up

    def close(self) -> None:
        self._task.cancel()
        self.sock.close()


class BoundedSite(web.BaseSite):
    """A TCP site whose connections are bounded as the module says."""

    def __init__(self, runner: web.BaseRunner, host: str, port: int, *, limits: Limits) -> None:
        super().__init__(runner)
        self._app_runner = runner
        self._host, self._port = host, port
        self._guard = _Guard(limits)

    @property
    def name(self) -> str:
        return f"http://{self._host}:{self._port}"

    async def start(self) -> None:
        await super().start()
        server = self._app_runner.server
        assert server is not None, "runner.setup() first"
        factory = self._guard.protocol_factory(server)
        family = socket.getaddrinfo(self._host, self._port, type=socket.SOCK_STREAM)[0][0]
        sock = socket.create_server((self._host, self._port), family=family, backlog=BACKLOG)
        sock.setblocking(False)
        self._server = _Acceptor(sock, factory)  # type: ignore[assignment]


def run_bounded(app: web.Application, *, host: str, port: int, limits: Limits) -> None:
    """Serve `app` until SIGINT or SIGTERM, as web.run_app does, on a BoundedSite."""

    async def serve() -> None:
        runner = web.AppRunner(app, handle_signals=True)
        await runner.setup()
        try:
            await BoundedSite(runner, host, port, limits=limits).start()
            await asyncio.Event().wait()
        finally:
            await runner.cleanup()

    with contextlib.suppress(web.GracefulExit, KeyboardInterrupt):
        asyncio.run(serve())
