"""What every Web API method of the fake gets: its arguments, the workspace, the registry."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ..model import JSON, WorkspaceError
from ..state import Workspace

_FALSE = {"", "0", "false", "False", "no"}


@dataclass(frozen=True)
class Params:
    """A call's arguments, merged from query string, form or JSON body."""

    values: Mapping[str, Any]

    def string(self, name: str) -> str | None:
        """The argument as a string, None when absent or empty."""
        value = self.values.get(name)
        return None if value in (None, "") else str(value)

    def require(self, name: str, error: str = "invalid_arguments") -> str:
        """A string argument that must be present (else Slack's error for this method)."""
        value = self.string(name)
        if value is None:
            raise WorkspaceError(error, f"[ERROR] missing required field: {name}")
        return value

    def flag(self, name: str) -> bool:
        """A boolean argument sent as true/false or 1/0."""
        value = self.values.get(name)
        return bool(value) and str(value) not in _FALSE

    def json(self, name: str, *, error: str = "invalid_arguments") -> Any:
        """An argument that is JSON: already decoded in a JSON body, a string in a form."""
        value = self.values.get(name)
        if isinstance(value, str):
            try:
                return json.loads(value)
            except json.JSONDecodeError:
                raise WorkspaceError(error, f"[ERROR] {name} is not valid JSON") from None
        return value


@dataclass(frozen=True)
class Context:
    """What a method needs besides its arguments: the workspace and this server's origin."""

    workspace: Workspace
    origin: str


Method = Callable[[Context, Params], JSON]
METHODS: dict[str, Method] = {}


def method(name: str) -> Callable[[Method], Method]:
    """Register a function as the handler of a Web API method."""

    def register(func: Method) -> Method:
        METHODS[name] = func
        return func

    return register
