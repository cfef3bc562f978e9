"""Domain errors. Each message is written for the person who caused it."""

from __future__ import annotations


class DomainError(Exception):
    """A move the rules do not allow; str(error) is shown to the user as is."""


class IllegalTransition(DomainError):
    """The request is not in a state that allows this action."""


class NotAllowed(DomainError):
    """This person may not take this action (segregation of duties, wrong group)."""


class AlreadyDecided(DomainError):
    """Someone else decided first."""


class NotFound(DomainError):
    """No such request, vendor or person."""


class InvalidInput(DomainError):
    """The form had mistakes; `fields` maps a field name to what is wrong with it."""

    def __init__(self, fields: dict[str, str]) -> None:
        self.fields = fields
        super().__init__("; ".join(f"{name}: {problem}" for name, problem in fields.items()))


class TooLong(InvalidInput):
    """Text longer than its field allows; the message names the field and the limit."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__({field: message})
        self.args = (message,)  # said on its own in a chat, not as 'field: message'


class VendorRefused(DomainError):
    """The vendor was rejected; the message names alternatives."""


class StorageUnavailable(DomainError):
    """The database could not be reached or was busy; nothing was saved, trying again helps."""

    def __init__(self, detail: str = "") -> None:
        self.detail = detail
        super().__init__(
            "procurebot can't reach its database right now, so nothing was saved. "
            "Please try again in a minute."
        )


class PolicyError(Exception):
    """The policy file is invalid; the message names the field, the line and the problem."""


class UnsafeSettings(Exception):
    """The environment asks for something that cannot run safely; the message says what to set."""


class ConcurrentUpdate(Exception):
    """Storage saw a newer version of the request than the one we loaded."""


class BudgetExceeded(DomainError):
    """The request would take its cost centre over budget and the policy blocks that."""
