"""The Slack Web API methods the fake answers: one function per method over the Workspace."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from .model import JSON, Channel, WorkspaceError
from .state import Workspace

_FALSE = {"", "0", "false", "False", "no"}


@dataclass(frozen=True)
class Params:
    """A call's arguments, merged from query string, form or JSON body."""

    values: Mapping[str, Any]

    def string(self, name: str) -> str | None:
        """The argument as a string, None when absent or empty."""
        value = self.values.get(name)
        return None if value in (None, "") else str(value)

    def require(self, name: str, error: str = "invalid_arguments") -> str:
        """A string argument that must be present (else Slack's error for this method)."""
        value = self.string(name)
        if value is None:
            raise WorkspaceError(error, f"[ERROR] missing required field: {name}")
        return value

    def flag(self, name: str) -> bool:
        """A boolean argument sent as true/false or 1/0."""
        value = self.values.get(name)
        return bool(value) and str(value) not in _FALSE

    def json(self, name: str, *, error: str = "invalid_arguments") -> Any:
        """An argument that is JSON: already decoded in a JSON body, a string in a form."""
        value = self.values.get(name)
        if isinstance(value, str):
            try:
                return json.loads(value)
            except json.JSONDecodeError:
                raise WorkspaceError(error, f"[ERROR] {name} is not valid JSON") from None
        return value


@dataclass(frozen=True)
class Context:
    """What a method needs besides its arguments: the workspace and this server's origin."""

    workspace: Workspace
    origin: str


Method = Callable[[Context, Params], JSON]
METHODS: dict[str, Method] = {}


def method(name: str) -> Callable[[Method], Method]:
    """Register a function as the handler of a Web API method."""

    def register(func: Method) -> Method:
        METHODS[name] = func
        return func

    return register


# ---- auth and users ------------------------------------------------------------------------


@method("auth.test")
def auth_test(ctx: Context, p: Params) -> JSON:
    """auth.test: who the token belongs to (the bot)."""
    ws = ctx.workspace
    return {
        "url": f"https://{ws.team.domain}.slack.com/",
        "team": ws.team.name,
        "user": ws.bot.name,
        "team_id": ws.team.id,
        "user_id": ws.bot.id,
        "bot_id": ws.bot_id,
        "is_enterprise_install": False,
    }


def _user_json(ws: Workspace, user_id: str, *, locale: bool = False) -> JSON:
    user = ws.users[user_id]
    body = user.to_slack(team_id=ws.team.id, bot_id=ws.bot_id, app_id=ws.app_id)
    if locale:
        body["locale"] = "en-US"
    return body


@method("users.info")
def users_info(ctx: Context, p: Params) -> JSON:
    """users.info: a user by id."""
    user = ctx.workspace.users.get(p.require("user", "user_not_found"))
    if user is None:
        raise WorkspaceError("user_not_found")
    return {"user": _user_json(ctx.workspace, user.id, locale=p.flag("include_locale"))}


@method("users.lookupByEmail")
def users_lookup_by_email(ctx: Context, p: Params) -> JSON:
    """users.lookupByEmail: a user by email, ignoring case."""
    email = p.require("email", "users_not_found").casefold()
    for user in ctx.workspace.users.values():
        if user.email and user.email.casefold() == email:
            return {"user": _user_json(ctx.workspace, user.id)}
    raise WorkspaceError("users_not_found")


@method("users.list")
def users_list(ctx: Context, p: Params) -> JSON:
    """users.list: everyone, in one page."""
    members = [_user_json(ctx.workspace, u) for u in ctx.workspace.users]
    return {
        "members": members,
        "cache_ts": int(ctx.workspace.clock()),
        "response_metadata": {"next_cursor": ""},
    }


# ---- conversations -------------------------------------------------------------------------


@method("conversations.open")
def conversations_open(ctx: Context, p: Params) -> JSON:
    """conversations.open: the IM between the bot and one user."""
    ws = ctx.workspace
    if p.string("channel"):
        channel = ws.get_channel(p.require("channel"))
        return {"no_op": True, "already_open": True, "channel": _channel_ref(channel, p)}
    user_ids = [
        u.strip() for u in p.require("users", "users_list_not_supplied").split(",") if u.strip()
    ]
    user_ids = [u for u in user_ids if u != ws.bot.id]
    if len(user_ids) != 1:
        raise WorkspaceError("invalid_arguments", "[ERROR] this fake opens IMs with one user only")
    if user_ids[0] not in ws.users:
        raise WorkspaceError("user_not_found")
    existing = ws.im_of(user_ids[0])
    channel = ws.open_im(user_ids[0])
    body: JSON = {"channel": _channel_ref(channel, p)}
    if existing is not None:
        body.update({"no_op": True, "already_open": True})
    return body


