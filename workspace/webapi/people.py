"""auth.test, users.* and conversations.*: who is in the workspace and where they talk."""

from __future__ import annotations

from .. import render
from ..model import APP_ID, BOT_ID, JSON, Channel, WorkspaceError
from ..state import Workspace
from .base import Context, Params, method

# ---- auth and users ------------------------------------------------------------------------


@method("auth.test")
def auth_test(ctx: Context, p: Params) -> JSON:
    """auth.test: who the token belongs to (the bot)."""
    ws = ctx.workspace
    return {
        "url": f"https://{ws.team.domain}.slack.com/",
        "team": ws.team.name,
        "user": ws.directory.bot.name,
        "team_id": ws.team.id,
        "user_id": ws.directory.bot.id,
        "bot_id": BOT_ID,
        "is_enterprise_install": False,
    }


def _user_json(ws: Workspace, user_id: str, *, locale: bool = False) -> JSON:
    user = ws.directory.users[user_id]
    body = user.to_slack(team_id=ws.team.id, bot_id=BOT_ID, app_id=APP_ID)
    if locale:
        body["locale"] = "en-US"
    return body


@method("users.info")
def users_info(ctx: Context, p: Params) -> JSON:
    """users.info: a user by id."""
    user = ctx.workspace.directory.users.get(p.require("user", "user_not_found"))
    if user is None:
        raise WorkspaceError("user_not_found")
    return {"user": _user_json(ctx.workspace, user.id, locale=p.flag("include_locale"))}


@method("users.lookupByEmail")
def users_lookup_by_email(ctx: Context, p: Params) -> JSON:
    """users.lookupByEmail: a user by email, ignoring case."""
    email = p.require("email", "users_not_found").casefold()
    for user in ctx.workspace.directory.users.values():
        if user.email and user.email.casefold() == email:
            return {"user": _user_json(ctx.workspace, user.id)}
    raise WorkspaceError("users_not_found")


@method("users.list")
def users_list(ctx: Context, p: Params) -> JSON:
    """users.list: everyone, in one page."""
    members = [_user_json(ctx.workspace, u) for u in ctx.workspace.directory.users]
    return {
        "members": members,
        "cache_ts": int(ctx.workspace.ids.clock()),
        "response_metadata": {"next_cursor": ""},
    }


# ---- conversations -------------------------------------------------------------------------


@method("conversations.open")
def conversations_open(ctx: Context, p: Params) -> JSON:
    """conversations.open: the IM between the bot and one user."""
    ws = ctx.workspace
    if p.string("channel"):
        channel = ws.directory.get_channel(p.require("channel"))
        return {"no_op": True, "already_open": True, "channel": _channel_ref(channel, p)}
    user_ids = [
        u.strip() for u in p.require("users", "users_list_not_supplied").split(",") if u.strip()
    ]
    user_ids = [u for u in user_ids if u != ws.directory.bot.id]
    if len(user_ids) != 1:
        raise WorkspaceError("invalid_arguments", "[ERROR] this fake opens IMs with one user only")
    if user_ids[0] not in ws.directory.users:
        raise WorkspaceError("user_not_found")
    existing = ws.directory.im_of(user_ids[0])
    channel = ws.directory.open_im(user_ids[0])
    body: JSON = {"channel": _channel_ref(channel, p)}
    if existing is not None:
        body.update({"no_op": True, "already_open": True})
    return body


def _channel_ref(channel: Channel, p: Params) -> JSON:
    return channel.to_slack() if p.flag("return_im") else {"id": channel.id}


@method("conversations.info")
def conversations_info(ctx: Context, p: Params) -> JSON:
    """conversations.info: one channel."""
    channel = ctx.workspace.directory.get_channel(p.require("channel", "channel_not_found"))
    return {"channel": channel.to_slack(viewer=ctx.workspace.directory.bot.id)}


@method("conversations.history")
def conversations_history(ctx: Context, p: Params) -> JSON:
    """conversations.history: top-level messages, newest first (no ephemerals, no replies)."""
    ws = ctx.workspace
    channel = ws.directory.get_channel(p.require("channel", "channel_not_found"))
    limit = int(p.string("limit") or 100)
    top = [
        m
        for m in ws.messages.of(channel.id)
        if not m.is_ephemeral and (m.thread_ts in (None, m.ts))
    ]
    newest = list(reversed(top))
    return {
        "messages": [render.message_to_slack(ws, m) for m in newest[:limit]],
        "has_more": len(newest) > limit,
        "pin_count": 0,
        "response_metadata": {"next_cursor": ""},
    }


@method("conversations.replies")
def conversations_replies(ctx: Context, p: Params) -> JSON:
    """conversations.replies: a thread's parent and replies, oldest first."""
    ws = ctx.workspace
    channel = ws.directory.get_channel(p.require("channel", "channel_not_found"))
    ts = p.require("ts", "thread_not_found")
    if ws.messages.find(channel.id, ts) is None:
        raise WorkspaceError("thread_not_found")
    thread = [
        m
        for m in ws.messages.of(channel.id)
        if not m.is_ephemeral and (m.ts == ts or m.thread_ts == ts)
    ]
    return {
        "messages": [render.message_to_slack(ws, m) for m in thread],
        "has_more": False,
        "response_metadata": {"next_cursor": ""},
    }
