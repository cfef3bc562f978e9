"""The /_workspace API: state, live updates and actions for the page; upload and response URLs."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable

from aiohttp import BodyPartReader, web

from . import render
from .common import CONFIG, begin_call, config_of, finish, json_error
from .forms import ClientValidationError, ElementNotFound
from .model import JSON, WorkspaceError
from .sender import SlackSender
from .transport import BotResponse

HEARTBEAT_SECONDS = 15.0
MAX_POLL_SECONDS = 60.0


def add_control_routes(app: web.Application) -> None:
    """Mount the /_workspace routes on the fake's app."""
    routes = app.router
    routes.add_get("/_workspace/state", get_state)
    routes.add_get("/_workspace/events", get_events)
    routes.add_get("/_workspace/version", get_version)
    routes.add_get("/_workspace/calls", get_calls)
    routes.add_post("/_workspace/reset", post_reset)
    routes.add_get("/_workspace/faults", get_faults)
    routes.add_post("/_workspace/faults", post_fault)
    routes.add_delete("/_workspace/faults", delete_faults)
    routes.add_post("/_workspace/upload/{file_id}", post_upload)
    routes.add_get("/_workspace/files/{file_id}", get_file)
    routes.add_post("/_workspace/respond/{token}", post_response_url)
    routes.add_post("/_workspace/act/{action}", post_act)


async def stop_streams(app: web.Application) -> None:
    """On shutdown, end open event streams so the server can stop at once."""
    app[CONFIG].closing = True
    app[CONFIG].workspace.feed.bump()


# ---- state for the browser -----------------------------------------------------------------


async def get_state(request: web.Request) -> web.Response:
    """GET /_workspace/state[?user=U...]: the workspace as that user sees it (or all of it)."""
    user = request.query.get("user")
    try:
        return web.json_response(render.state_document(config_of(request).workspace, user))
    except WorkspaceError as error:
        return json_error(404, error.error)


async def get_version(request: web.Request) -> web.Response:
    """GET /_workspace/version?since=N&timeout=S: long-poll until the version passes N."""
    workspace = config_of(request).workspace
    try:
        since = int(request.query.get("since", -1))
        timeout = min(float(request.query.get("timeout", 25)), MAX_POLL_SECONDS)
    except ValueError:
        return json_error(400, "invalid_arguments", detail="since and timeout must be numbers")
    version = await workspace.feed.wait_for_version(since, timeout=timeout)
    return web.json_response({"version": version})


async def get_events(request: web.Request) -> web.StreamResponse:
    """GET /_workspace/events: Server-Sent Events, one `state` event per change with the version."""
    config = config_of(request)
    workspace = config.workspace
    stream = web.StreamResponse(
        headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"}
    )
    await stream.prepare(request)
    # A reconnecting EventSource sends Last-Event-ID; changes made meanwhile are not missed.
    since = request.query.get("since") or request.headers.get("Last-Event-ID") or ""
    seen = int(since) if since.lstrip("-").isdigit() else -1
    await stream.write(b"retry: 1000\n\n")
    try:
        while not config.closing:
            if workspace.feed.version > seen:
                seen = workspace.feed.version
                data = json.dumps({"version": seen})
                await stream.write(f"id: {seen}\nevent: state\ndata: {data}\n\n".encode())
            elif not await workspace.feed.changed(timeout=HEARTBEAT_SECONDS):
                await stream.write(b": keep-alive\n\n")
    except ConnectionResetError:
        pass  # the page went away; nothing to clean up
    return stream


async def get_calls(request: web.Request) -> web.Response:
    """GET /_workspace/calls[?method=...]: the Web API calls the bot made, in order."""
    workspace = config_of(request).workspace
    method = request.query.get("method")
    calls = [c.to_json() for c in workspace.calls if method in (None, c.method)]
    return web.json_response({"calls": calls})


async def post_reset(request: web.Request) -> web.Response:
    """POST /_workspace/reset: back to the seeded users and channels."""
    workspace = config_of(request).workspace
    workspace.reset()
    return web.json_response({"ok": True, "version": workspace.feed.version})


async def get_faults(request: web.Request) -> web.Response:
    """GET /_workspace/faults: the faults still pending."""
    faults = config_of(request).workspace.faults.pending
    return web.json_response({"faults": [f.to_json() for f in faults]})


async def post_fault(request: web.Request) -> web.Response:
    """POST /_workspace/faults with Workspace.fail's keywords: a fault from another process."""
    options = await request.json()
    try:
        fault = config_of(request).workspace.fail(**options)
    except (TypeError, ValueError) as error:
        return json_error(400, "invalid_arguments", detail=str(error))
    return web.json_response({"ok": True, "fault": fault.to_json()})


async def delete_faults(request: web.Request) -> web.Response:
    """DELETE /_workspace/faults: drop every fault."""
    config_of(request).workspace.faults.clear()
    return web.json_response({"ok": True})


# ---- URLs Slack serves besides the Web API --------------------------------------------------