def _channel_ref(channel: Channel, p: Params) -> JSON:
    return channel.to_slack() if p.flag("return_im") else {"id": channel.id}


@method("conversations.info")
def conversations_info(ctx: Context, p: Params) -> JSON:
    """conversations.info: one channel."""
    channel = ctx.workspace.get_channel(p.require("channel", "channel_not_found"))
    return {"channel": channel.to_slack(viewer=ctx.workspace.bot.id)}


@method("conversations.history")
def conversations_history(ctx: Context, p: Params) -> JSON:
    """conversations.history: top-level messages, newest first (no ephemerals, no replies)."""
    ws = ctx.workspace
    channel = ws.get_channel(p.require("channel", "channel_not_found"))
    limit = int(p.string("limit") or 100)
    top = [
        m for m in ws.messages[channel.id] if not m.is_ephemeral and (m.thread_ts in (None, m.ts))
    ]
    newest = list(reversed(top))
    return {
        "messages": [ws.message_to_slack(m) for m in newest[:limit]],
        "has_more": len(newest) > limit,
        "pin_count": 0,
        "response_metadata": {"next_cursor": ""},
    }


@method("conversations.replies")
def conversations_replies(ctx: Context, p: Params) -> JSON:
    """conversations.replies: a thread's parent and replies, oldest first."""
    ws = ctx.workspace
    channel = ws.get_channel(p.require("channel", "channel_not_found"))
    ts = p.require("ts", "thread_not_found")
    if ws.find_message(channel.id, ts) is None:
        raise WorkspaceError("thread_not_found")
    thread = [
        m
        for m in ws.messages[channel.id]
        if not m.is_ephemeral and (m.ts == ts or m.thread_ts == ts)
    ]
    return {
        "messages": [ws.message_to_slack(m) for m in thread],
        "has_more": False,
        "response_metadata": {"next_cursor": ""},
    }


# ---- chat ----------------------------------------------------------------------------------


def _content(p: Params) -> tuple[str | None, Any, Any]:
    text = p.string("text")
    blocks = p.json("blocks", error="invalid_blocks_format")
    attachments = p.json("attachments")
    return text, blocks, attachments


@method("chat.postMessage")
def chat_post_message(ctx: Context, p: Params) -> JSON:
    """chat.postMessage: post as the bot to a channel id, #name, name, or a user id (their IM)."""
    ws = ctx.workspace
    channel = ws.resolve_channel(p.require("channel", "channel_not_found"))
    text, blocks, attachments = _content(p)
    if not (text or blocks or attachments):
        raise WorkspaceError("no_text")
    if ws.bot.id not in channel.members:
        raise WorkspaceError("not_in_channel")
    message = ws.post_message(
        channel.id,
        user=ws.bot.id,
        text=text or "",
        blocks=blocks,
        attachments=attachments,
        thread_ts=p.string("thread_ts"),
        metadata=p.json("metadata"),
    )
    return {"channel": channel.id, "ts": message.ts, "message": ws.message_to_slack(message)}


@method("chat.postEphemeral")
def chat_post_ephemeral(ctx: Context, p: Params) -> JSON:
    """chat.postEphemeral: a message in a channel that only one member sees."""
    ws = ctx.workspace
    channel = ws.resolve_channel(p.require("channel", "channel_not_found"))
    user = ws.users.get(p.require("user", "user_not_found"))
    if user is None:
        raise WorkspaceError("user_not_found")
    if user.id not in channel.members:
        raise WorkspaceError("user_not_in_channel")
    text, blocks, attachments = _content(p)
    if not (text or blocks or attachments):
        raise WorkspaceError("no_text")
    message = ws.post_message(
        channel.id,
        user=ws.bot.id,
        text=text or "",
        blocks=blocks,
        attachments=attachments,
        thread_ts=p.string("thread_ts"),
        ephemeral_to=user.id,
    )
    return {"message_ts": message.ts}


def _own_message(ctx: Context, p: Params, error: str) -> tuple[Channel, str]:
    ws = ctx.workspace
    # chat.update and chat.delete take a channel id only, not a name.
    channel = ws.get_channel(p.require("channel", "channel_not_found"))
    ts = p.require("ts", "message_not_found")
    message = ws.get_message(channel.id, ts)
    if message.is_ephemeral:
        raise WorkspaceError("message_not_found")
    if message.user != ws.bot.id:
        raise WorkspaceError(error)
    return channel, ts


