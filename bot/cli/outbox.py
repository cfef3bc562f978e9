"""`procurebot outbox failed | retry`: messages the outbox gave up on, and sending them again."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from bot.app.ports import OutboxMessage
from bot.domain.errors import PolicyError
from bot.domain.model import format_number

outbox_app = typer.Typer(help="Messages procurebot could not deliver.", no_args_is_help=True)


def _core() -> Any:
    from bot.bootstrap import build_core

    try:
        return build_core()
    except PolicyError as error:
        typer.echo(str(error), err=True)
        raise typer.Exit(1) from None


def failed_json(message: OutboxMessage) -> dict[str, Any]:
    """A failed message as `outbox failed --json` prints it."""
    return {
        "id": message.id,
        "kind": message.kind.value,
        "recipient": message.recipient,
        "request": format_number(message.request_id) if message.request_id else None,
        "attempts": message.attempts,
        "failed_at": message.failed_at.isoformat() if message.failed_at else None,
        "reason": message.last_error,
    }


@outbox_app.command("failed")
def outbox_failed(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    limit: Annotated[int, typer.Option(min=1)] = 100,
) -> None:
    """List the messages procurebot gave up on, the latest first, with the reason."""
    core = _core()
    with core.uow() as uow:
        failed = uow.outbox.failed(limit=limit)
        total = uow.outbox.counts()["failed"]
    if as_json:
        typer.echo(json.dumps([failed_json(m) for m in failed], indent=2))
        return
    if not failed:
        typer.echo("No failed messages.")
        return
    for message in failed:
        row = failed_json(message)
        when = f"{message.failed_at:%Y-%m-%d %H:%M} UTC" if message.failed_at else "-"
        typer.echo(
            f"{message.id:>7}  {when}  {row['kind']:<13} {row['request'] or '-':<8} "
            f"{message.recipient or 'every card'}  ({message.attempts} attempts)"
        )
        typer.echo(f"         {message.last_error}")
    shown = f" ({len(failed)} shown)" if total > len(failed) else ""
    typer.echo(f"{total} failed{shown}. Once the cause is fixed: procurebot outbox retry ID")


@outbox_app.command("retry")
def outbox_retry(
    message_ids: Annotated[list[int], typer.Argument(help="Ids from `procurebot outbox failed`.")],
) -> None:
    """Queue failed messages again, with a fresh count of attempts."""
    core = _core()
    missing = []
    with core.uow() as uow:
        for message_id in message_ids:
            message = uow.outbox.requeue(message_id, now=core.clock.now())
            if message is None:
                missing.append(message_id)
                continue
            typer.echo(
                f"Queued {message_id} again: the {message.kind.value} for "
                f"{message.recipient or 'every card'}; `procurebot serve` sends it within seconds."
            )
        uow.commit()
    if missing:
        typer.echo(
            f"No failed message {', '.join(map(str, missing))}: "
            "`procurebot outbox failed` lists them.",
            err=True,
        )
        raise typer.Exit(1)
