"""views.* and files.*: modals, home tabs and uploads."""

from __future__ import annotations

from .. import render
from ..model import JSON, WorkspaceError
from .base import Context, Params, method

# ---- views ---------------------------------------------------------------------------------


def _trigger_user(ctx: Context, p: Params) -> str:
    trigger_id = p.string("trigger_id") or p.string("interactivity_pointer")
    if trigger_id is None:
        raise WorkspaceError("invalid_arguments", "[ERROR] missing required field: trigger_id")
    return ctx.workspace.interactions.exchange_trigger(trigger_id).user


@method("views.open")
def views_open(ctx: Context, p: Params) -> JSON:
    """views.open: open a modal for the user whose (fresh, unused) trigger_id this is."""
    view_payload = p.json("view")
    user_id = _trigger_user(ctx, p)
    view = ctx.workspace.views.open_modal(user_id, view_payload)
    return {"view": render.view_to_slack(ctx.workspace, view, untouched=False)}


@method("views.push")
def views_push(ctx: Context, p: Params) -> JSON:
    """views.push: push a modal on top of the user's open one."""
    view_payload = p.json("view")
    user_id = _trigger_user(ctx, p)
    view = ctx.workspace.views.push_modal(user_id, view_payload)
    return {"view": render.view_to_slack(ctx.workspace, view, untouched=False)}


@method("views.update")
def views_update(ctx: Context, p: Params) -> JSON:
    """views.update: replace a view by view_id or external_id, guarded by hash when given."""
    view = ctx.workspace.views.update_view(
        p.json("view"),
        view_id=p.string("view_id"),
        external_id=p.string("external_id"),
        hash=p.string("hash"),
    )
    return {"view": render.view_to_slack(ctx.workspace, view, untouched=False)}


@method("views.publish")
def views_publish(ctx: Context, p: Params) -> JSON:
    """views.publish: set a user's home tab."""
    user_id = p.require("user_id")
    if user_id not in ctx.workspace.directory.users:
        raise WorkspaceError("user_not_found")
    view = ctx.workspace.views.publish_home(user_id, p.json("view"), hash=p.string("hash"))
    return {"view": render.view_to_slack(ctx.workspace, view, untouched=False)}


# ---- files ---------------------------------------------------------------------------------


@method("files.getUploadURLExternal")
def files_get_upload_url_external(ctx: Context, p: Params) -> JSON:
    """files.getUploadURLExternal: reserve a file id and an upload URL on this server."""
    filename = p.require("filename")
    try:
        length = int(p.require("length"))
    except ValueError:
        raise WorkspaceError("invalid_arguments", "[ERROR] length must be an integer") from None
    file = ctx.workspace.uploads.create(
        filename=filename,
        length=length,
        alt_txt=p.string("alt_txt"),
        snippet_type=p.string("snippet_type"),
    )
    return {"upload_url": f"{ctx.origin}/_workspace/upload/{file.id}", "file_id": file.id}


@method("files.completeUploadExternal")
def files_complete_upload_external(ctx: Context, p: Params) -> JSON:
    """files.completeUploadExternal: finish uploads and share them in a channel or thread."""
    items = p.json("files")
    if not isinstance(items, list) or not items:
        raise WorkspaceError("invalid_arguments", "[ERROR] files must be a non-empty array")
    channel_ids = [p.string("channel_id")] if p.string("channel_id") else []
    channel_ids += [c.strip() for c in (p.string("channels") or "").split(",") if c.strip()]
    files = ctx.workspace.uploads.complete(
        items,
        channel_ids=[c for c in channel_ids if c],
        initial_comment=p.string("initial_comment") or "",
        thread_ts=p.string("thread_ts"),
    )
    return {"files": [{"id": f.id, "title": f.title} for f in files]}


@method("files.info")
def files_info(ctx: Context, p: Params) -> JSON:
    """files.info: one file's metadata."""
    file = ctx.workspace.uploads.files.get(p.require("file", "file_not_found"))
    if file is None:
        raise WorkspaceError("file_not_found")
    return {"file": render.file_to_slack(ctx.workspace, file)}
