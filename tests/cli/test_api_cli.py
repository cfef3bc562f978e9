"""`procurebot apikey create|list|revoke` and `procurebot webhooks list|test`, run as an operator
would, against a SQLite database and a real local receiver."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli.main import app
from storage.migrate import upgrade
from tests.fakes import EXAMPLE_POLICY
from tests.fakes_webhooks import Receiver

runner = CliRunner()
SECRET_ENV = "PROCUREBOT_CLI_HOOK_SECRET"


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A migrated SQLite database and the example policy; returns the policy path."""
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("PROCUREBOT_POLICY", str(EXAMPLE_POLICY))
    monkeypatch.setenv(SECRET_ENV, "right-secret")
    upgrade(url)
    return EXAMPLE_POLICY


def test_apikey_create_prints_the_key_once_then_list_and_revoke(env: Path) -> None:
    created = runner.invoke(app, ["apikey", "create", "erp"])
    assert created.exit_code == 0, created.output
    key = created.stdout.strip()
    assert key.startswith("pbk_") and "Copy it now" in created.stderr
    listed = runner.invoke(app, ["apikey", "list", "--json"])
    (row,) = json.loads(listed.stdout)
    assert row["name"] == "erp" and row["revoked_at"] is None and row["last_used_at"] is None
    assert key not in listed.stdout
    table = runner.invoke(app, ["apikey", "list"]).stdout
    assert "NAME" in table and "erp" in table and key not in table
    again = runner.invoke(app, ["apikey", "create", "erp"])
    assert again.exit_code == 1 and "A key named erp exists" in again.stderr
    revoked = runner.invoke(app, ["apikey", "revoke", "erp"])
    assert revoked.exit_code == 0 and "API key erp revoked" in revoked.stdout
    assert json.loads(runner.invoke(app, ["apikey", "list", "--json"]).stdout)[0]["revoked_at"]
    ghost = runner.invoke(app, ["apikey", "revoke", "ghost"])
    assert ghost.exit_code == 1 and "no API key named ghost" in ghost.stderr
    bad = runner.invoke(app, ["apikey", "create", "my erp"])
    assert bad.exit_code == 1 and "not a key name" in bad.stderr


def test_apikey_list_when_there_are_none(env: Path) -> None:
    listed = runner.invoke(app, ["apikey", "list"])
    assert listed.exit_code == 0 and "No API keys" in listed.stdout


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """The receiver served from its own thread (the CLI runs its own event loop)."""
    hook = Receiver(secret="right-secret")
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    asyncio.run_coroutine_threadsafe(hook.start(), loop).result(timeout=10)
    try:
        yield hook
    finally:
        asyncio.run_coroutine_threadsafe(hook.close(), loop).result(timeout=10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)


def with_webhook(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    policy = tmp_path / "policy.yml"
    policy.write_text(
        EXAMPLE_POLICY.read_text(encoding="utf-8")
        + f"\nwebhooks:\n  - {{name: erp, url: '{url}', events: [approved, ordered], "
        f"secret_env: {SECRET_ENV}}}\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("PROCUREBOT_POLICY", str(policy))


def test_webhooks_test_sends_a_signed_ping(
    env: Path, receiver: Receiver, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sent = runner.invoke(app, ["webhooks", "test", receiver.url, "--secret-env", SECRET_ENV])
    assert sent.exit_code == 0, sent.output
    assert f"OK: {receiver.url} answered 200 to ping evt_ping_" in sent.stdout
    (delivery,) = receiver.deliveries
    assert delivery.signed and delivery.body["type"] == "ping"
    # Without --secret-env, the policy's webhook at that URL gives the variable.
    with_webhook(tmp_path, monkeypatch, receiver.url)
    assert runner.invoke(app, ["webhooks", "test", receiver.url]).exit_code == 0
    assert len(receiver.deliveries) == 2 and receiver.deliveries[1].signed


def test_webhooks_test_says_what_to_fix(
    env: Path, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WRONG_SECRET", "not-the-receivers")
    refused = runner.invoke(app, ["webhooks", "test", receiver.url, "--secret-env", "WRONG_SECRET"])
    assert refused.exit_code == 1 and "answered 401" in refused.stderr
    assert "refused the signature" in refused.stderr
    missing = receiver.url.replace("/hook", "/nowhere")
    lost = runner.invoke(app, ["webhooks", "test", missing, "--secret-env", SECRET_ENV])
    assert lost.exit_code == 1 and "answered 404" in lost.stderr and "check the URL" in lost.stderr
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    down = runner.invoke(
        app, ["webhooks", "test", f"http://127.0.0.1:{port}/h", "--secret-env", SECRET_ENV]
    )
    assert down.exit_code == 1 and "could not be reached" in down.stderr
    assert "Check the URL, DNS and firewall" in down.stderr
    unset = runner.invoke(app, ["webhooks", "test", receiver.url, "--secret-env", "NOT_SET_X"])
    assert unset.exit_code == 1 and "NOT_SET_X is not set" in unset.stderr
    unknown = runner.invoke(app, ["webhooks", "test", receiver.url])
    assert unknown.exit_code == 1 and "pass --secret-env" in unknown.stderr


def test_webhooks_list_and_a_missing_secret(
    env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert "No webhooks" in runner.invoke(app, ["webhooks", "list"]).stdout
    with_webhook(tmp_path, monkeypatch, "https://erp.acme.example/hook")
    listed = runner.invoke(app, ["webhooks", "list"])
    assert listed.exit_code == 0
    assert "erp: https://erp.acme.example/hook  events: approved, ordered" in listed.stdout
    (row,) = json.loads(runner.invoke(app, ["webhooks", "list", "--json"]).stdout)
    assert row["secret_env"] == SECRET_ENV and row["secret_set"] is True
    monkeypatch.delenv(SECRET_ENV)
    for command in (["webhooks", "list"], ["policy", "check"]):
        failed = runner.invoke(app, command)
        assert failed.exit_code == 1, command
        assert f"environment variable {SECRET_ENV} is not set" in failed.output
