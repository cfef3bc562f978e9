"""The people and channels of the fake workspace, and each person's IM with the bot."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .changes import ChangeFeed
from .ids import Ids
from .model import Channel, User, WorkspaceError


class Directory:
    """The users (the bot among them) and the channels, found by id, name or email."""

    def __init__(self, *, ids: Ids, feed: ChangeFeed) -> None:
        self._ids = ids
        self._feed = feed
        self.clear()

    def clear(self) -> None:
        """Nobody but the bot, and no channels."""
        self.bot = User(id="U0BOT", name="procurebot", real_name="Procurebot", is_bot=True)
        self.users: dict[str, User] = {self.bot.id: self.bot}
        self.channels: dict[str, Channel] = {}

    def add_user(self, *, name: str, id: str | None = None, **fields: Any) -> User:
        """Add a person; the id is U0001, U0002, ... unless given."""
        user = User(id=id or self._ids.next_id("U"), name=name, **fields)
        if user.id in self.users:
            raise ValueError(f"duplicate user id {user.id}")
        self.users[user.id] = user
        self._feed.bump()
        return user

    def add_channel(
        self,
        *,
        name: str,
        id: str | None = None,
        members: Iterable[str] | None = None,
        bot_member: bool = True,
        **fields: Any,
    ) -> Channel:
        """Add a public channel: members are user refs (default everyone); the bot joins too."""
        name = name.removeprefix("#")
        if members is None:
            member_ids = [u.id for u in self.users.values() if not u.is_bot]
        else:
            member_ids = [self.get_user(ref).id for ref in members]
        if bot_member and self.bot.id not in member_ids:
            member_ids.append(self.bot.id)
        channel = Channel(
            id=id or self._ids.next_id("C"),
            name=name,
            created=int(self._ids.clock()),
            members=member_ids,
            **fields,
        )
        self.channels[channel.id] = channel
        self._feed.bump()
        return channel

    def find_user(self, ref: str) -> User | None:
        """The user with this id, email or name (email and name ignore case)."""
        if ref in self.users:
            return self.users[ref]
        folded = ref.removeprefix("@").casefold()
        for user in self.users.values():
            if folded in {(user.email or "").casefold(), user.name.casefold()}:
                return user
        return None

    def get_user(self, ref: str) -> User:
        """Like find_user, raising user_not_found."""
        user = self.find_user(ref)
        if user is None:
            raise WorkspaceError("user_not_found")
        return user

    def get_channel(self, channel_id: str) -> Channel:
        """The channel with this id, raising channel_not_found."""
        channel = self.channels.get(channel_id)
        if channel is None:
            raise WorkspaceError("channel_not_found")
        return channel

    def resolve_channel(self, ref: str) -> Channel:
        """A channel by id, "#name" or "name"; a user id means that user's IM with the bot."""
        ref = (ref or "").strip()
        if ref in self.channels:
            return self.channels[ref]
        user = self.users.get(ref)
        if user is not None and not user.is_bot:
            return self.open_im(user.id)
        name = ref.removeprefix("#")
        for channel in self.channels.values():
            if not channel.is_im and channel.name == name:
                return channel
        raise WorkspaceError("channel_not_found")

    def im_of(self, user_ref: str) -> Channel | None:
        """The user's IM with the bot, if it exists."""
        user = self.get_user(user_ref)
        return next((c for c in self.channels.values() if c.is_im and c.user == user.id), None)

    def open_im(self, user_id: str) -> Channel:
        """The user's IM with the bot, created on first use (conversations.open)."""
        existing = self.im_of(user_id)
        if existing is not None:
            return existing
        user = self.get_user(user_id)
        channel = Channel(
            id=self._ids.next_id("D"),
            name=user.id,
            created=int(self._ids.clock()),
            is_im=True,
            user=user.id,
            members=[user.id, self.bot.id],
        )
        self.channels[channel.id] = channel
        self._feed.bump()
        return channel

    def visible_channels(self, user_id: str) -> list[Channel]:
        """The channels a user sees: public ones they belong to, and their IM with the bot."""
        return [
            c
            for c in self.channels.values()
            if (c.is_im and c.user == user_id) or (not c.is_im and user_id in c.members)
        ]
