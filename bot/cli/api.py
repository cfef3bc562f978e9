"""`procurebot apikey ...` and `procurebot webhooks ...`: the REST API's keys and the
outbound webhooks of the policy file."""

from __future__ import annotations

import asyncio
import json
import os
import time
from datetime import datetime
from typing import Annotated, Any

import typer

from bot.app.apikeys import ApiKey
from bot.app.clock import SystemClock
from bot.app.ports import DeliveryDeferred
from bot.app.webhooks import ping_body, signed_headers, summary
from bot.domain import policy as policy_module
from bot.domain.errors import DomainError, PolicyError
from bot.settings import Settings

apikey_app = typer.Typer(help="Keys of the REST API (/api/v1).", no_args_is_help=True)
webhooks_app = typer.Typer(help="Outbound webhooks of the policy file.", no_args_is_help=True)


def _fail(message: str) -> None:
    typer.echo(message, err=True)
    raise typer.Exit(1)


def _core() -> Any:
    from bot.bootstrap import build_core

    try:
        return build_core()
    except PolicyError as error:
        _fail(str(error))


def _when(moment: datetime | None) -> str:
    return f"{moment:%Y-%m-%d %H:%M} UTC" if moment else "-"


def key_json(key: ApiKey) -> dict[str, Any]:
    """A key as `apikey list --json` prints it (never the key or its hash)."""
    return {
        "name": key.name,
        "created_at": key.created_at.isoformat(),
        "last_used_at": key.last_used_at.isoformat() if key.last_used_at else None,
        "revoked_at": key.revoked_at.isoformat() if key.revoked_at else None,
    }


@apikey_app.command("create")
def apikey_create(name: str) -> None:
    """Create a key and print it once; only its hash is stored."""
    core = _core()
    try:
        _record, key = core.api_keys.create(name)
    except DomainError as error:
        _fail(str(error))
    typer.echo(key)
    typer.echo(
        f"API key {name} created. Copy it now: it is not shown again. Send it as "
        "'Authorization: Bearer <key>' to /api/v1.",
        err=True,
    )


@apikey_app.command("list")
def apikey_list(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """The keys: name, created, last used, revoked."""
    keys = _core().api_keys.list()
    if as_json:
        typer.echo(json.dumps([key_json(k) for k in keys], indent=2))
        return
    if not keys:
        typer.echo("No API keys. Create one: procurebot apikey create NAME")
        return
    typer.echo(f"{'NAME':<24} {'CREATED':<20} {'LAST USED':<20} REVOKED")
    for key in keys:
        typer.echo(
            f"{key.name:<24} {_when(key.created_at):<20} {_when(key.last_used_at):<20} "
            f"{_when(key.revoked_at)}"
        )


@apikey_app.command("revoke")
def apikey_revoke(name: str) -> None:
    """Revoke a key: it is refused from the next request on."""
    try:
        revoked = _core().api_keys.revoke(name)
    except DomainError as error:
        _fail(str(error))
    typer.echo(f"API key {revoked.name} revoked ({_when(revoked.revoked_at)}).")


@webhooks_app.command("list")
def webhooks_list(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """The webhooks of the policy file: name, URL, events, secret variable."""
    try:
        policy = policy_module.load(Settings().policy_path)
    except PolicyError as error:
        _fail(str(error))
    hooks = summary(policy.webhooks)
    if as_json:
        typer.echo(json.dumps(hooks, indent=2))
        return
    if not hooks:
        typer.echo("No webhooks in the policy file (see 'webhooks:' in procurebot policy example).")
        return
    for hook in hooks:
        typer.echo(
            f"{hook['name']}: {hook['url']}  events: {', '.join(hook['events'])}  "
            f"secret: ${hook['secret_env']}{'' if hook['secret_set'] else ' (NOT SET)'}"
        )


def _hint(status: int) -> str:
    if status in (401, 403):
        return (
            "The receiver refused the signature: check that it holds the same secret and "
            "signs 'v1:{X-Procurebot-Timestamp}:{body}' (README: Webhooks)."
        )
    if status == 404:
        return "Nothing answers at that path: check the URL."
    if status == 429 or status >= 500:
        return "The receiver failed or is overloaded: look at its logs. procurebot would retry."
    return "The receiver rejected the ping: look at its logs; procurebot would not retry this."


@webhooks_app.command("test")
def webhooks_test(
    url: str,
    secret_env: Annotated[
        str | None,
        typer.Option(help="Variable holding the secret (default: the policy's for this URL)."),
    ] = None,
) -> None:
    """Send a signed `ping` event to URL now and say how the receiver answered."""
    if secret_env is None:
        try:
            hooks = policy_module.load(Settings().policy_path).webhooks
        except PolicyError as error:
            _fail(str(error))
        match = next((h for h in hooks if h.url == url), None)
        if match is None:
            _fail(f"{url} is not a webhook of the policy file: pass --secret-env NAME.")
        secret_env = match.secret_env if match else ""
    secret = os.environ.get(secret_env, "")
    if not secret:
        _fail(f"Environment variable {secret_env} is not set: set it to the shared secret.")
    clock = SystemClock()
    event, body = ping_body(now=clock.now())
    from adapters.webhook_poster import AiohttpPoster

    headers = signed_headers(secret, event=event, body=body, now=clock.now())
    started = time.monotonic()
    try:
        result = asyncio.run(AiohttpPoster().post(url=url, body=body.encode(), headers=headers))
    except DeliveryDeferred as error:
        _fail(f"FAILED: {error}. Check the URL, DNS and firewall.")
        return
    took = (time.monotonic() - started) * 1000
    if not 200 <= result.status < 300:
        said = f": {result.text[:200]}" if result.text else ""
        _fail(f"FAILED: {url} answered {result.status}{said}. {_hint(result.status)}")
    typer.echo(f"OK: {url} answered {result.status} to ping {event} in {took:.0f} ms.")
