"""The `procurebot` command."""

from __future__ import annotations

from typing import Annotated

import typer
from pydantic import ValidationError

from adapters.teams.package import teams_app
from bot.cli.api import apikey_app, webhooks_app
from bot.cli.common import fail
from bot.cli.demo import demo
from bot.cli.digest import app as digest_app
from bot.cli.outbox import outbox_app
from bot.cli.policy import policy_app
from bot.cli.registry import budgets_app, vendors_app
from bot.cli.report import report_app
from bot.cli.requests import export, requests_app
from bot.domain.errors import PolicyError, UnsafeSettings
from bot.logs import configure_logging
from bot.settings import Settings

app = typer.Typer(
    help="procurebot: IT purchase intake and approvals in Slack and Teams.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(policy_app, name="policy")
app.add_typer(requests_app, name="requests")
app.add_typer(vendors_app, name="vendors")
app.add_typer(budgets_app, name="budgets")
app.command()(demo)
app.add_typer(teams_app, name="teams")
app.add_typer(digest_app, name="digest")
app.add_typer(outbox_app, name="outbox")
app.add_typer(report_app, name="report")
app.add_typer(apikey_app, name="apikey")
app.add_typer(webhooks_app, name="webhooks")


# ------------------------------------------------------------------------------ serve


@app.command()
def serve(
    port: Annotated[int | None, typer.Option(help="Port (default $PORT or 3000).")] = None,
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "0.0.0.0",
) -> None:
    """Run the bot: Slack at /slack/events, Teams at /api/messages, /healthz, /metrics."""
    from adapters.http import run_server

    try:
        settings = Settings()
    except ValidationError as error:
        fail(f"procurebot cannot start: {error}")
    configure_logging(log_format=settings.log_format)
    try:
        run_server(settings=settings, host=host, port=port or settings.port)
    except (PolicyError, UnsafeSettings) as error:
        fail(str(error))


# ------------------------------------------------------------------------------ db


@db_app.command("upgrade")
def db_upgrade(
    app_role: Annotated[
        str | None,
        typer.Option(
            help="PostgreSQL: also create (if missing) and grant the role the bot runs as, "
            "which owns no table and may only append to the audit log."
        ),
    ] = None,
) -> None:
    """Create or migrate the database at $DATABASE_URL."""
    from storage.engine import safe_url
    from storage.migrate import upgrade
    from storage.roles import RoleRefused, grant_app_role

    settings = Settings()
    upgrade(settings.database_url)
    typer.echo(f"Database is up to date ({safe_url(settings.database_url)}).")
    if app_role is None:
        return
    try:
        created = grant_app_role(settings.database_url, role=app_role)
    except RoleRefused as error:
        fail(str(error))
        return
    if created:
        typer.echo(
            f"Created the role {app_role}; give it a password "
            f"(ALTER ROLE {app_role} PASSWORD '...') before the bot logs in with it."
        )
    typer.echo(
        f"{app_role} may read and write the working tables and only append to the audit "
        f"log; run the bot with DATABASE_URL naming {app_role}, and `db upgrade` as the owner."
    )


# A top-level command, after serve as it always was in --help.
app.command()(export)


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    main()
