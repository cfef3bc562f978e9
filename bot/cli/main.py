"""The `procurebot` command."""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from adapters.teams.package import teams_app
from bot.app import spreadsheet
from bot.cli.demo import demo
from bot.cli.digest import app as digest_app
from bot.cli.outbox import outbox_app
from bot.cli.registry import budgets_app, vendors_app
from bot.domain import amounts
from bot.domain import policy as policy_module
from bot.domain.errors import DomainError, PolicyError, UnsafeSettings
from bot.domain.formatting import money
from bot.domain.model import (
    Category,
    DataAccess,
    PurchaseRequest,
    Recurrence,
    RequestStatus,
    VendorStatus,
    parse_number,
    vendor_key,
)
from bot.resources import example_policy_path
from bot.settings import Settings

app = typer.Typer(
    help="procurebot: IT purchase intake and approvals in Slack and Teams.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
policy_app = typer.Typer(help="Check and explain a policy file.", no_args_is_help=True)
requests_app = typer.Typer(help="Look at purchase requests.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(policy_app, name="policy")
app.add_typer(requests_app, name="requests")
app.add_typer(vendors_app, name="vendors")
app.add_typer(budgets_app, name="budgets")
app.command()(demo)
app.add_typer(teams_app, name="teams")
app.add_typer(digest_app, name="digest")
app.add_typer(outbox_app, name="outbox")


def _fail(message: str, code: int = 1) -> None:
    typer.echo(message, err=True)
    raise typer.Exit(code)


def _logging() -> None:
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )


# ------------------------------------------------------------------------------ serve


@app.command()
def serve(
    port: Annotated[int | None, typer.Option(help="Port (default $PORT or 3000).")] = None,
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "0.0.0.0",
) -> None:
    """Run the bot: Slack at /slack/events, Teams at /api/messages, /healthz."""
    from adapters.http import run_server

    _logging()
    settings = Settings()
    try:
        run_server(settings=settings, host=host, port=port or settings.port)
    except (PolicyError, UnsafeSettings) as error:
        _fail(str(error))


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
        _fail(str(error))
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


# ------------------------------------------------------------------------------ policy


PolicyFile = Annotated[
    Path | None,
    typer.Argument(help="The policy YAML file (default: $PROCUREBOT_POLICY, else the example)."),
]


def _policy_file(file: Path | None) -> Path:
    """The file named, else the policy the bot would load: $PROCUREBOT_POLICY or the example."""
    return file if file is not None else Settings().policy_path


@policy_app.command("check")
def policy_check(file: PolicyFile = None) -> None:
    """Validate a policy file: its problems with line numbers, or a summary."""
    file = _policy_file(file)
    try:
        loaded = policy_module.load(file)
    except PolicyError as error:
        _fail(str(error))
        return
    typer.echo(f"{file}: OK")
    typer.echo(policy_module.summary(loaded))


@policy_app.command("example")
def policy_example() -> None:
    """Print the bundled example policy, to start your own from: ... example > policy.yml"""
    typer.echo(example_policy_path().read_text(encoding="utf-8"), nl=False)


@policy_app.command("explain")
def policy_explain(
    amount: Annotated[str, typer.Option(help="Price per unit.")],
    category: Annotated[Category, typer.Option(help="What kind of purchase.")] = Category.SAAS,
    vendor: Annotated[str, typer.Option(help="Vendor name.")] = "",
    currency: Annotated[str | None, typer.Option(help="Default: the base currency.")] = None,
    quantity: Annotated[int, typer.Option(min=1)] = 1,
    recurrence: Annotated[Recurrence, typer.Option(help="Billing.")] = Recurrence.ONE_OFF,
    vendor_status: Annotated[
        VendorStatus, typer.Option(help="What the vendor registry says of the vendor.")
    ] = VendorStatus.NEW,
    data_access: Annotated[DataAccess, typer.Option()] = DataAccess.NONE,
    department: Annotated[str, typer.Option(help="Cost centre / department.")] = "",
    requester: Annotated[
        str, typer.Option(help="Email of who asks (catalogue, fallbacks).")
    ] = "someone@example.com",
    title: Annotated[str, typer.Option(help="What is bought (catalogue match).")] = "",
    file: PolicyFile = None,
) -> None:
    """Print the route a request would take and which rule added each step."""
    try:
        loaded = policy_module.load(_policy_file(file))
        unit = amounts.parse(amount)
    except PolicyError as error:
        _fail(str(error))
        return
    except amounts.AmountError as error:
        _fail(f"--amount {amount!r} {error}")
        return
    currency = (currency or loaded.base_currency).upper()
    try:
        yearly = loaded.to_base(unit * quantity * recurrence.periods_per_year, currency)
        facts = policy_module.RequestFacts(
            title=title or vendor,
            category=category,
            vendor_key=vendor_key(vendor),
            vendor_status=vendor_status,
            unit_price=unit,
            currency=currency,
            quantity=quantity,
            recurrence=recurrence,
            department=department,
            data_access=data_access,
            annual_base_amount=yearly,
        )
        entry = loaded.catalogue_match(facts, requester=requester.lower())
        route = loaded.route(facts)
        steps = loaded.build_steps(route, requester=requester.lower())
    except DomainError as error:
        _fail(str(error))
        return
    per = "a year" if recurrence is not Recurrence.ONE_OFF else "in total"
    typer.echo(
        f"{category.label} from {vendor or 'an unnamed vendor'} "
        f"({vendor_status.label.lower()} vendor), {money(yearly, loaded.base_currency)} "
        f"{per} in {loaded.base_currency}:"
    )
    if entry is not None:
        typer.echo(f"  Approved at once from the catalogue entry {entry.name!r}.")
        return
    if not steps:
        typer.echo("  No rule applies: approved at once.")
        return
    for step, item in zip(steps, route, strict=True):
        typer.echo(
            f"  stage {step.stage}  {step.name} ({step.group}, {step.mode.value} of "
            f"{', '.join(step.approvers)})"
        )
        for rule in item.rules:
            typer.echo(f"           added by rule: {rule}")


# ------------------------------------------------------------------------------ requests


def _core() -> Any:
    from bot.bootstrap import build_core

    try:
        return build_core()
    except PolicyError as error:
        _fail(str(error))


def request_json(request: PurchaseRequest, events: list[Any]) -> dict[str, Any]:
    """The contract's JSON view of a request (`requests show --json`)."""
    return {
        "number": request.number,
        "id": request.id,
        "status": request.status.value,
        "title": request.title,
        "requester": request.requester,
        "vendor": request.vendor,
        "category": request.category.value,
        "amount": str(request.total.amount),
        "unit_price": str(request.unit_price.amount),
        "quantity": request.quantity,
        "currency": request.unit_price.currency,
        "recurrence": request.recurrence.value,
        "annual_amount_base": str(request.base_amount),
        "base_currency": request.base_currency,
        "cost_centre": request.cost_centre,
        "data_access": request.data_access.value,
        "needed_by": request.needed_by.isoformat() if request.needed_by else None,
        "renewal_date": request.renewal_date.isoformat() if request.renewal_date else None,
        "justification": request.justification,
        "link": request.link,
        "catalogue_entry": request.catalogue_entry,
        "po_number": request.po_number,
        "rejection_reason": request.rejection_reason,
        "created_at": request.created_at.isoformat(),
        "updated_at": request.updated_at.isoformat(),
        "steps": [
            {
                "name": s.name,
                "group": s.group,
                "stage": s.stage,
                "mode": s.mode.value,
                "status": s.status.value,
                "approvers": s.approvers,
                "decided_by": s.deciders,
                "decisions": [
                    {
                        "approver": d.approver,
                        "outcome": d.outcome.value,
                        "on_behalf_of": d.on_behalf_of,
                        "comment": d.comment,
                        "at": d.at.isoformat(),
                    }
                    for d in s.decisions
                ],
                "reason": s.reason,
            }
            for s in request.steps
        ],
        "questions": [
            {"asked_by": q.asked_by, "step": q.step, "text": q.text, "answer": q.answer}
            for q in request.questions
        ],
        "events": [
            {
                "action": e.action,
                "actor": e.actor,
                "channel": e.channel.value,
                "from": e.from_status.value if e.from_status else None,
                "to": e.to_status.value if e.to_status else None,
                "step": e.step,
                "comment": e.comment,
                "at": e.at.isoformat(),
            }
            for e in events
        ],
    }


@requests_app.command("list")
def requests_list(
    status: Annotated[RequestStatus | None, typer.Option(help="Only this status.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON lines instead of a table.")] = False,
    limit: Annotated[int, typer.Option(min=1)] = 100,
) -> None:
    """List requests, newest first."""
    core = _core()
    with core.uow() as uow:
        found = uow.requests.list(statuses=[status] if status else None, limit=limit)
    if as_json:
        typer.echo(
            json.dumps(
                [
                    {
                        "number": r.number,
                        "status": r.status.value,
                        "title": r.title,
                        "requester": r.requester,
                        "vendor": r.vendor,
                        "amount": str(r.total.amount),
                        "currency": r.unit_price.currency,
                        "created_at": r.created_at.isoformat(),
                    }
                    for r in found
                ],
                indent=2,
            )
        )
        return
    if not found:
        typer.echo("No requests.")
        return
    for r in found:
        typer.echo(
            f"{r.number:<9} {r.status.value:<18} {money(r.total):>14}  "
            f"{r.vendor[:18]:<18} {r.title[:40]:<40} {r.requester}"
        )


@requests_app.command("show")
def requests_show(
    number: Annotated[str, typer.Argument(help="PR-1042 or 1042.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Show one request with its steps and audit events."""
    request_id = parse_number(number)
    if request_id is None:
        _fail(f"{number!r} is not a request number like PR-1042.")
        return
    core = _core()
    with core.uow() as uow:
        request = uow.requests.get(request_id)
        events = uow.events.for_request(request_id) if request else []
    if request is None:
        _fail(f"There is no request {number}.")
        return
    data = request_json(request, events)
    if as_json:
        typer.echo(json.dumps(data, indent=2))
        return
    typer.echo(f"{request.number}  {request.title}  [{request.status.label}]")
    typer.echo(
        f"  {money(request.total)} ({request.recurrence.label.lower()}), "
        f"{request.vendor}, requested by {request.requester} for {request.cost_centre}"
    )
    for step in request.steps:
        decided = f" by {', '.join(step.deciders)}" if step.deciders else ""
        typer.echo(
            f"  stage {step.stage} {step.name}: {step.status.value}{decided} "
            f"(approvers: {', '.join(step.approvers)})"
        )
    for event in events:
        comment = f" — {event.comment}" if event.comment else ""
        typer.echo(f"  {event.at:%Y-%m-%d %H:%M} UTC  {event.action} by {event.actor}{comment}")


# ------------------------------------------------------------------------------ export


@app.command()
def export(
    since: Annotated[str | None, typer.Option(help="YYYY-MM-DD: created on or after.")] = None,
) -> None:
    """Write every request as CSV to standard output (cells a spreadsheet would run as
    formulas start with a quote)."""
    start = None
    if since:
        try:
            start = datetime.combine(date.fromisoformat(since), datetime.min.time(), tzinfo=UTC)
        except ValueError:
            _fail(f"--since {since!r} is not a date like 2026-01-31.")
    core = _core()
    writer = spreadsheet.Writer(sys.stdout)
    writer.writerow(
        [
            "number",
            "status",
            "created_at",
            "requester",
            "title",
            "category",
            "vendor",
            "unit_price",
            "quantity",
            "currency",
            "recurrence",
            "annual_amount_base",
            "base_currency",
            "cost_centre",
            "data_access",
            "needed_by",
            "po_number",
            "steps",
        ]
    )
    with core.uow() as uow:
        for r in reversed(uow.requests.list(since=start, limit=10_000_000)):
            writer.writerow(
                [
                    r.number,
                    r.status.value,
                    r.created_at.isoformat(),
                    r.requester,
                    r.title,
                    r.category.value,
                    r.vendor,
                    r.unit_price.amount,
                    r.quantity,
                    r.unit_price.currency,
                    r.recurrence.value,
                    r.base_amount,
                    r.base_currency,
                    r.cost_centre,
                    r.data_access.value,
                    r.needed_by.isoformat() if r.needed_by else "",
                    r.po_number or "",
                    "; ".join(f"{s.name}={s.status.value}" for s in r.steps),
                ]
            )


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    main()
