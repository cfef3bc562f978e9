"""Shared test helpers: the example policy, a movable clock and a valid draft."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from bot.app.clock import FixedClock
from bot.domain import policy as policy_module
from bot.domain.model import Category, DataAccess, Recurrence, RequestDraft
from bot.domain.policy import Policy
from bot.resources import example_policy_path

EXAMPLE_POLICY = example_policy_path()
START = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)  # a Monday

REQUESTER = "rita.req@acme.example"
IT = ("ines.it@acme.example", "omar.it@acme.example")
SECURITY = "sam.sec@acme.example"
PROCUREMENT = "priya.proc@acme.example"
FINANCE = ("fred.fin@acme.example", "carla.cfo@acme.example")
CIO = "lee.cio@acme.example"


def example_policy() -> Policy:
    """The shipped example policy."""
    return policy_module.load(EXAMPLE_POLICY)


def clock() -> FixedClock:
    """A clock at START."""
    return FixedClock(START)


def draft(**overrides: object) -> RequestDraft:
    """A valid SaaS draft: 3 Figma seats at $45/month (1,620 USD a year)."""
    values: dict[str, object] = {
        "title": "Figma Professional seats",
        "category": Category.SAAS,
        "vendor": "Figma",
        "unit_price": Decimal("45.00"),
        "currency": "USD",
        "quantity": 3,
        "recurrence": Recurrence.MONTHLY,
        "cost_centre": "Design",
        "needed_by": date(2026, 12, 15),
        "data_access": DataAccess.INTERNAL,
        "justification": "Three new designers join in December and need Figma.",
        "link": "https://www.figma.com/pricing",
    }
    values.update(overrides)
    return RequestDraft(**values)  # type: ignore[arg-type]


class FakePublisher:
    """A ChannelPublisher that records what it was asked to post; can fail on demand."""

    def __init__(self, platform: str = "slack") -> None:
        self.platform = platform
        self.posts: list[tuple[str, object]] = []
        self.files: list[tuple[str, str, bytes]] = []
        self.dms: list[str] = []
        self.fail_post: Exception | None = None
        self.fail_attach: Exception | None = None
        self.unknown: set[str] = set()  # emails direct() cannot reach

    async def post(self, *, channel: str, view: object) -> str:
        """Record the post, or raise fail_post."""
        if self.fail_post is not None:
            raise self.fail_post
        self.posts.append((channel, view))
        return f"thread-{len(self.posts)}"

    async def attach(
        self, *, channel: str, thread: str, data: bytes, filename: str, title: str
    ) -> None:
        """Record the file, or raise fail_attach."""
        if self.fail_attach is not None:
            raise self.fail_attach
        self.files.append((thread, filename, data))

    async def direct(self, *, person: object, view: object) -> None:
        """Record the DM; RecipientUnreachable for the unknown."""
        from bot.app.ports import RecipientUnreachable

        email = getattr(person, "email", "")
        if email in self.unknown:
            raise RecipientUnreachable(f"no account for {email}")
        self.dms.append(email)
