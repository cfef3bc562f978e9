"""The messages of the fake workspace: posted, edited, deleted, threaded, and answered to."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from .blockkit import BlockKitError, check_blocks
from .changes import ChangeFeed
from .directory import Directory
from .ids import Ids
from .model import APP_ID, BOT_ID, JSON, Message, ResponseTarget, WorkspaceError

MAX_TEXT = 40_000


class MessageStore:
    """Every channel's messages, oldest first, checked as Slack checks them."""

    def __init__(self, *, directory: Directory, ids: Ids, feed: ChangeFeed) -> None:
        self._directory = directory
        self._ids = ids
        self._feed = feed
        self.clear()

    def clear(self) -> None:
        """No messages anywhere."""
        self._by_channel: dict[str, list[Message]] = {}

    def post(
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
        channel = self._directory.get_channel(channel_id)
        if len(text) > MAX_TEXT:
            raise WorkspaceError("msg_too_long")
        checked = self._check_blocks(blocks)
        is_bot = user == self._directory.bot.id
        message = Message(
            ts=self._ids.next_ts(),
            channel=channel.id,
            user=user,
            text=text,
            blocks=checked,
            attachments=list(attachments or []),
            thread_ts=thread_ts or None,
            files=list(files),
            ephemeral_to=ephemeral_to,
            bot_id=BOT_ID if is_bot else None,
            app_id=APP_ID if is_bot else None,
            metadata=metadata,
            client_msg_id=client_msg_id,
        )
        parent = self.find(channel.id, thread_ts) if thread_ts else None
        if parent is not None and not message.is_ephemeral:
            parent.thread_ts = parent.ts
            parent.reply_count += 1
            parent.latest_reply = message.ts
            if user not in parent.reply_users:
                parent.reply_users.append(user)
        self._by_channel.setdefault(channel.id, []).append(message)
        self._feed.bump()
        return message

    def _check_blocks(self, blocks: Any) -> list[JSON]:
        if blocks is None:
            return []
        try:
            return check_blocks(blocks, surface="message", new_id=self._ids.short_id)
        except BlockKitError as error:
            raise WorkspaceError("invalid_blocks", *error.messages) from None

    def update(
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
        message = self.get(channel_id, ts)
        if blocks is not None:
            message.blocks = self._check_blocks(blocks)
        elif text is not None:
            # chat.update with text only drops the old blocks, as Slack does.
            message.blocks = []
        if text is not None:
            message.text = text
        if attachments is not None:
            message.attachments = list(attachments)
        if metadata is not None:
            message.metadata = metadata
        message.edited = {"user": editor or message.user, "ts": self._ids.next_ts()}
        self._feed.bump()
        return message

    def delete(self, channel_id: str, ts: str) -> None:
        """Remove a message."""
        message = self.get(channel_id, ts)
        self._by_channel[channel_id].remove(message)
        self._feed.bump()

    def of(self, channel_id: str) -> list[Message]:
        """Every message of a channel, oldest first, ephemeral ones included."""
        return self._by_channel.get(channel_id, [])

    def find(self, channel_id: str, ts: str | None) -> Message | None:
        """The message with this ts in the channel, if any."""
        return next((m for m in self.of(channel_id) if m.ts == ts), None)

    def get(self, channel_id: str, ts: str) -> Message:
        """Like find, raising channel_not_found / message_not_found."""
        self._directory.get_channel(channel_id)
        message = self.find(channel_id, ts)
        if message is None:
            raise WorkspaceError("message_not_found")
        return message

    def by_ts(self, ts: str) -> Message:
        """The message with this ts in any channel (ts values are unique across the workspace)."""
        for messages in self._by_channel.values():
            for message in messages:
                if message.ts == ts:
                    return message
        raise WorkspaceError("message_not_found")

    def visible_in(self, channel_ref: str, *, viewer: str | None = None) -> list[Message]:
        """A channel's (or a user's IM's) messages, oldest first, as `viewer` sees them."""
        directory = self._directory
        user = None if channel_ref in directory.channels else directory.find_user(channel_ref)
        channel = (
            directory.im_of(user.id)
            if user and not user.is_bot
            else directory.resolve_channel(channel_ref)
        )
        if channel is None:
            return []
        viewer_id = directory.get_user(viewer).id if viewer else None
        return [m for m in self.of(channel.id) if m.visible_to(viewer_id)]

    def last(self, channel_ref: str, *, viewer: str | None = None) -> Message:
        """The newest message in a channel (a user ref means their IM with the bot)."""
        messages = self.visible_in(channel_ref, viewer=viewer)
        if not messages:
            raise WorkspaceError("message_not_found", f"no messages in {channel_ref}")
        return messages[-1]

    def apply_response(self, target: ResponseTarget, body: Mapping[str, Any]) -> Message | None:
        """Do what a POST to a response_url asks: replace or delete the source, or post anew."""
        source = self.find(target.channel, target.message_ts) if target.message_ts else None
        if body.get("delete_original") and source is not None:
            self.delete(target.channel, source.ts)
            return None
        if body.get("replace_original") and source is not None:
            return self.update(
                target.channel,
                source.ts,
                text=str(body.get("text") or ""),
                blocks=body.get("blocks"),
                attachments=body.get("attachments"),
            )
        in_channel = body.get("response_type") == "in_channel"
        return self.post(
            target.channel,
            user=self._directory.bot.id,
            text=str(body.get("text") or ""),
            blocks=body.get("blocks"),
            attachments=body.get("attachments"),
            thread_ts=body.get("thread_ts"),
            ephemeral_to=None if in_channel else target.user,
        )
