"""The core of the fake workspace: its data, ids and clock, and the people and channels in it."""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Self

from .changes import ChangeFeed
from .faults import FaultPlan
from .model import (
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

UserSpec = User | Mapping[str, Any]
ChannelSpec = str | Mapping[str, Any]


class WorkspaceCore(ChangeFeed):
    """All the workspace's data, its ids and time, and the user and channel directory."""

    app_id = "A0001"
    bot_id = "B0BOT"

    def __init__(
        self,
        *,
        team: Team | None = None,
        clock: Callable[[], float] = time.time,
        trigger_ttl: float = 3.0,
    ) -> None:
        super().__init__()
        self.team = team or Team()
        self.clock = clock
        self.trigger_ttl = trigger_ttl
        self.server_url: str | None = None  # set once served, for upload and response URLs
        self.faults = FaultPlan()
        self.calls: list[Call] = []
        self._seed_users: list[UserSpec] = []
        self._seed_channels: list[ChannelSpec] = []
        self._clear()

    def _clear(self) -> None:
        self.bot = User(id="U0BOT", name="procurebot", real_name="Procurebot", is_bot=True)
        self.users: dict[str, User] = {self.bot.id: self.bot}
        self.channels: dict[str, Channel] = {}
        self.messages: dict[str, list[Message]] = {}
        self.views: dict[str, View] = {}
        self.modal_stacks: dict[str, list[str]] = {}
        self.home_views: dict[str, str] = {}
        self.files: dict[str, File] = {}
        self.triggers: dict[str, Trigger] = {}
        self.response_targets: dict[str, ResponseTarget] = {}
        self._counters: dict[str, int] = {}
        self._last_ts_us = 0

    # ---- setup -------------------------------------------------------------------------------

    @classmethod
    def seed(
        cls,
        *,
        users: Iterable[UserSpec] = (),
        channels: Iterable[ChannelSpec] = (),
        **options: Any,
    ) -> Self:
        """A workspace with these users (dicts or User) and public channels (names or dicts)."""
        workspace = cls(**options)
        workspace._seed_users = list(users)
        workspace._seed_channels = list(channels)
        workspace._apply_seed()
        return workspace

    def _apply_seed(self) -> None:
        for spec in self._seed_users:
            self.add_user(**(spec.to_json() if isinstance(spec, User) else dict(spec)))
        for channel in self._seed_channels:
            self.add_channel(**({"name": channel} if isinstance(channel, str) else dict(channel)))

    def reset(self) -> None:
        """Back to the seeded users and channels: no messages, views, files, calls or faults."""
        self._clear()
        self.calls.clear()
        self.faults.clear()
        self._apply_seed()
        self.bump()

    def add_user(self, *, name: str, id: str | None = None, **fields: Any) -> User:
        """Add a person; the id is U0001, U0002, ... unless given."""
        user = User(id=id or self._next_id("U"), name=name, **fields)
        if user.id in self.users:
            raise ValueError(f"duplicate user id {user.id}")
        self.users[user.id] = user
        self.bump()
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
            id=id or self._next_id("C"),
            name=name,
            created=int(self.clock()),
            members=member_ids,
            **fields,
        )
        self.channels[channel.id] = channel
        self.messages[channel.id] = []
        self.bump()
        return channel

    # ---- ids and time ------------------------------------------------------------------------

    def _next_id(self, prefix: str) -> str:
        self._counters[prefix] = self._counters.get(prefix, 0) + 1
        return f"{prefix}{self._counters[prefix]:04d}"

    def _next_ts(self) -> str:
        # Slack ts values are unique and increasing; micro-second steps keep that under bursts.
        micros = max(int(self.clock() * 1_000_000), self._last_ts_us + 1)
        self._last_ts_us = micros
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"

    def _short_id(self) -> str:
        # Deterministic stand-in for the random block/action ids Slack invents.
        self._counters["short"] = self._counters.get("short", 0) + 1
        return hashlib.sha1(str(self._counters["short"]).encode()).hexdigest()[:5]

    def _view_hash(self) -> str:
        return f"{int(self.clock())}.{secrets.token_hex(4)}"

    # ---- users and channels ------------------------------------------------------------------

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
            id=self._next_id("D"),
            name=user.id,
            created=int(self.clock()),
            is_im=True,
            user=user.id,
            members=[user.id, self.bot.id],
        )
        self.channels[channel.id] = channel
        self.messages[channel.id] = []
        self.bump()
        return channel

    def visible_channels(self, user_id: str) -> list[Channel]:
        """The channels a user sees: public ones they belong to, and their IM with the bot."""
        return [
            c
            for c in self.channels.values()
            if (c.is_im and c.user == user_id) or (not c.is_im and user_id in c.members)
        ]
