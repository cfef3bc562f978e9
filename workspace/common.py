"""Shared HTTP plumbing of the fake: the app's config key, call recording and fault handling."""

from __future__ import annotations

import asyncio
import contextlib
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aiohttp import web

from .model import JSON, Call
from .state import Workspace

if TYPE_CHECKING:
    from .sender import SlackSender

# Arguments that are JSON inside a form body; decoded when recorded so tests read structures.
JSON_ARGUMENTS = ("blocks", "attachments", "view", "files", "metadata")


@dataclass
class ApiConfig:
    """What the aiohttp app serves: the workspace, the bot token it accepts, the bot sender."""

    workspace: Workspace
    token: str | None = None
    sender: SlackSender | None = None
    closing: bool = False


CONFIG = web.AppKey("slack_workspace", ApiConfig)


def decoded(params: JSON) -> JSON:
    """A copy of params with the JSON-string arguments decoded, for the call log."""
    result = dict(params)
    for key in JSON_ARGUMENTS:
        value = result.get(key)
        if isinstance(value, str):
            # A bad string stays as sent; the method itself reports the bad argument.
            with contextlib.suppress(json.JSONDecodeError):
                result[key] = json.loads(value)
    return result


async def begin_call(
    workspace: Workspace, method: str, params: JSON
) -> tuple[Call, web.Response | None]:
    """Record a call and apply any matching fault; a response is returned when the fault answers."""
    call = workspace.call_log.record(method, decoded(params))
    fault = workspace.faults.take(method, call.params)
    if fault is None:
        return call, None
    if fault.delay:
        await asyncio.sleep(fault.delay)
    if not fault.fails:
        return call, None
    status, body, headers = fault.response()
    workspace.call_log.finish(call, status=status, response=body, faulted=True)
    return call, web.json_response(body, status=status, headers=headers)


def finish(workspace: Workspace, call: Call, body: JSON, *, status: int = 200) -> web.Response:
    """Log the answer to a call and send it as JSON."""
    workspace.call_log.finish(call, status=status, response=body)
    return web.json_response(body, status=status)


def config_of(request: web.Request) -> ApiConfig:
    """The ApiConfig of the app serving this request."""
    return request.app[CONFIG]


def json_error(status: int, error: str, **extra: Any) -> web.Response:
    """A control-API error in the {"ok": false, "error": ...} style."""
    return web.json_response({"ok": False, "error": error, **extra}, status=status)
