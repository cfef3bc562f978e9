"""The in-memory fake Slack workspace: one object the Web API, the sender and the browser share."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Self, TypeVar

from .calls import CallLog
from .changes import ChangeFeed
from .directory import Directory
from .faults import Fault, FaultPlan
from .files import FileStore
from .ids import Ids
from .interactions import Interactions
from .messages import MessageStore
from .model import Call, Channel, File, Message, Team, User, View
from .views import ViewStore

T = TypeVar("T")
UserSpec = User | Mapping[str, Any]
ChannelSpec = str | Mapping[str, Any]


class Workspace:
    """One fake Slack team, made of small parts that share its ids, clock and change feed.

    `directory` (users, channels, IMs), `messages`, `views` (modals, home tabs), `uploads`
    (files), `interactions` (trigger_ids, response URLs), `call_log`, `faults` and `feed`.
    The methods below are the shortcuts tests use most; everything else is on the parts.
    """

    def __init__(
        self,
        *,
        team: Team | None = None,
        clock: Callable[[], float] = time.time,
        trigger_ttl: float = 3.0,
    ) -> None:
        self.team = team or Team()
        self.server_url: str | None = None  # set once served, for upload and response URLs
        self.feed = ChangeFeed()
        self.ids = Ids(clock)
        self.directory = Directory(ids=self.ids, feed=self.feed)
        self.messages = MessageStore(directory=self.directory, ids=self.ids, feed=self.feed)
        self.uploads = FileStore(
            directory=self.directory, messages=self.messages, ids=self.ids, feed=self.feed
        )
        self.views = ViewStore(directory=self.directory, ids=self.ids, feed=self.feed)
        self.interactions = Interactions(
            ids=self.ids, team_id=self.team.id, trigger_ttl=trigger_ttl
        )
        self.call_log = CallLog(ids=self.ids, feed=self.feed)
        self.faults = FaultPlan()
        self._seed_users: list[UserSpec] = []
        self._seed_channels: list[ChannelSpec] = []

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
            self.directory.add_user(**(spec.to_json() if isinstance(spec, User) else dict(spec)))
        for channel in self._seed_channels:
            spec = {"name": channel} if isinstance(channel, str) else dict(channel)
            self.directory.add_channel(**spec)

    def reset(self) -> None:
        """Back to the seeded users and channels: no messages, views, files, calls or faults."""
        for part in (
            self.ids,
            self.directory,
            self.messages,
            self.uploads,
            self.views,
            self.interactions,
            self.call_log,
            self.faults,
        ):
            part.clear()
        self._apply_seed()
        self.feed.bump()

    # ---- shortcuts: people and channels ------------------------------------------------------

    @property
    def bot(self) -> User:
        """The bot's own user."""
        return self.directory.bot

    @property
    def users(self) -> dict[str, User]:
        """Everyone by id, the bot included."""
        return self.directory.users

    @property
    def channels(self) -> dict[str, Channel]:
        """Every channel and IM by id."""
        return self.directory.channels

    def find_user(self, ref: str) -> User | None:
        """The user with this id, email or name, if any."""
        return self.directory.find_user(ref)

    def get_user(self, ref: str) -> User:
        """The user with this id, email or name, raising user_not_found."""
        return self.directory.get_user(ref)

    def resolve_channel(self, ref: str) -> Channel:
        """A channel by id, "#name" or "name"; a user id means that user's IM with the bot."""
        return self.directory.resolve_channel(ref)

    def im_of(self, user_ref: str) -> Channel | None:
        """The user's IM with the bot, if it exists."""
        return self.directory.im_of(user_ref)

    def open_im(self, user_id: str) -> Channel:
        """The user's IM with the bot, created on first use."""
        return self.directory.open_im(user_id)

    # ---- shortcuts: what people see ----------------------------------------------------------

    def messages_in(self, channel_ref: str, *, viewer: str | None = None) -> list[Message]:
        """A channel's (or a user's IM's) messages, oldest first, as `viewer` sees them."""
        return self.messages.visible_in(channel_ref, viewer=viewer)

    def last_message(self, channel_ref: str, *, viewer: str | None = None) -> Message:
        """The newest message in a channel (a user ref means their IM with the bot)."""
        return self.messages.last(channel_ref, viewer=viewer)

    def current_modal(self, user_ref: str) -> View | None:
        """The modal the user is looking at, if any."""
        return self.views.current_modal(user_ref)

    def home_view(self, user_ref: str) -> View | None:
        """The user's published home tab, if any."""
        return self.views.home_view(user_ref)

    @property
    def files(self) -> dict[str, File]:
        """Every file by id."""
        return self.uploads.files

    # ---- shortcuts: calls, faults and waiting ------------------------------------------------

    @property
    def calls(self) -> list[Call]:
        """Every Web API call the bot made, in arrival order."""
        return self.call_log.calls

    def calls_to(self, method: str, *, ok: bool | None = None) -> list[Call]:
        """The calls to one method, optionally only the (un)successful ones."""
        return self.call_log.to(method, ok=ok)

    async def wait_for_call(
        self, method: str, *, count: int = 1, ok: bool | None = None, timeout: float = 5.0
    ) -> Call:
        """Wait until `count` finished calls to `method` have arrived; return the last of them."""
        return await self.call_log.wait_for(method, count=count, ok=ok, timeout=timeout)

    def fail(self, **options: Any) -> Fault:
        """Fault the next matching calls: FaultPlan.add's keywords (method, status, times...)."""
        return self.faults.add(**options)

    async def wait_for(
        self, predicate: Callable[[], T | None], *, timeout: float = 5.0, what: str = "condition"
    ) -> T:
        """Wait until predicate() is truthy (checked again on every change) and return it."""
        return await self.feed.wait_for(predicate, timeout=timeout, what=what)
