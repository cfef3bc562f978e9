"""Files shipped inside the package: the example policy."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path


def example_policy_path() -> Path:
    """Where the bundled example policy is (a plain file: the package installs unzipped)."""
    return Path(str(files(__name__) / "policy.example.yml"))
