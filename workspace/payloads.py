"""The request bodies Slack sends to an app, built from the workspace's state."""

from __future__ import annotations

from typing import Any

from . import render
from .model import APP_ID, JSON, Channel, Message, User, View
from .state import Workspace


def _base(ws: Workspace, kind: str, user: User, token: str) -> JSON:
    return {
        "type": kind,
        "user": user.ref(ws.team.id),
        "api_app_id": APP_ID,
        "token": token,
        "team": ws.team.ref(),
        "enterprise": None,
        "is_enterprise_install": False,
    }


def channel_name(channel: Channel) -> str:
    """The channel_name Slack reports: "directmessage" for an IM."""
    return "directmessage" if channel.is_im else channel.name


def slash_command(
    ws: Workspace,
    *,
    user: User,
    channel: Channel,
    command: str,
    text: str,
    token: str,
    trigger_id: str,
    response_url: str,
) -> dict[str, str]:
    """The form fields of a slash command request."""
    return {
        "token": token,
        "team_id": ws.team.id,
        "team_domain": ws.team.domain,
        "channel_id": channel.id,
        "channel_name": channel_name(channel),
        "user_id": user.id,
        "user_name": user.name,
        "command": command,
        "text": text,
        "api_app_id": APP_ID,
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": trigger_id,
    }


def message_container(message: Message) -> JSON:
    """The container of an interaction with a message."""
    container: JSON = {
        "type": "message",
        "message_ts": message.ts,
        "channel_id": message.channel,
        "is_ephemeral": message.is_ephemeral,
    }
    if message.thread_ts:
        container["thread_ts"] = message.thread_ts
    return container


def block_actions_on_message(
    ws: Workspace,
    *,
    user: User,
    message: Message,
    actions: list[JSON],
    state: dict[str, Any],
    token: str,
    trigger_id: str,
    response_url: str,
) -> JSON:
    """block_actions for a click in a message (Slack leaves `message` out for ephemerals)."""
    channel = ws.directory.channels[message.channel]
    payload = _base(ws, "block_actions", user, token)
    payload.update(
        {
            "container": message_container(message),
            "trigger_id": trigger_id,
            "channel": {"id": channel.id, "name": channel_name(channel)},
            "state": {"values": state},
            "response_url": response_url,
            "actions": actions,
        }
    )
    if not message.is_ephemeral:
        payload["message"] = render.message_to_slack(ws, message)
    return payload


def block_actions_on_view(
    ws: Workspace, *, user: User, view: View, actions: list[JSON], token: str, trigger_id: str
) -> JSON:
    """block_actions for a click in a modal or the home tab."""
    payload = _base(ws, "block_actions", user, token)
    payload.update(
        {
            "container": {"type": "view", "view_id": view.id},
            "trigger_id": trigger_id,
            "view": render.view_to_slack(ws, view),
            "actions": actions,
        }
    )
    return payload


def view_submission(ws: Workspace, *, user: User, view: View, token: str, trigger_id: str) -> JSON:
    """view_submission for a modal's submit button."""
    payload = _base(ws, "view_submission", user, token)
    payload.update(
        {"trigger_id": trigger_id, "view": render.view_to_slack(ws, view), "response_urls": []}
    )
    return payload


def view_closed(ws: Workspace, *, user: User, view: View, token: str, is_cleared: bool) -> JSON:
    """view_closed, sent when a person closes a modal opened with notify_on_close."""
    payload = _base(ws, "view_closed", user, token)
    payload.update({"view": render.view_to_slack(ws, view), "is_cleared": is_cleared})
    return payload


def block_suggestion(
    ws: Workspace,
    *,
    user: User,
    view: View | None,
    message: Message | None,
    block_id: str,
    action_id: str,
    value: str,
    token: str,
) -> JSON:
    """block_suggestion: an external_select asking the app for options matching `value`."""
    payload = _base(ws, "block_suggestion", user, token)
    payload.update({"action_id": action_id, "block_id": block_id, "value": value})
    if view is not None:
        payload["container"] = {"type": "view", "view_id": view.id}
        payload["view"] = render.view_to_slack(ws, view)
    elif message is not None:
        channel = ws.directory.channels[message.channel]
        payload["container"] = message_container(message)
        payload["channel"] = {"id": channel.id, "name": channel_name(channel)}
        payload["message"] = render.message_to_slack(ws, message)
    return payload


def event_callback(
    ws: Workspace, *, event: JSON, token: str, event_id: str, event_time: int
) -> JSON:
    """The Events API envelope around one event."""
    return {
        "token": token,
        "team_id": ws.team.id,
        "context_team_id": ws.team.id,
        "context_enterprise_id": None,
        "api_app_id": APP_ID,
        "event": event,
        "type": "event_callback",
        "event_id": event_id,
        "event_time": event_time,
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": ws.team.id,
                "user_id": ws.directory.bot.id,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
        "event_context": f"4-{event_id}",
    }


def app_home_opened(
    ws: Workspace, *, user: User, channel: Channel, tab: str, event_ts: str
) -> JSON:
    """The app_home_opened event (with the current home view when there is one)."""
    event: JSON = {
        "type": "app_home_opened",
        "user": user.id,
        "channel": channel.id,
        "tab": tab,
        "event_ts": event_ts,
    }
    home = ws.views.home_view(user.id)
    if home is not None and tab == "home":
        event["view"] = render.view_to_slack(ws, home)
    return event


def message_im(ws: Workspace, *, message: Message) -> JSON:
    """The message event of a person writing in their IM with the bot (message.im)."""
    event: JSON = {
        "type": "message",
        "channel": message.channel,
        "user": message.user,
        "text": message.text,
        "ts": message.ts,
        "event_ts": message.ts,
        "channel_type": "im",
        "team": ws.team.id,
        "client_msg_id": message.client_msg_id,
        "blocks": message.blocks,
    }
    if message.thread_ts:
        event["thread_ts"] = message.thread_ts
    return event


def rich_text_blocks(text: str, block_id: str) -> list[JSON]:
    """The rich_text block Slack's client attaches to a typed message."""
    section = {"type": "rich_text_section", "elements": [{"type": "text", "text": text}]}
    return [{"type": "rich_text", "block_id": block_id, "elements": [section]}]


def url_verification(*, token: str, challenge: str) -> JSON:
    """The url_verification handshake Slack sends when the request URL is saved."""
    return {"token": token, "challenge": challenge, "type": "url_verification"}
