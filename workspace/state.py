"""The in-memory fake Slack workspace: one object the Web API, the sender and the browser share."""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping
from typing import Any

from .blockkit import BlockKitError, check_blocks
from .faults import Fault
from .model import (
    JSON,
    Call,
    Channel,
    File,
    Message,
    ResponseTarget,
    Team,
    Trigger,
    User,
    View,
    WorkspaceError,
)
from .render import Rendering

MAX_TEXT = 40_000

__all__ = [
    "Call",
    "Channel",
    "File",
    "Message",
    "Team",
    "Trigger",
    "User",
    "View",
    "Workspace",
    "WorkspaceError",
]


class Workspace(Rendering):
    """Users, channels, messages, views and files of one fake Slack team, and the calls made."""

    # Layers: core (data, ids, directory) < views (modals, home) < rendering (JSON) < this
    # class (messages, files, triggers, response URLs, the call log).

    # ---- messages ----------------------------------------------------------------------------

    def post_message(
        self,
        channel_id: str,
        *,
        user: str,
        text: str = "",
        blocks: Any = None,
        attachments: list[JSON] | None = None,
        thread_ts: str | None = None,
        files: Iterable[str] = (),
        ephemeral_to: str | None = None,
        metadata: JSON | None = None,
        client_msg_id: str | None = None,
    ) -> Message:
        """Store a message (checked like Slack checks it) and return it."""
        channel = self.get_channel(channel_id)
        if len(text) > MAX_TEXT:
            raise WorkspaceError("msg_too_long")
        checked = self._check_message_blocks(blocks)
        is_bot = user == self.bot.id
        message = Message(
            ts=self._next_ts(),
            channel=channel.id,
            user=user,
            text=text,
            blocks=checked,
            attachments=list(attachments or []),
            thread_ts=thread_ts or None,
            files=list(files),
            ephemeral_to=ephemeral_to,
            bot_id=self.bot_id if is_bot else None,
            app_id=self.app_id if is_bot else None,
            metadata=metadata,
            client_msg_id=client_msg_id,
        )
        parent = self.find_message(channel.id, thread_ts) if thread_ts else None
        if parent is not None and not message.is_ephemeral:
            parent.thread_ts = parent.ts
            parent.reply_count += 1
            parent.latest_reply = message.ts
            if user not in parent.reply_users:
                parent.reply_users.append(user)
        self.messages[channel.id].append(message)
        self.bump()
        return message

    def _check_message_blocks(self, blocks: Any) -> list[JSON]:
        if blocks is None:
            return []
        try:
            return check_blocks(blocks, surface="message", new_id=self._short_id)
        except BlockKitError as error:
            raise WorkspaceError("invalid_blocks", *error.messages) from None

    def update_message(
        self,
        channel_id: str,
        ts: str,
        *,
        text: str | None = None,
        blocks: Any = None,
        attachments: list[JSON] | None = None,
        metadata: JSON | None = None,
        editor: str | None = None,
    ) -> Message:
        """Edit a stored message the way chat.update (or a response_url) does."""
        message = self.get_message(channel_id, ts)
        if blocks is not None:
            message.blocks = self._check_message_blocks(blocks)
        elif text is not None:
            # chat.update with text only drops the old blocks, as Slack does.
            message.blocks = []
        if text is not None:
            message.text = text
        if attachments is not None:
            message.attachments = list(attachments)
        if metadata is not None:
            message.metadata = metadata
        message.edited = {"user": editor or message.user, "ts": self._next_ts()}
        self.bump()
        return message

    def delete_message(self, channel_id: str, ts: str) -> None:
        """Remove a message."""
        message = self.get_message(channel_id, ts)
        self.messages[channel_id].remove(message)
        self.bump()

    def find_message(self, channel_id: str, ts: str | None) -> Message | None:
        """The message with this ts in the channel, if any."""
        return next((m for m in self.messages.get(channel_id, []) if m.ts == ts), None)

    def get_message(self, channel_id: str, ts: str) -> Message:
        """Like find_message, raising channel_not_found / message_not_found."""
        self.get_channel(channel_id)
        message = self.find_message(channel_id, ts)
        if message is None:
            raise WorkspaceError("message_not_found")
        return message

    def message_by_ts(self, ts: str) -> Message:
        """The message with this ts in any channel (ts values are unique across the workspace)."""
        for messages in self.messages.values():
            for message in messages:
                if message.ts == ts:
                    return message
        raise WorkspaceError("message_not_found")

    def messages_in(self, channel_ref: str, *, viewer: str | None = None) -> list[Message]:
        """A channel's (or a user's IM's) messages, oldest first, as `viewer` sees them."""
        user = None if channel_ref in self.channels else self.find_user(channel_ref)
        channel = (
            self.im_of(user.id) if user and not user.is_bot else self.resolve_channel(channel_ref)
        )
        if channel is None:
            return []
        viewer_id = self.get_user(viewer).id if viewer else None
        return [
            m
            for m in self.messages[channel.id]
            if viewer_id is None or m.ephemeral_to in (None, viewer_id)
        ]

    def last_message(self, channel_ref: str, *, viewer: str | None = None) -> Message:
        """The newest message in a channel (a user ref means their IM with the bot)."""
        messages = self.messages_in(channel_ref, viewer=viewer)
        if not messages:
            raise WorkspaceError("message_not_found", f"no messages in {channel_ref}")
        return messages[-1]

    # ---- files -------------------------------------------------------------------------------

    def create_file(
        self,
        *,
        filename: str,
        length: int,
        alt_txt: str | None = None,
        snippet_type: str | None = None,
    ) -> File:
        """Reserve a file for an upload (files.getUploadURLExternal)."""
        file = File(
            id=self._next_id("F"),
            name=filename,
            title=filename,
            user=self.bot.id,
            created=int(self.clock()),
            length=length,
            alt_txt=alt_txt,
            snippet_type=snippet_type,
        )
        self.files[file.id] = file
        return file

    def store_upload(self, file_id: str, data: bytes) -> File:
        """Keep the bytes POSTed to a file's upload URL."""
        file = self.files.get(file_id)
        if file is None:
            raise WorkspaceError("file_not_found")
        file.data = data
        self.bump()
        return file

    def complete_upload(
        self,
        items: list[JSON],
        *,
        channel_ids: Iterable[str] = (),
        initial_comment: str = "",
        thread_ts: str | None = None,
    ) -> list[File]:
        """Finish uploads and share them with one message in each channel (or thread) given."""
        files: list[File] = []
        for item in items:
            file = self.files.get(str(item.get("id")))
            if file is None or not file.uploaded:
                raise WorkspaceError("file_not_found")
            if item.get("title"):
                file.title = str(item["title"])
            files.append(file)
        channels = [self.resolve_channel(ref) for ref in channel_ids]
        for channel in channels:
            for file in files:
                file.channels.append(channel.id)
            self.post_message(
                channel.id,
                user=self.bot.id,
                text=initial_comment,
                thread_ts=thread_ts,
                files=[f.id for f in files],
            )
        self.bump()
        return files

    # ---- triggers and response URLs ----------------------------------------------------------

    def issue_trigger(self, user_id: str) -> str:
        """A fresh trigger_id for an interaction by this user."""
        trigger_id = f"{int(self.clock())}.{self.team.id[1:]}.{secrets.token_hex(16)}"
        self.triggers[trigger_id] = Trigger(id=trigger_id, user=user_id, issued_at=self.clock())
        return trigger_id

    def exchange_trigger(self, trigger_id: str) -> Trigger:
        """Use a trigger_id once, within trigger_ttl seconds of the interaction."""
        parts = (trigger_id or "").split(".")
        if len(parts) != 3 or not all(parts):
            raise WorkspaceError("invalid_trigger_id")
        trigger = self.triggers.get(trigger_id)
        if trigger is None or self.clock() - trigger.issued_at >= self.trigger_ttl:
            raise WorkspaceError("expired_trigger_id")
        if trigger.exchanged:
            raise WorkspaceError("exchanged_trigger_id")
        trigger.exchanged = True
        return trigger

    def issue_response_url(self, target: ResponseTarget) -> str:
        """A response_url for an interaction, served by this fake at /_workspace/respond/."""
        token = secrets.token_urlsafe(12)
        self.response_targets[token] = target
        if self.server_url is None:
            return f"https://hooks.slack.com/actions/{self.team.id}/{token}"
        return f"{self.server_url}/_workspace/respond/{token}"

    def apply_response(self, target: ResponseTarget, body: Mapping[str, Any]) -> Message | None:
        """Do what a POST to a response_url asks: replace or delete the source, or post anew."""
        source = self.find_message(target.channel, target.message_ts) if target.message_ts else None
        if body.get("delete_original") and source is not None:
            self.delete_message(target.channel, source.ts)
            return None
        if body.get("replace_original") and source is not None:
            return self.update_message(
                target.channel,
                source.ts,
                text=str(body.get("text") or ""),
                blocks=body.get("blocks"),
                attachments=body.get("attachments"),
            )
        in_channel = body.get("response_type") == "in_channel"
        return self.post_message(
            target.channel,
            user=self.bot.id,
            text=str(body.get("text") or ""),
            blocks=body.get("blocks"),
            attachments=body.get("attachments"),
            thread_ts=body.get("thread_ts"),
            ephemeral_to=None if in_channel else target.user,
        )

    # ---- calls and faults --------------------------------------------------------------------

    def fail(
        self,
        *,
        method: str | None = None,
        times: int | None = None,
        status: int | None = None,
        error: str | None = None,
        retry_after: int | None = None,
        delay: float = 0.0,
        fraction: float | None = None,
        seed: int | None = 0,
        where: Mapping[str, Any] | None = None,
    ) -> Fault:
        """Fault the next matching calls with a status/error, a delay, or a seeded fraction."""
        # method None or "*" matches every call, including "upload" and "response_url"; `where`
        # narrows to calls with these params; without `times` a fault applies once, or forever
        # when it has a fraction. A delay-only fault lets the call through after sleeping.
        return self.faults.add(
            method=method,
            times=times,
            status=status,
            error=error,
            retry_after=retry_after,
            delay=delay,
            fraction=fraction,
            seed=seed,
            where=where,
        )

    def record_call(self, method: str, params: JSON) -> Call:
        """Log a Web API call as it arrives."""
        call = Call(method=method, params=params, time=self.clock())
        self.calls.append(call)
        return call

    def finish_call(
        self, call: Call, *, status: int, response: JSON, faulted: bool = False
    ) -> None:
        """Log how a call was answered, and wake anyone waiting for it."""
        call.status, call.response, call.faulted = status, response, faulted
        self.wake()

    def calls_to(self, method: str, *, ok: bool | None = None) -> list[Call]:
        """The calls to one method, optionally only the (un)successful ones."""
        return [c for c in self.calls if c.method == method and (ok is None or c.ok == ok)]

    async def wait_for_call(
        self, method: str, *, count: int = 1, ok: bool | None = None, timeout: float = 5.0
    ) -> Call:
        """Wait until `count` finished calls to `method` have arrived; return the last of them."""

        def enough() -> Call | None:
            done = [c for c in self.calls_to(method, ok=ok) if c.status is not None]
            return done[count - 1] if len(done) >= count else None

        return await self.wait_for(enough, timeout=timeout, what=f"{count} call(s) to {method}")
