"""Fault injection for the fake Slack Web API: errors, rate limits and delays on chosen calls."""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

JSON = dict[str, Any]

# Slack answers its own outages with these codes; tests only need them to be stable.
_DEFAULT_ERRORS = {429: "ratelimited", 500: "internal_error", 503: "service_unavailable"}


@dataclass
class Fault:
    """One injected fault; it applies to the next matching calls until `times` are used up."""

    method: str | None
    status: int | None = None
    error: str | None = None
    retry_after: int | str | None = None  # a string goes out as is (e.g. "inf", a date)
    delay: float = 0.0
    times: int | None = 1
    fraction: float | None = None
    where: Mapping[str, Any] | None = None
    hits: int = 0
    rng: random.Random = field(default_factory=random.Random, repr=False)

    @property
    def fails(self) -> bool:
        """Whether the call is answered with an error (a delay-only fault lets it through)."""
        return self.status is not None or self.error is not None

    @property
    def exhausted(self) -> bool:
        """Whether this fault has been applied as many times as it was asked to."""
        return self.times is not None and self.hits >= self.times

    def matches(self, method: str, params: Mapping[str, Any]) -> bool:
        """Whether a call to `method` with `params` is one this fault targets."""
        if self.method not in (None, "*", method):
            return False
        where = self.where or {}
        return all(str(params.get(key)) == str(value) for key, value in where.items())

    def response(self) -> tuple[int, JSON, dict[str, str]]:
        """The HTTP status, JSON body and headers Slack would send for this fault."""
        status = self.status if self.status is not None else 200
        error = self.error or _DEFAULT_ERRORS.get(status, "fatal_error")
        headers: dict[str, str] = {}
        if status == 429:
            # Slack always sends Retry-After (whole seconds) with a 429.
            headers["Retry-After"] = str(self.retry_after if self.retry_after is not None else 1)
        elif self.retry_after is not None:
            headers["Retry-After"] = str(self.retry_after)
        return status, {"ok": False, "error": error}, headers

    def to_json(self) -> JSON:
        """A JSON view of the fault for the control API."""
        return {
            "method": self.method,
            "status": self.status,
            "error": self.error,
            "retry_after": self.retry_after,
            "delay": self.delay,
            "times": self.times,
            "fraction": self.fraction,
            "where": dict(self.where or {}),
            "hits": self.hits,
        }


class FaultPlan:
    """The faults waiting to be applied, in the order they were added."""

    def __init__(self) -> None:
        self.faults: list[Fault] = []

    def add(
        self,
        *,
        method: str | None = None,
        times: int | None = None,
        status: int | None = None,
        error: str | None = None,
        retry_after: int | str | None = None,
        delay: float = 0.0,
        fraction: float | None = None,
        seed: int | None = 0,
        where: Mapping[str, Any] | None = None,
    ) -> Fault:
        """Add a fault; without `times`, a plain fault applies once and a `fraction` one forever."""
        # method None or "*" matches every call, including "upload" and "response_url"; `where`
        # narrows to calls with these params. A delay-only fault lets the call through after
        # sleeping.
        if fraction is not None and not 0.0 <= fraction <= 1.0:
            raise ValueError("fraction must be between 0 and 1")
        if status is None and error is None and not delay:
            raise ValueError("a fault needs a status, an error or a delay")
        if times is None and fraction is None:
            times = 1
        fault = Fault(
            method=method,
            status=status,
            error=error,
            retry_after=retry_after,
            delay=delay,
            times=times,
            fraction=fraction,
            where=dict(where) if where else None,
            rng=random.Random(seed),
        )
        self.faults.append(fault)
        return fault

    def take(self, method: str, params: Mapping[str, Any]) -> Fault | None:
        """The fault to apply to this call, if any, counting it as used."""
        for fault in self.faults:
            if fault.exhausted or not fault.matches(method, params):
                continue
            # The seeded roll keeps a "30 % of calls fail" run reproducible.
            if fault.fraction is not None and fault.rng.random() >= fault.fraction:
                continue
            fault.hits += 1
            return fault
        return None

    def clear(self) -> None:
        """Drop every fault."""
        self.faults.clear()

    @property
    def pending(self) -> list[Fault]:
        """Faults that can still apply."""
        return [fault for fault in self.faults if not fault.exhausted]