async def post_upload(request: web.Request) -> web.Response:
    """POST to an upload_url from files.getUploadURLExternal: raw bytes or multipart."""
    workspace = config_of(request).workspace
    file_id = request.match_info["file_id"]
    data = await _upload_bytes(request)
    call, faulted = await begin_call(workspace, "upload", {"file_id": file_id, "size": len(data)})
    if faulted is not None:
        return faulted
    try:
        workspace.uploads.store_upload(file_id, data)
    except WorkspaceError:
        workspace.call_log.finish(
            call, status=404, response={"ok": False, "error": "file_not_found"}
        )
        return web.Response(status=404, text="file_not_found")
    workspace.call_log.finish(call, status=200, response={"ok": True})
    # The real upload host answers in plain text; slack_sdk only checks the status.
    return web.Response(text=f"OK - {len(data)}", content_type="text/plain")


async def _upload_bytes(request: web.Request) -> bytes:
    if request.content_type.startswith("multipart/"):
        reader = await request.multipart()
        async for part in reader:
            if isinstance(part, BodyPartReader) and (part.filename or part.name == "file"):
                return bytes(await part.read())
        return b""
    return await request.read()


async def get_file(request: web.Request) -> web.Response:
    """GET a file's bytes (its url_private)."""
    file = config_of(request).workspace.uploads.files.get(request.match_info["file_id"])
    if file is None or file.data is None:
        return json_error(404, "file_not_found")
    return web.Response(body=file.data, content_type="application/octet-stream")


async def post_response_url(request: web.Request) -> web.Response:
    """POST to a response_url: replace/delete the source message or post a new one."""
    workspace = config_of(request).workspace
    token = request.match_info["token"]
    body = await _json_or_payload(request)
    call, faulted = await begin_call(workspace, "response_url", {"token": token, **body})
    if faulted is not None:
        return faulted
    target = workspace.interactions.response_targets.get(token)
    if target is None:
        return finish(workspace, call, {"ok": False, "error": "expired_url"}, status=404)
    try:
        workspace.messages.apply_response(target, body)
    except WorkspaceError as error:
        return finish(workspace, call, error.to_json(), status=400)
    return finish(workspace, call, {"ok": True})


async def _json_or_payload(request: web.Request) -> JSON:
    if request.content_type == "application/json":
        body = await request.json()
    else:
        form = await request.post()
        body = json.loads(str(form.get("payload") or "{}"))
    return body if isinstance(body, dict) else {}


# ---- acting as a person, for the browser page -----------------------------------------------

Act = Callable[[SlackSender, JSON], Awaitable[BotResponse | None]]


async def _act_command(sender: SlackSender, a: JSON) -> BotResponse | None:
    return await sender.command(
        a["user"], a.get("text", ""), a.get("command", "/buy"), channel=a.get("channel")
    )


async def _act_message(sender: SlackSender, a: JSON) -> BotResponse | None:
    return await sender.message(
        a["user"], a["text"], channel=a.get("channel"), thread_ts=a.get("thread_ts")
    )


async def _act_click(sender: SlackSender, a: JSON) -> BotResponse | None:
    target = a.get("view_id") or a["ts"]
    if a.get("view_id") and a.get("values"):
        sender.set_values(a["user"], a["view_id"], a["values"])
    return await sender.click(
        a["user"], target, a["action_id"], a.get("value"), block_id=a.get("block_id")
    )


async def _act_submit(sender: SlackSender, a: JSON) -> BotResponse | None:
    if a.get("values"):
        sender.set_values(a["user"], a["view_id"], a["values"])
    return await sender.submit_view(a["user"], a["view_id"])


async def _act_close(sender: SlackSender, a: JSON) -> BotResponse | None:
    return await sender.close_view(a["user"], a["view_id"], clear=bool(a.get("clear")))


async def _act_suggest(sender: SlackSender, a: JSON) -> BotResponse | None:
    target = a.get("view_id") or a["ts"]
    return await sender.suggest(
        a["user"], target, a["action_id"], a.get("value", ""), block_id=a.get("block_id")
    )


async def _act_home(sender: SlackSender, a: JSON) -> BotResponse | None:
    return await sender.app_home_opened(a["user"], tab=a.get("tab", "home"))


ACTS: dict[str, Act] = {
    "command": _act_command,
    "message": _act_message,
    "click": _act_click,
    "submit": _act_submit,
    "close": _act_close,
    "suggest": _act_suggest,
    "home": _act_home,
}


async def post_act(request: web.Request) -> web.Response:
    """POST /_workspace/act/{action}: act as a person; answers with the bot's status and body."""
    sender = config_of(request).sender
    act = ACTS.get(request.match_info["action"])
    if act is None:
        return json_error(404, "unknown_action")
    if sender is None:
        return json_error(503, "no_bot", detail="no bot is attached to this workspace")
    args = await request.json()
    try:
        response = await act(sender, args)
    except ClientValidationError as error:
        return json_error(422, "validation", errors=error.errors)
    except (ElementNotFound, KeyError) as error:
        return json_error(400, "invalid_arguments", detail=str(error))
    except PermissionError as error:
        return json_error(403, "forbidden", detail=str(error))
    except WorkspaceError as error:
        return json_error(400, error.error, detail=str(error))
    if response is None:
        return web.json_response({"ok": True, "status": None, "body": None})
    return web.json_response({"ok": True, "status": response.status, "body": response.body})
