"""The aiohttp app: Slack's Web API at /api/<method> plus the /_workspace control API."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from aiohttp import web

from .common import CONFIG, ApiConfig, begin_call, config_of, finish
from .control import add_control_routes, stop_streams
from .model import JSON, WorkspaceError
from .page import add_page_routes
from .state import Workspace
from .webapi import METHODS, Context, Params

if TYPE_CHECKING:
    from .sender import SlackSender

MAX_BODY = 100 * 1024 * 1024  # uploads go through the same app


def create_api_app(
    workspace: Workspace, *, token: str | None = None, sender: SlackSender | None = None
) -> web.Application:
    """The fake Slack server; with `token`, any other bot token gets invalid_auth."""
    app = web.Application(client_max_size=MAX_BODY)
    app[CONFIG] = ApiConfig(workspace=workspace, token=token, sender=sender)
    app.router.add_get("/api/{method}", handle_api)
    app.router.add_post("/api/{method}", handle_api)
    add_control_routes(app)
    add_page_routes(app)
    app.on_shutdown.append(stop_streams)
    return app


def attach_sender(app: web.Application, sender: SlackSender) -> None:
    """Let the control API's /_workspace/act/* routes drive the bot through this sender."""
    app[CONFIG].sender = sender


async def read_params(request: web.Request) -> tuple[JSON, str | None]:
    """A call's arguments (query, form or JSON body) and its token (Bearer header or `token`)."""
    params: JSON = dict(request.query)
    if request.method == "POST" and request.can_read_body:
        if request.content_type == "application/json":
            body = await request.json()
            if not isinstance(body, dict):
                raise WorkspaceError("invalid_json")
            params.update(body)
        else:
            form = await request.post()
            params.update({k: v for k, v in form.items() if isinstance(v, str)})
    token = params.pop("token", None)
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        token = header.removeprefix("Bearer ").strip()
    return params, str(token) if token else None


async def handle_api(request: web.Request) -> web.Response:
    """Answer one Web API call exactly as Slack would, recording it and applying faults."""
    config = config_of(request)
    workspace = config.workspace
    name = request.match_info["method"]
    try:
        params, token = await read_params(request)
    except (WorkspaceError, json.JSONDecodeError, UnicodeDecodeError):
        call = workspace.call_log.record(name, {})
        return finish(workspace, call, {"ok": False, "error": "invalid_json"})
    call, faulted = await begin_call(workspace, name, params)
    if faulted is not None:
        return faulted
    if not token:
        return finish(workspace, call, {"ok": False, "error": "not_authed"})
    if config.token and token != config.token:
        return finish(workspace, call, {"ok": False, "error": "invalid_auth"})
    handler = METHODS.get(name)
    if handler is None:
        return finish(workspace, call, {"ok": False, "error": "unknown_method", "req_method": name})
    context = Context(workspace=workspace, origin=f"{request.scheme}://{request.host}")
    try:
        body = {"ok": True, **handler(context, Params(params))}
    except WorkspaceError as error:
        body = error.to_json()
    return finish(workspace, call, body)
