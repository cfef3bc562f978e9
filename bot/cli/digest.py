"""`procurebot digest --print | --send`: the weekly digest from the command line."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Annotated

import typer

from bot.domain.errors import PolicyError
from bot.settings import Settings

app = typer.Typer(help="The weekly digest for IT leadership.")


def _moment(value: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        typer.echo(
            f"--end {value!r} is not a date and time; write it like 2026-11-23T09:00-05:00",
            err=True,
        )
        raise typer.Exit(2) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@app.callback(invoke_without_command=True)
def digest(
    show: Annotated[
        bool, typer.Option("--print", help="Print the digest in the terminal.")
    ] = False,
    send: Annotated[
        bool, typer.Option("--send", help="Post it to the policy's channel and people now.")
    ] = False,
    end: Annotated[
        str | None,
        typer.Option(help="The week ends at this moment (ISO); default the last scheduled slot."),
    ] = None,
) -> None:
    """Print or send the digest of the week that ended at the last scheduled slot."""
    from bot.app.digest import build_digest
    from bot.bootstrap import build_core
    from bot.domain.digest import last_slot, render_text

    if show == send:
        typer.echo("Choose one: procurebot digest --print, or procurebot digest --send.", err=True)
        raise typer.Exit(2)
    moment = _moment(end) if end is not None else None
    try:
        core = build_core(Settings())
    except PolicyError as error:
        typer.echo(str(error), err=True)
        raise typer.Exit(1) from None
    week_end = moment or last_slot(core.policy, datetime.now(UTC))
    report = build_digest(uow=core.uow, policy=core.policy, end=week_end)
    if show:
        typer.echo(render_text(report), nl=False)
        return
    sent = asyncio.run(_send(core, report))
    if not sent:
        typer.echo(
            "Nothing sent: set digest.slack_channel, digest.teams_channel or "
            "digest.recipients in the policy, and SLACK_BOT_TOKEN with SLACK_SIGNING_SECRET "
            "(or SLACK_APP_TOKEN) for Slack, MICROSOFT_APP_ID for Teams.",
            err=True,
        )
        raise typer.Exit(1)
    typer.echo(f"Digest sent to {', '.join(sent)}.")


async def _send(core: object, report: object) -> list[str]:
    from adapters.http import digest_publishers, slack_client, teams_adapter
    from bot.app.scheduler import publish_digest
    from bot.bootstrap import Core
    from bot.domain.digest import Digest

    assert isinstance(core, Core) and isinstance(report, Digest)
    client = slack_client(core.settings) if core.settings.slack_enabled else None
    publishers = digest_publishers(core, client=client, adapter=teams_adapter(core.settings))
    if not publishers:
        return []
    return await publish_digest(digest=report, service=core.service, publishers=publishers)