@method("chat.update")
def chat_update(ctx: Context, p: Params) -> JSON:
    """chat.update: edit one of the bot's messages in place."""
    ws = ctx.workspace
    channel, ts = _own_message(ctx, p, "cant_update_message")
    text, blocks, attachments = _content(p)
    if not (text or blocks or attachments):
        raise WorkspaceError("no_text")
    message = ws.update_message(
        channel.id,
        ts,
        text=text,
        blocks=blocks,
        attachments=attachments,
        metadata=p.json("metadata"),
    )
    return {
        "channel": channel.id,
        "ts": ts,
        "text": message.text,
        "message": ws.message_to_slack(message),
    }


@method("chat.delete")
def chat_delete(ctx: Context, p: Params) -> JSON:
    """chat.delete: remove one of the bot's messages."""
    channel, ts = _own_message(ctx, p, "cant_delete_message")
    ctx.workspace.delete_message(channel.id, ts)
    return {"channel": channel.id, "ts": ts}


@method("chat.getPermalink")
def chat_get_permalink(ctx: Context, p: Params) -> JSON:
    """chat.getPermalink: a link to a message, on this server so the browser page can open it."""
    ws = ctx.workspace
    channel = ws.get_channel(p.require("channel", "channel_not_found"))
    message = ws.get_message(channel.id, p.require("message_ts", "message_not_found"))
    link = f"{ctx.origin}/archives/{channel.id}/p{message.ts.replace('.', '')}"
    if message.thread_ts and message.thread_ts != message.ts:
        link += f"?thread_ts={message.thread_ts}&cid={channel.id}"
    return {"channel": channel.id, "permalink": link}


# ---- views ---------------------------------------------------------------------------------


def _trigger_user(ctx: Context, p: Params) -> str:
    trigger_id = p.string("trigger_id") or p.string("interactivity_pointer")
    if trigger_id is None:
        raise WorkspaceError("invalid_arguments", "[ERROR] missing required field: trigger_id")
    return ctx.workspace.exchange_trigger(trigger_id).user


@method("views.open")
def views_open(ctx: Context, p: Params) -> JSON:
    """views.open: open a modal for the user whose (fresh, unused) trigger_id this is."""
    view_payload = p.json("view")
    user_id = _trigger_user(ctx, p)
    view = ctx.workspace.open_modal(user_id, view_payload)
    return {"view": ctx.workspace.view_to_slack(view, untouched=False)}


@method("views.push")
def views_push(ctx: Context, p: Params) -> JSON:
    """views.push: push a modal on top of the user's open one."""
    view_payload = p.json("view")
    user_id = _trigger_user(ctx, p)
    view = ctx.workspace.push_modal(user_id, view_payload)
    return {"view": ctx.workspace.view_to_slack(view, untouched=False)}


@method("views.update")
def views_update(ctx: Context, p: Params) -> JSON:
    """views.update: replace a view by view_id or external_id, guarded by hash when given."""
    view = ctx.workspace.update_view(
        p.json("view"),
        view_id=p.string("view_id"),
        external_id=p.string("external_id"),
        hash=p.string("hash"),
    )
    return {"view": ctx.workspace.view_to_slack(view, untouched=False)}


@method("views.publish")
def views_publish(ctx: Context, p: Params) -> JSON:
    """views.publish: set a user's home tab."""
    user_id = p.require("user_id")
    if user_id not in ctx.workspace.users:
        raise WorkspaceError("user_not_found")
    view = ctx.workspace.publish_home(user_id, p.json("view"), hash=p.string("hash"))
    return {"view": ctx.workspace.view_to_slack(view, untouched=False)}


# ---- files ---------------------------------------------------------------------------------


@method("files.getUploadURLExternal")
def files_get_upload_url_external(ctx: Context, p: Params) -> JSON:
    """files.getUploadURLExternal: reserve a file id and an upload URL on this server."""
    filename = p.require("filename")
    try:
        length = int(p.require("length"))
    except ValueError:
        raise WorkspaceError("invalid_arguments", "[ERROR] length must be an integer") from None
    file = ctx.workspace.create_file(
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
    files = ctx.workspace.complete_upload(
        items,
        channel_ids=[c for c in channel_ids if c],
        initial_comment=p.string("initial_comment") or "",
        thread_ts=p.string("thread_ts"),
    )
    return {"files": [{"id": f.id, "title": f.title} for f in files]}


@method("files.info")
def files_info(ctx: Context, p: Params) -> JSON:
    """files.info: one file's metadata."""
    file = ctx.workspace.files.get(p.require("file", "file_not_found"))
    if file is None:
        raise WorkspaceError("file_not_found")
    return {"file": ctx.workspace.file_to_slack(file)}
