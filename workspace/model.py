"""The records of the fake workspace: users, channels, messages, views, files, calls."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

JSON = dict[str, Any]
# The app's and its bot's ids, as Slack reports them in messages, views and auth.test.
APP_ID = "A0001"
BOT_ID = "B0BOT"


class WorkspaceError(Exception):
    """A Slack API error: `error` is the code in {"ok": false, "error": ...}."""

    def __init__(self, error: str, *messages: str) -> None:
        super().__init__(f"{error}: {'; '.join(messages)}" if messages else error)
        self.error = error
        self.messages = list(messages)

    def to_json(self) -> JSON:
        """The body Slack answers with."""
        body: JSON = {"ok": False, "error": self.error}
        if self.messages:
            body["response_metadata"] = {"messages": self.messages}
        return body


@dataclass(frozen=True)
class Team:
    """The one workspace (team) everything lives in."""

    id: str = "T0001"
    name: str = "Procurebot Demo"
    domain: str = "procurebot-demo"

    def ref(self) -> JSON:
        """The {"id", "domain"} object interaction payloads carry."""
        return {"id": self.id, "domain": self.domain}


@dataclass
class User:
    """A person (or the bot) in the workspace."""

    id: str
    name: str
    real_name: str = ""
    email: str | None = None
    tz: str = "UTC"
    is_bot: bool = False
    is_admin: bool = False
    title: str = ""
    deleted: bool = False

    def to_slack(
        self, *, team_id: str, bot_id: str | None = None, app_id: str | None = None
    ) -> JSON:
        """The user object of users.info / users.lookupByEmail."""
        now = dt.datetime.now(ZoneInfo(self.tz))
        offset = now.utcoffset() or dt.timedelta()
        real_name = self.real_name or self.name
        first, _, last = real_name.partition(" ")
        profile: JSON = {
            "real_name": real_name,
            "real_name_normalized": real_name,
            "display_name": self.name,
            "display_name_normalized": self.name,
            "first_name": first,
            "last_name": last,
            "title": self.title,
            "team": team_id,
            "image_48": "",
        }
        if self.email:
            profile["email"] = self.email
        if self.is_bot:
            profile.update({"bot_id": bot_id, "api_app_id": app_id, "always_active": True})
        return {
            "id": self.id,
            "team_id": team_id,
            "name": self.name,
            "deleted": self.deleted,
            "color": "9f69e7",
            "real_name": real_name,
            "tz": self.tz,
            "tz_label": now.tzname(),
            "tz_offset": int(offset.total_seconds()),
            "profile": profile,
            "is_admin": self.is_admin,
            "is_owner": False,
            "is_primary_owner": False,
            "is_restricted": False,
            "is_ultra_restricted": False,
            "is_bot": self.is_bot,
            "is_app_user": False,
            "updated": 1700000000,
            "is_email_confirmed": bool(self.email),
        }

    def ref(self, team_id: str) -> JSON:
        """The {"id", "username", "name", "team_id"} object interaction payloads carry."""
        return {"id": self.id, "username": self.name, "name": self.name, "team_id": team_id}

    def to_json(self) -> JSON:
        """A JSON view for the browser."""
        return asdict(self)


@dataclass
class Channel:
    """A public channel, or the IM between one user and the bot."""

    id: str
    name: str
    created: int
    is_im: bool = False
    user: str | None = None  # the person in an IM with the bot
    members: list[str] = field(default_factory=list)
    is_private: bool = False
    topic: str = ""

    def to_slack(self, *, viewer: str | None = None) -> JSON:
        """The conversation object of conversations.info / conversations.open."""
        if self.is_im:
            return {
                "id": self.id,
                "created": self.created,
                "is_im": True,
                "is_org_shared": False,
                "user": self.user,
                "is_user_deleted": False,
                "priority": 0,
            }
        return {
            "id": self.id,
            "name": self.name,
            "name_normalized": self.name,
            "created": self.created,
            "is_channel": not self.is_private,
            "is_group": self.is_private,
            "is_im": False,
            "is_mpim": False,
            "is_private": self.is_private,
            "is_archived": False,
            "is_general": False,
            "is_member": viewer in self.members if viewer else False,
            "topic": {"value": self.topic, "creator": "", "last_set": 0},
            "purpose": {"value": "", "creator": "", "last_set": 0},
            "num_members": len(self.members),
        }

    def to_json(self) -> JSON:
        """A JSON view for the browser."""
        return asdict(self)


@dataclass
class Message:
    """A message in a channel; `ephemeral_to` makes it visible to that one user only."""

    ts: str
    channel: str
    user: str
    text: str = ""
    blocks: list[JSON] = field(default_factory=list)
    attachments: list[JSON] = field(default_factory=list)
    thread_ts: str | None = None
    files: list[str] = field(default_factory=list)
    ephemeral_to: str | None = None
    bot_id: str | None = None
    app_id: str | None = None
    edited: JSON | None = None
    metadata: JSON | None = None
    reply_count: int = 0
    reply_users: list[str] = field(default_factory=list)
    latest_reply: str | None = None
    client_msg_id: str | None = None

    @property
    def is_ephemeral(self) -> bool:
        """Whether only one user sees this message."""
        return self.ephemeral_to is not None

    def visible_to(self, user_id: str | None) -> bool:
        """Whether this user sees the message (None: someone looking at everything)."""
        return user_id is None or self.ephemeral_to in (None, user_id)


@dataclass
class View:
    """A modal or a home tab as Slack keeps it for one user."""

    id: str
    user: str
    type: str
    blocks: list[JSON]
    hash: str
    title: JSON | None = None
    submit: JSON | None = None
    close: JSON | None = None
    callback_id: str = ""
    private_metadata: str = ""
    external_id: str = ""
    clear_on_close: bool = False
    notify_on_close: bool = False
    submit_disabled: bool = False
    root_view_id: str | None = None
    previous_view_id: str | None = None
    # What the person typed or picked: block_id -> action_id -> state entry.
    edits: dict[str, dict[str, JSON]] = field(default_factory=dict)
    # From a response_action=errors ack; Slack shows them under the inputs.
    errors: dict[str, str] = field(default_factory=dict)
    closed: bool = False


@dataclass
class File:
    """A file uploaded through files.getUploadURLExternal and the upload URL."""

    id: str
    name: str
    user: str
    created: int
    length: int
    title: str = ""
    alt_txt: str | None = None
    snippet_type: str | None = None
    data: bytes | None = None
    channels: list[str] = field(default_factory=list)

    @property
    def uploaded(self) -> bool:
        """Whether the bytes have arrived at the upload URL."""
        return self.data is not None


@dataclass
class Trigger:
    """A trigger_id handed to the bot with an interaction; views.open may exchange it once."""

    id: str
    user: str
    issued_at: float
    exchanged: bool = False


@dataclass
class ResponseTarget:
    """Where a response_url posts: the channel and, for a message action, the source message."""

    user: str
    channel: str
    message_ts: str | None = None


@dataclass
class Call:
    """One request the bot made to the fake Slack API, in arrival order."""

    method: str
    params: JSON
    time: float
    status: int | None = None
    response: JSON | None = None
    faulted: bool = False

    @property
    def ok(self) -> bool:
        """Whether Slack answered {"ok": true}."""
        return bool(self.status == 200 and self.response and self.response.get("ok"))

    @property
    def error(self) -> str | None:
        """The Slack error code, if the call failed."""
        return None if self.response is None else self.response.get("error")

    def to_json(self) -> JSON:
        """A JSON view for the control API."""
        return {
            "method": self.method,
            "params": self.params,
            "time": self.time,
            "status": self.status,
            "ok": self.ok,
            "error": self.error,
            "faulted": self.faulted,
        }
