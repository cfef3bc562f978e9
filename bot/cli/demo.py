"""The `procurebot demo` command: the bot and a local Slack workspace in the browser."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated

import typer

from bot.domain.errors import PolicyError


def demo(
    port: Annotated[int, typer.Option(help="Port of the page (0: any free port).")] = 3000,
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    reset: Annotated[bool, typer.Option(help="Drop the demo database and seed it again.")] = False,
    database: Annotated[
        str, typer.Option(help="Database URL (default: a SQLite file here).")
    ] = "sqlite:///procurebot-demo.db",
    policy: Annotated[
        Path | None, typer.Option(help="Policy YAML (default: the bundled example).")
    ] = None,
) -> None:
    """Run the whole bot in a local Slack-like workspace in your browser (no account needed)."""
    from adapters.demo import run_demo

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        run_demo(port=port, host=host, reset=reset, database_url=database, policy_path=policy)
    except PolicyError as error:
        typer.echo(str(error), err=True)
        raise typer.Exit(1) from None
    except OSError as error:
        typer.echo(f"Cannot start the demo: {error}. Try another --port.", err=True)
        raise typer.Exit(1) from None
