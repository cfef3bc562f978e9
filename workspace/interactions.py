"""What Slack hands an app with each interaction: a trigger_id and a response_url."""

from __future__ import annotations

import secrets

from .ids import Ids
from .model import ResponseTarget, Trigger, WorkspaceError


class Interactions:
    """Issued trigger_ids (usable once, for a few seconds) and where each response_url posts."""

    def __init__(self, *, ids: Ids, team_id: str, trigger_ttl: float = 3.0) -> None:
        self._ids = ids
        self._team_id = team_id
        self.trigger_ttl = trigger_ttl
        self.triggers: dict[str, Trigger] = {}
        self.response_targets: dict[str, ResponseTarget] = {}

    def clear(self) -> None:
        """Forget every trigger and response URL."""
        self.triggers.clear()
        self.response_targets.clear()

    def issue_trigger(self, user_id: str) -> str:
        """A fresh trigger_id for an interaction by this user."""
        now = self._ids.clock()
        trigger_id = f"{int(now)}.{self._team_id[1:]}.{secrets.token_hex(16)}"
        self.triggers[trigger_id] = Trigger(id=trigger_id, user=user_id, issued_at=now)
        return trigger_id

    def exchange_trigger(self, trigger_id: str) -> Trigger:
        """Use a trigger_id once, within trigger_ttl seconds of the interaction."""
        parts = (trigger_id or "").split(".")
        if len(parts) != 3 or not all(parts):
            raise WorkspaceError("invalid_trigger_id")
        trigger = self.triggers.get(trigger_id)
        if trigger is None or self._ids.clock() - trigger.issued_at >= self.trigger_ttl:
            raise WorkspaceError("expired_trigger_id")
        if trigger.exchanged:
            raise WorkspaceError("exchanged_trigger_id")
        trigger.exchanged = True
        return trigger

    def response_url(self, target: ResponseTarget, *, server_url: str | None) -> str:
        """A response_url for an interaction, served by this fake at /_workspace/respond/."""
        token = secrets.token_urlsafe(12)
        self.response_targets[token] = target
        if server_url is None:
            return f"https://hooks.slack.com/actions/{self._team_id}/{token}"
        return f"{server_url}/_workspace/respond/{token}"
