"""What every command of the command line shares."""

from __future__ import annotations

from typing import NoReturn

import typer


def fail(message: str, code: int = 1) -> NoReturn:
    """Print the message to standard error and exit with `code`."""
    typer.echo(message, err=True)
    raise typer.Exit(code)
