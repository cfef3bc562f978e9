"""How the workspace's records look on the wire: Slack's JSON objects, and state for a page."""

from __future__ import annotations

import mimetypes
from typing import TYPE_CHECKING

from . import forms
from .model import APP_ID, BOT_ID, JSON, File, Message, View

if TYPE_CHECKING:
    from .state import Workspace


def message_to_slack(ws: Workspace, message: Message) -> JSON:
    """The message object of chat.postMessage, conversations.history and interactions."""
    body: JSON = {
        "type": "message",
        "ts": message.ts,
        "user": message.user,
        "text": message.text,
        "team": ws.team.id,
    }
    if message.blocks:
        body["blocks"] = message.blocks
    if message.attachments:
        body["attachments"] = message.attachments
    if message.bot_id:
        body.update({"bot_id": message.bot_id, "app_id": message.app_id})
        body["bot_profile"] = {
            "id": message.bot_id,
            "app_id": message.app_id,
            "name": ws.directory.bot.real_name,
            "team_id": ws.team.id,
            "deleted": False,
        }
    if message.thread_ts:
        body["thread_ts"] = message.thread_ts
    if message.reply_count:
        body.update(
            {
                "reply_count": message.reply_count,
                "reply_users_count": len(message.reply_users),
                "reply_users": list(message.reply_users),
                "latest_reply": message.latest_reply,
            }
        )
    if message.files:
        body["files"] = [file_to_slack(ws, ws.uploads.files[f]) for f in message.files]
        body["upload"] = False
    if message.edited:
        body["edited"] = message.edited
    if message.metadata:
        body["metadata"] = message.metadata
    if message.client_msg_id:
        body["client_msg_id"] = message.client_msg_id
    return body


def view_to_slack(ws: Workspace, view: View, *, untouched: bool = True) -> JSON:
    """Slack's view object; untouched=False leaves unedited inputs out of state (views.*)."""
    edits = {b: dict(actions) for b, actions in view.edits.items()}
    values = forms.state_values(view.blocks, view.edits) if untouched else edits
    body: JSON = {
        "id": view.id,
        "team_id": ws.team.id,
        "type": view.type,
        "blocks": view.blocks,
        "private_metadata": view.private_metadata,
        "callback_id": view.callback_id,
        "state": {"values": values},
        "hash": view.hash,
        "title": view.title,
        "clear_on_close": view.clear_on_close,
        "notify_on_close": view.notify_on_close,
        "close": view.close,
        "submit": view.submit,
        "previous_view_id": view.previous_view_id,
        "root_view_id": view.root_view_id,
        "app_id": APP_ID,
        "external_id": view.external_id,
        "app_installed_team_id": ws.team.id,
        "bot_id": BOT_ID,
    }
    if view.type == "modal":
        body["submit_disabled"] = view.submit_disabled
    return body


def file_url(ws: Workspace, file: File) -> str:
    """Where the browser (or a test) downloads the file's bytes."""
    return f"{ws.server_url or ''}/_workspace/files/{file.id}"


def file_to_slack(ws: Workspace, file: File) -> JSON:
    """The file object of files.info and of a message's files."""
    return {
        "id": file.id,
        "created": file.created,
        "timestamp": file.created,
        "name": file.name,
        "title": file.title,
        "mimetype": _mimetype(file.name),
        "filetype": file.name.rpartition(".")[2] if "." in file.name else "binary",
        "user": file.user,
        "size": len(file.data or b""),
        "mode": "hosted",
        "is_external": False,
        "is_public": bool(file.channels),
        "url_private": file_url(ws, file),
        "url_private_download": file_url(ws, file),
        "permalink": file_url(ws, file),
        "channels": [c for c in file.channels if not ws.directory.channels[c].is_im],
        "ims": [c for c in file.channels if ws.directory.channels[c].is_im],
        "alt_txt": file.alt_txt,
    }


def view_to_json(ws: Workspace, view: View) -> JSON:
    """A view for the browser: Slack's view object plus its owner and errors."""
    return {**view_to_slack(ws, view), "user": view.user, "errors": view.errors}


def message_to_json(ws: Workspace, message: Message) -> JSON:
    """A message for the browser: Slack's message object plus channel and visibility."""
    return {
        **message_to_slack(ws, message),
        "channel": message.channel,
        "is_ephemeral": message.is_ephemeral,
        "ephemeral_to": message.ephemeral_to,
    }


def state_document(ws: Workspace, user: str | None = None) -> JSON:
    """Everything a page needs to draw the workspace as one user sees it (or all of it)."""
    directory, views = ws.directory, ws.views
    viewer = directory.get_user(user).id if user else None
    channels = directory.visible_channels(viewer) if viewer else list(directory.channels.values())
    state: JSON = {
        "version": ws.feed.version,
        "team": {"id": ws.team.id, "name": ws.team.name, "domain": ws.team.domain},
        "bot": directory.bot.to_json(),
        "viewer": viewer,
        "users": [u.to_json() for u in directory.users.values() if not u.is_bot],
        "channels": [
            {
                **c.to_json(),
                "messages": [
                    message_to_json(ws, m) for m in ws.messages.of(c.id) if m.visible_to(viewer)
                ],
            }
            for c in channels
        ],
    }
    if viewer:
        state["modal"] = [view_to_json(ws, v) for v in views.modal_stack(viewer)]
        home = views.home_view(viewer)
        state["home"] = view_to_json(ws, home) if home else None
    else:
        state["modals"] = {
            u: [view_to_json(ws, v) for v in views.modal_stack(u)] for u in views.modal_stacks
        }
        state["homes"] = {u: view_to_json(ws, views.by_id[v]) for u, v in views.home_views.items()}
    return state


def _mimetype(filename: str) -> str:
    return mimetypes.guess_type(filename)[0] or "application/octet-stream"
