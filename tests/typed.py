"""Typed helpers for tests: narrowing a value the test knows is there."""

from __future__ import annotations

from typing import TypeVar

T = TypeVar("T")


def present(value: T | None) -> T:
    """`value`, which the test expects to be set; fails the test when it is None."""
    assert value is not None, "expected a value, found None"
    return value
