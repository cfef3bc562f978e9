"""chat.*: posting, editing and deleting the bot's messages, and links to them."""

from __future__ import annotations

from typing import Any

from .. import render
from ..model import JSON, Channel, WorkspaceError
from .base import Context, Params, method


def _content(p: Params) -> tuple[str | None, Any, Any]:
    text = p.string("text")
    blocks = p.json("blocks", error="invalid_blocks_format")
    attachments = p.json("attachments")
    return text, blocks, attachments


@method("chat.postMessage")
def chat_post_message(ctx: Context, p: Params) -> JSON:
    """chat.postMessage: post as the bot to a channel id, #name, name, or a user id (their IM)."""
    ws = ctx.workspace
    channel = ws.directory.resolve_channel(p.require("channel", "channel_not_found"))
    text, blocks, attachments = _content(p)
    if not (text or blocks or attachments):
        raise WorkspaceError("no_text")
    if ws.directory.bot.id not in channel.members:
        raise WorkspaceError("not_in_channel")
    message = ws.messages.post(
        channel.id,
        user=ws.directory.bot.id,
        text=text or "",
        blocks=blocks,
        attachments=attachments,
        thread_ts=p.string("thread_ts"),
        metadata=p.json("metadata"),
    )
    return {
        "channel": channel.id,
        "ts": message.ts,
        "message": render.message_to_slack(ws, message),
    }


@method("chat.postEphemeral")
def chat_post_ephemeral(ctx: Context, p: Params) -> JSON:
    """chat.postEphemeral: a message in a channel that only one member sees."""
    ws = ctx.workspace
    channel = ws.directory.resolve_channel(p.require("channel", "channel_not_found"))
    user = ws.directory.users.get(p.require("user", "user_not_found"))
    if user is None:
        raise WorkspaceError("user_not_found")
    if user.id not in channel.members:
        raise WorkspaceError("user_not_in_channel")
    text, blocks, attachments = _content(p)
    if not (text or blocks or attachments):
        raise WorkspaceError("no_text")
    message = ws.messages.post(
        channel.id,
        user=ws.directory.bot.id,
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
    channel = ws.directory.get_channel(p.require("channel", "channel_not_found"))
    ts = p.require("ts", "message_not_found")
    message = ws.messages.get(channel.id, ts)
    if message.is_ephemeral:
        raise WorkspaceError("message_not_found")
    if message.user != ws.directory.bot.id:
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
    message = ws.messages.update(
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
        "message": render.message_to_slack(ws, message),
    }


@method("chat.delete")
def chat_delete(ctx: Context, p: Params) -> JSON:
    """chat.delete: remove one of the bot's messages."""
    channel, ts = _own_message(ctx, p, "cant_delete_message")
    ctx.workspace.messages.delete(channel.id, ts)
    return {"channel": channel.id, "ts": ts}


@method("chat.getPermalink")
def chat_get_permalink(ctx: Context, p: Params) -> JSON:
    """chat.getPermalink: a link to a message, on this server so the browser page can open it."""
    ws = ctx.workspace
    channel = ws.directory.get_channel(p.require("channel", "channel_not_found"))
    message = ws.messages.get(channel.id, p.require("message_ts", "message_not_found"))
    link = f"{ctx.origin}/archives/{channel.id}/p{message.ts.replace('.', '')}"
    if message.thread_ts and message.thread_ts != message.ts:
        link += f"?thread_ts={message.thread_ts}&cid={channel.id}"
    return {"channel": channel.id, "permalink": link}
