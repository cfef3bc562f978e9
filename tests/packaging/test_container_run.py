"""What the container runs, run here: the wheel installed (not editable) in a fresh venv,
compose's migrate command, then the Dockerfile's CMD with compose's environment (DATABASE_URL
pointed at the local PostgreSQL), probed by the Dockerfile's HEALTHCHECK. No image is built:
there is no Docker engine on this machine."""

from __future__ import annotations

import asyncio
import re
import signal
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest

from tests.dbs import postgres_database
from tests.hardening.processes import free_port
from tests.packaging.deployfiles import compose, dockerfile, env_example, exec_form, image_env
from tests.packaging.wheel import Installed


@pytest.fixture
def container_env(installed: Installed) -> Iterator[dict[str, str]]:
    """The environment compose gives the bot: the image's ENV, .env (from .env.example),
    compose's own `environment:`, with the database a fresh one on the local PostgreSQL."""
    bot = compose()["services"]["bot"]
    env = {**installed.env, **image_env(dockerfile()[-1]), **env_example()}
    env.update({key: str(value) for key, value in bot["environment"].items()})
    assert re.search(r"@postgres:5432/", env["DATABASE_URL"])  # compose's service, replaced:
    with postgres_database() as url:
        env["DATABASE_URL"] = url
        env["PORT"] = str(free_port())
        yield env


def _argv(installed: Installed, argv: list[str]) -> list[str]:
    # The image puts procurebot and python on PATH; here they are the fresh venv's.
    return [str(installed.venv / "bin" / argv[0]), *argv[1:]]


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, ConnectionError):
        return False


@pytest.mark.postgres
async def test_migrate_then_cmd_serve_healthy(
    installed: Installed, container_env: dict[str, str]
) -> None:
    migrate = compose()["services"]["migrate"]["command"]
    assert isinstance(migrate, list)
    done = subprocess.run(
        _argv(installed, migrate),
        cwd=installed.cwd,
        env=container_env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "Database is up to date" in done.stdout
    final = dockerfile()[-1]
    cmd = exec_form(final.args("CMD")[-1])
    healthcheck = exec_form(final.args("HEALTHCHECK")[-1].partition("CMD ")[2])
    base = f"http://127.0.0.1:{container_env['PORT']}"
    server = subprocess.Popen(
        _argv(installed, cmd),
        cwd=installed.cwd,
        env=container_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while not await asyncio.to_thread(_healthy, f"{base}/healthz"):
            assert server.poll() is None, server.communicate()[1]
            assert time.monotonic() < deadline, "serve did not become healthy within 60 s"
            await asyncio.sleep(0.2)
        assert await asyncio.to_thread(_healthy, f"{base}/metrics")
        probe = subprocess.run(
            _argv(installed, healthcheck),
            env=container_env,
            capture_output=True,
            timeout=30,
            check=False,
        )
        assert probe.returncode == 0, probe.stderr
    finally:
        server.send_signal(signal.SIGTERM)
        _, errors = server.communicate(timeout=20)
    assert server.returncode == 0, errors
    # Slack is on with .env's values, Teams off; the log is JSON as .env.example asks.
    assert '"message": "procurebot listening on' in errors
    # Stopped, the same HEALTHCHECK reports the container unhealthy.
    probe = subprocess.run(
        _argv(installed, healthcheck),
        env=container_env,
        capture_output=True,
        timeout=30,
        check=False,
    )
    assert probe.returncode != 0
