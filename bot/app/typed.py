"""What people type to the bot, as typed commands: `help`, `list`, `status N`, `cancel N`,
`vendor NAME` and `buy ...`, in Slack's dialect (`/buy status 12`) and Teams' (`status 12`)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.domain.model import Person, parse_number


@dataclass(frozen=True)
class Help:
    """Say what the bot understands."""


@dataclass(frozen=True)
class ListMine:
    """The person's requests (and, where there is no App Home, what waits for them)."""


@dataclass(frozen=True, kw_only=True)
class Buy:
    """Open the request form, prefilled from a one-line description if there is one."""

    text: str = ""


@dataclass(frozen=True, kw_only=True)
class Status:
    """One request in full, for someone with a part in it."""

    request_id: int
    actor: Person | None = None


@dataclass(frozen=True, kw_only=True)
class ConfirmCancel:
    """Offer to cancel a request (the confirmation's button sends Cancel)."""

    request_id: int
    actor: Person | None = None


@dataclass(frozen=True, kw_only=True)
class ProposeVendor:
    """Open the form that proposes a vendor for qualification (`vendor Acme`)."""

    name: str = ""


@dataclass(frozen=True, kw_only=True)
class Usage:
    """A line that is no command: what to tell the sender."""

    message: str


TextCommand = Help | ListMine | Buy | Status | ConfirmCancel | ProposeVendor | Usage


@dataclass(frozen=True, kw_only=True)
class Dialect:
    """How a platform's people type commands: Slack's `/buy status 12`, Teams' `status 12`."""

    prefix: str  # what goes before a subcommand in the examples we show
    bare_text_buys: bool  # Slack: `/buy a laptop` asks for one; Teams needs `buy a laptop`
    greetings: frozenset[str] = field(default_factory=frozenset)  # answered with help


SLACK = Dialect(prefix="/buy ", bare_text_buys=True)
TEAMS = Dialect(prefix="", bare_text_buys=False, greetings=frozenset({"", "hi", "hello"}))
# A first word that is clearly a subcommand attempt: '/buy stats PR-1042'.
_SUBCOMMAND_ATTEMPT = re.compile(r"^[a-z]+\s+(?:pr)?[-#\s]*\d{3,}\s*$", re.IGNORECASE)


def parse_text(text: str, *, dialect: Dialect) -> TextCommand:
    """The command a typed line asks for (`help`, `list`, `status 12`, `cancel 12`, `buy ...`),
    or a Usage with the message for a line that is none."""
    text = " ".join(text.split())
    word, _, rest = text.partition(" ")
    word = word.lower()
    if word == "help" or word in dialect.greetings:
        return Help()
    if word == "list" and not rest:
        return ListMine()
    if word == "vendor":
        return ProposeVendor(name=rest)
    if word in ("status", "cancel"):
        request_id = parse_number(rest)
        if request_id is None:
            return Usage(message=f"Which request? Type `{dialect.prefix}{word} PR-1042`.")
        return (
            Status(request_id=request_id)
            if word == "status"
            else ConfirmCancel(request_id=request_id)
        )
    if not dialect.bare_text_buys:
        if word == "buy":
            return Buy(text=rest)
        return Usage(
            message=f"I don't know “{text[:60]}”. Type `buy` to ask for something, or "
            "`help` for what I understand."
        )
    if _SUBCOMMAND_ATTEMPT.match(text):
        command = dialect.prefix.strip()
        return Usage(
            message=f"I don't know `{command} {word}`. Try `{command} status {rest}`, "
            f"`{command} cancel {rest}` or `{command} help`."
        )
    return Buy(text=text)
