"""The wheel works on its own: built offline (tests/packaging/wheel.py), installed away from
the checkout, its commands run."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import time
import urllib.request
import uuid
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.packaging.wheel import PACKAGES, ROOT, Installed


def test_the_packages_come_from_the_wheel(installed: Installed) -> None:
    files = ", ".join(f"{package}.__file__" for package in PACKAGES)
    code = f"import json, {', '.join(PACKAGES)}; print(json.dumps([{files}]))"
    done = installed.run("python", "-c", code)
    assert done.returncode == 0, done.stderr
    site = next((installed.venv / "lib").glob("python*/site-packages"))
    for path in map(Path, json.loads(done.stdout)):
        assert path.is_relative_to(site) and not path.is_relative_to(ROOT)


def test_policy_check_uses_the_bundled_example(installed: Installed) -> None:
    done = installed.run("procurebot", "policy", "check")
    assert done.returncode == 0, done.stderr
    assert "policy.example.yml: OK" in done.stdout and str(installed.venv) in done.stdout
    example = installed.run("procurebot", "policy", "example")
    (installed.cwd / "policy.yml").write_text(example.stdout, encoding="utf-8")
    assert installed.run("procurebot", "policy", "check", "policy.yml").returncode == 0


def test_teams_package_writes_the_manifest_and_both_icons(installed: Installed) -> None:
    app_id = str(uuid.uuid4())
    done = installed.run("procurebot", "teams", "package", "--app-id", app_id, "--out", "x.zip")
    assert done.returncode == 0, done.stderr
    with zipfile.ZipFile(installed.cwd / "x.zip") as package:
        assert sorted(package.namelist()) == ["color.png", "manifest.json", "outline.png"]
        assert json.loads(package.read("manifest.json"))["id"] == app_id
        assert all(package.read(icon)[:4] == b"\x89PNG" for icon in ("color.png", "outline.png"))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _get(url: str) -> tuple[int, bytes]:
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.status, response.read()


@pytest.fixture
def demo(installed: Installed) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """`procurebot demo` from the installed wheel, in the background; stopped with SIGTERM."""
    port = _free_port()
    process = subprocess.Popen(
        [str(installed.venv / "bin" / "procurebot"), "demo", "--port", str(port)],
        cwd=installed.cwd,
        env=installed.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        yield process, f"http://127.0.0.1:{port}"
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(10)


def _wait_for_digest(base: str, process: subprocess.Popen[str]) -> list[dict[str, object]]:
    # The digest is the bot's first post: the demo has migrated, seeded and started the bot.
    deadline = time.monotonic() + 45
    while time.monotonic() < deadline:
        assert process.poll() is None, process.stdout.read() if process.stdout else ""
        try:
            state = json.loads(_get(f"{base}/_workspace/state")[1])
        except OSError:
            state = {"channels": []}
        for channel in state["channels"]:
            if channel["name"] == "it-leadership" and channel["messages"]:
                return list(channel["messages"])
        time.sleep(0.2)
    raise AssertionError("the demo posted no digest within 45 s")


def test_demo_runs_migrated_and_serves_its_page(
    installed: Installed, demo: tuple[subprocess.Popen[str], str]
) -> None:
    process, base = demo
    [digest, *_] = _wait_for_digest(base, process)
    assert digest["bot_id"] and "Procurement digest" in str(digest["text"])
    status, page = _get(f"{base}/")
    assert status == 200 and b"<html" in page.lower()
    for asset in ("app.js", "blockkit.js", "mrkdwn.js", "app.css"):
        assert _get(f"{base}/static/{asset}")[0] == 200
    process.send_signal(signal.SIGTERM)
    output, _ = process.communicate(timeout=15)
    assert process.returncode == 0, output
    assert "Seeded" in output and "procurebot demo: open" in output
    assert (installed.cwd / "procurebot.db").is_file()
