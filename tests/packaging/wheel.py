"""Build the wheel offline and install it into a fresh venv, away from the checkout.

Nothing downloads: the wheel is built with this venv's setuptools (no build isolation), and the
fresh venv it goes into borrows only the third-party dependencies from this venv's
site-packages (a .pth line after its own), so bot/, adapters/, storage/ and workspace/ can
come from nowhere but the wheel. conftest.py builds it once per session.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("bot", "adapters", "storage", "workspace")
# What a checkout may hold besides the sources; none of it belongs in a build.
NOT_SOURCES = shutil.ignore_patterns(
    ".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", ".*_cache", "artifacts", "*.db"
)


@dataclass
class Installed:
    """A venv with the wheel installed, and a working directory outside the checkout."""

    venv: Path
    cwd: Path
    env: dict[str, str]

    def run(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        """Run a program of the venv (procurebot, python) in the working directory."""
        return subprocess.run(
            [str(self.venv / "bin" / args[0]), *args[1:]],
            cwd=self.cwd,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )


def _check(command: list[str], cwd: Path) -> None:
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)
    assert done.returncode == 0, f"{' '.join(command)}\n{done.stdout}\n{done.stderr}"


def _clean_env(home: Path) -> dict[str, str]:
    # Nothing of the developer's configuration may leak in: no PYTHONPATH, no procurebot,
    # Slack or Teams settings, no user site-packages.
    prefixes = ("PYTHON", "PROCUREBOT_", "DATABASE_URL", "SLACK_", "MICROSOFT_", "TEAMS_", "PORT")
    env = {k: v for k, v in os.environ.items() if not k.startswith(prefixes)}
    return {**env, "HOME": str(home), "PYTHONNOUSERSITE": "1"}


def build_and_install(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    """Build the wheel from a copy of the checkout and install it into a fresh venv."""
    tmp = tmp_path_factory.mktemp("wheel")
    source, dist, venv, cwd = tmp / "source", tmp / "dist", tmp / "venv", tmp / "elsewhere"
    shutil.copytree(ROOT, source, ignore=NOT_SOURCES)
    cwd.mkdir()
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--no-input"]
    _check(
        [*pip, "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-w", str(dist), "."],
        source,
    )
    [wheel] = dist.glob("procurebot-*.whl")
    _check([sys.executable, "-m", "venv", "--without-pip", str(venv)], tmp)
    _check(
        [
            *pip,
            "--python",
            str(venv / "bin" / "python"),
            "install",
            "--no-deps",
            "--no-index",
            str(wheel),
        ],
        tmp,
    )
    site = next((venv / "lib").glob("python*/site-packages"))
    (site / "zz_procurebot_dependencies.pth").write_text(
        sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8"
    )
    return Installed(venv=venv, cwd=cwd, env=_clean_env(tmp))
