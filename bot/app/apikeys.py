"""API keys of the REST API: made here, shown once, stored only as a hash, revocable."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from bot.app.ports import Clock
from bot.domain.errors import DomainError

PREFIX = "pbk_"
_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
# last_used_at is written at most this often per key, so that a busy integration does not
# turn every read into a write.
TOUCH_EVERY = timedelta(minutes=1)


class ApiKeyProblem(DomainError):
    """A key cannot be created or revoked as asked."""


@dataclass(frozen=True, slots=True)
class ApiKey:
    """A key's record; the key itself is never stored."""

    name: str
    created_at: datetime
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None
    key_hash: str = field(default="", repr=False)


class ApiKeyStore(Protocol):
    """Where key hashes live (storage/api_keys.py)."""

    def add(self, *, name: str, key_hash: str, now: datetime) -> ApiKey | None:
        """Insert; None when the name is taken."""

    def by_hash(self, key_hash: str, *, now: datetime, touch_before: datetime) -> ApiKey | None:
        """The key with this hash, its last use set to `now` if older than `touch_before`."""

    def list(self) -> list[ApiKey]:
        """Every key, by name."""

    def revoke(self, name: str, *, now: datetime) -> ApiKey | None:
        """Mark revoked (once); None when there is no key of that name."""


def hash_key(key: str) -> str:
    """The stored form: SHA-256 is enough for a key with 256 bits of randomness."""
    return hashlib.sha256(key.encode()).hexdigest()


class ApiKeys:
    """Create, check, list and revoke keys."""

    def __init__(self, *, store: ApiKeyStore, clock: Clock) -> None:
        self._store = store
        self._clock = clock

    def create(self, name: str) -> tuple[ApiKey, str]:
        """A new key named `name`: its record and the key, which is shown this once."""
        if not _NAME.match(name):
            raise ApiKeyProblem(
                f"{name!r} is not a key name: use 1-64 letters, digits, '.', '_' or '-'."
            )
        key = PREFIX + secrets.token_urlsafe(32)
        created = self._store.add(name=name, key_hash=hash_key(key), now=self._clock.now())
        if created is None:
            raise ApiKeyProblem(
                f"A key named {name} exists. Revoke it (procurebot apikey revoke {name}) "
                "or pick another name."
            )
        return created, key

    def authenticate(self, key: str) -> ApiKey | None:
        """The live key this is, or None (unknown, malformed or revoked)."""
        if not key.startswith(PREFIX) or len(key) > 100:
            return None
        wanted = hash_key(key)
        now = self._clock.now()
        found = self._store.by_hash(wanted, now=now, touch_before=now - TOUCH_EVERY)
        if found is None or found.revoked_at is not None:
            return None
        # The database finds the row by the hash's index; the final check is in constant
        # time, so no timing of ours tells how much of a guessed hash matched.
        return found if hmac.compare_digest(found.key_hash, wanted) else None

    def list(self) -> list[ApiKey]:
        """Every key, by name."""
        return self._store.list()

    def revoke(self, name: str) -> ApiKey:
        """Revoke the named key at once; ApiKeyProblem when there is none."""
        revoked = self._store.revoke(name, now=self._clock.now())
        if revoked is None:
            raise ApiKeyProblem(f"There is no API key named {name}. See procurebot apikey list.")
        return revoked
