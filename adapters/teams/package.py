"""`procurebot teams package`: the zip a Teams admin uploads (manifest with the app id, icons)."""

from __future__ import annotations

import json
import re
import zipfile
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Annotated

import typer

from bot.settings import Settings

# Inside the package, so that an installed wheel can build the zip too.
APP_DIR = files("adapters.teams.app_package")
FILES = ("manifest.json", "color.png", "outline.png")
_GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
_DOMAIN = re.compile(r"^(?!-)[A-Za-z0-9-]{1,63}(\.[A-Za-z0-9-]{1,63})+$")

teams_app = typer.Typer(help="Microsoft Teams app package.", no_args_is_help=True)


def manifest(*, app_id: str, domain: str, source: Traversable = APP_DIR) -> dict[str, object]:
    """The app manifest with the bot's app id and the bot's host filled in."""
    text = (source / "manifest.json").read_text(encoding="utf-8")
    text = text.replace("{{MICROSOFT_APP_ID}}", app_id).replace("{{DOMAIN}}", domain)
    data: dict[str, object] = json.loads(text)
    return data


def build_package(*, app_id: str, domain: str, out: Path, source: Traversable = APP_DIR) -> Path:
    """Write the zip Teams expects: manifest.json and both icons at its root."""
    if not _GUID.match(app_id):
        raise ValueError(
            f"'{app_id}' is not a Microsoft App ID: use the Application (client) ID of the "
            "Azure Bot, e.g. 00000000-0000-0000-0000-000000000000."
        )
    if not _DOMAIN.match(domain):
        raise ValueError(f"'{domain}' is not a host name; give the host only, e.g. bot.acme.com.")
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as package:
        package.writestr(
            "manifest.json",
            json.dumps(manifest(app_id=app_id, domain=domain, source=source), indent=2),
        )
        for name in FILES[1:]:
            package.writestr(name, (source / name).read_bytes())
    return out


@teams_app.command("package")
def package(
    app_id: Annotated[
        str | None,
        typer.Option("--app-id", help="The bot's Microsoft App ID (default $MICROSOFT_APP_ID)."),
    ] = None,
    domain: Annotated[
        str, typer.Option(help="The host that serves /api/messages, e.g. procurebot.acme.com.")
    ] = "procurebot.example.com",
    out: Annotated[Path, typer.Option("--out", help="Where to write the zip.")] = Path(
        "procurebot-teams.zip"
    ),
) -> None:
    """Write the Teams app package (upload it in Teams admin center or Developer Portal)."""
    app_id = app_id or Settings().microsoft_app_id
    if not app_id:
        typer.echo(
            "No app id: pass --app-id or set MICROSOFT_APP_ID to the Azure Bot's Microsoft App ID.",
            err=True,
        )
        raise typer.Exit(1)
    missing = [name for name in FILES if not (APP_DIR / name).is_file()]
    if missing:
        typer.echo(
            f"{', '.join(missing)} not found in {APP_DIR}: this procurebot installation is "
            "incomplete; reinstall it (pip install --force-reinstall procurebot).",
            err=True,
        )
        raise typer.Exit(1)
    try:
        written = build_package(app_id=app_id, domain=domain, out=out)
    except ValueError as error:
        typer.echo(str(error), err=True)
        raise typer.Exit(1) from None
    typer.echo(f"Wrote {written}: upload it in Teams (Apps → Manage your apps → Upload an app).")
