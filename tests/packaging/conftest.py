"""The wheel, built and installed once per session for every packaging test."""

from __future__ import annotations

import pytest

from tests.packaging.wheel import Installed, build_and_install


@pytest.fixture(scope="session")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    """Build the wheel from a copy of the checkout and install it into a fresh venv."""
    return build_and_install(tmp_path_factory)
