"""`procurebot vendors ...` and `procurebot budgets ...`: the registry and budgets from a shell."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Annotated, Any

import typer

from bot.cli.vendor_review import qualification_json, qualification_lines
from bot.domain import budgets as budget_rules
from bot.domain import vendors as vendor_rules
from bot.domain.errors import DomainError, PolicyError
from bot.domain.formatting import money, short_amount
from bot.domain.model import Vendor

vendors_app = typer.Typer(help="The vendor registry.", no_args_is_help=True)
budgets_app = typer.Typer(help="Budgets per cost centre and period.", no_args_is_help=True)

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON.")]
CsvFile = Annotated[Path, typer.Argument(help="A CSV file with a header line.")]


def _service() -> Any:
    from bot.bootstrap import build_core

    try:
        return build_core().service
    except PolicyError as error:
        typer.echo(str(error), err=True)
        raise typer.Exit(1) from None


def _read_csv(path: Path) -> tuple[list[str], list[dict[str, str | None]]]:
    """Header (lower-case, spaces as underscores) and rows; utf-8-sig for Excel's BOM."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle)
            header = [h.strip().lower().replace(" ", "_") for h in next(reader, [])]
            rows = [dict(zip(header, cells, strict=False)) for cells in reader]
    except OSError as error:
        typer.echo(f"{path}: cannot read it ({error.strerror}).", err=True)
        raise typer.Exit(1) from None
    except (UnicodeDecodeError, csv.Error) as error:
        typer.echo(f"{path}: not a UTF-8 CSV file ({error}).", err=True)
        raise typer.Exit(1) from None
    return header, [dict(row) for row in rows]


def _problems(path: Path, problems: list[str]) -> None:
    count = len(problems)
    typer.echo(
        f"{path}: {count} problem{'s' if count != 1 else ''}; nothing was imported:", err=True
    )
    for problem in problems:
        typer.echo(f"  {problem}", err=True)
    raise typer.Exit(1)


# ------------------------------------------------------------------------------ vendors


def vendor_json(vendor: Vendor, status_text: str) -> dict[str, Any]:
    """A vendor as `vendors list --json` prints it."""
    return {
        "name": vendor.name,
        "status": vendor.status.value,
        "status_text": status_text,
        "category": vendor.category.value if vendor.category else None,
        "website": vendor.website,
        "owner": vendor.owner,
        "notes": vendor.notes,
        "reviewed_at": vendor.reviewed_at.isoformat() if vendor.reviewed_at else None,
        "reviewed_by": vendor.reviewed_by,
        "review_outcome": vendor.review_outcome,
    }


@vendors_app.command("list")
def vendors_list(as_json: JsonOption = False) -> None:
    """Every vendor with its status and review."""
    service = _service()
    vendors = service.registry.vendors()
    if as_json:
        data = [vendor_json(v, service.registry.vendor_status_text(v)) for v in vendors]
        typer.echo(json.dumps(data, indent=2))
        return
    if not vendors:
        typer.echo("No vendors yet. Import a list with `procurebot vendors import FILE.csv`.")
        return
    width = max(len(v.name) for v in vendors)
    for vendor in vendors:
        category = vendor.category.value if vendor.category else "-"
        typer.echo(
            f"{vendor.name:<{width}}  {service.registry.vendor_status_text(vendor):<32}  "
            f"{category:<9}  {vendor.owner or '-'}"
        )


@vendors_app.command("show")
def vendors_show(
    name: Annotated[str, typer.Argument(help="Vendor name, as loosely as you like.")],
    as_json: JsonOption = False,
) -> None:
    """A vendor, its review, its requests and what the company spends with it."""
    service = _service()
    try:
        report = service.registry.vendor_report(name)
    except DomainError as error:
        typer.echo(str(error), err=True)
        raise typer.Exit(1) from None
    vendor = report.vendor
    spend = money(report.approved_spend, report.base_currency)
    if as_json:
        data = vendor_json(vendor, report.status_text)
        data["approved_spend_per_year"] = str(report.approved_spend)
        data.update(qualification_json(service, vendor))
        data["base_currency"] = report.base_currency
        data["requests"] = [
            {
                "number": r.number,
                "title": r.title,
                "status": r.status.value,
                "requester": r.requester,
                "cost_centre": r.cost_centre,
                "amount": str(r.total.amount),
                "currency": r.unit_price.currency,
                "recurrence": r.recurrence.value,
            }
            for r in report.requests
        ]
        typer.echo(json.dumps(data, indent=2))
        return
    lines = [
        f"{vendor.name}: {report.status_text}",
        f"  category   {vendor.category.label if vendor.category else '-'}",
        f"  website    {vendor.website or '-'}",
        f"  owner      {vendor.owner or '-'}",
        f"  notes      {vendor.notes or '-'}",
        f"  review     {vendor.review_outcome or '-'}"
        + (
            f" ({vendor.reviewed_by or 'unknown'}, {vendor.reviewed_at:%Y-%m-%d})"
            if vendor.reviewed_at
            else ""
        ),
        *qualification_lines(service, vendor),
        f"  spend      {spend} a year approved",
        f"  requests   {len(report.requests) or 'none'}",
    ]
    for r in report.requests:
        lines.append(
            f"    {r.number}  {r.status.label:<17}  {short_amount(r):>14}  {r.cost_centre:<12}  "
            f"{r.requester}  {r.title}"
        )
    typer.echo("\n".join(lines))


@vendors_app.command("import")
def vendors_import(file: CsvFile) -> None:
    """Add or update vendors from a CSV (name, status, category, website, owner, notes,
    reviewed_at, reviewed_by, review_outcome). Names match forgivingly, so re-importing a
    file changes nothing; empty cells keep what the registry has."""
    header, rows = _read_csv(file)
    try:
        parsed = vendor_rules.parse_vendor_rows(rows, header=header)
    except vendor_rules.ImportProblems as error:
        _problems(file, error.problems)
        return
    added, updated, unchanged = _service().registry.import_vendors(parsed)
    typer.echo(f"{file}: {added} added, {updated} updated, {unchanged} unchanged.")


# ------------------------------------------------------------------------------ budgets


@budgets_app.command("list")
def budgets_list(as_json: JsonOption = False) -> None:
    """Every budget (policy and imported) with what is spent and left."""
    service = _service()
    checks = service.registry.budgets()
    if as_json:
        data = [
            {
                "cost_centre": c.budget.cost_centre,
                "period": c.budget.period.label,
                "amount": str(c.budget.amount),
                "currency": c.budget.currency,
                "source": c.budget.source,
                "base_currency": c.base_currency,
                "limit": str(c.limit),
                "spent": str(c.spent),
                "remaining": str(c.remaining),
            }
            for c in checks
        ]
        typer.echo(json.dumps(data, indent=2))
        return
    if not checks:
        typer.echo("No budgets. Set them in the policy or `procurebot budgets import FILE.csv`.")
        return
    width = max(len(c.budget.cost_centre) for c in checks)
    for c in checks:
        base = c.base_currency
        typer.echo(
            f"{c.budget.cost_centre:<{width}}  {c.budget.period.label:<7}  "
            f"{money(c.budget.amount, c.budget.currency):>14}  "
            f"spent {money(c.spent, base):>14}  left {money(c.remaining, base):>14}  "
            f"({c.budget.source})"
        )


@budgets_app.command("import")
def budgets_import(file: CsvFile) -> None:
    """Store budgets from a CSV (cost_centre, period, amount, currency); each replaces the
    policy's or an earlier import's budget of the same cost centre and period."""
    header, rows = _read_csv(file)
    service = _service()
    try:
        parsed = budget_rules.parse_budget_rows(
            rows, header=header, currencies=service.policy.currencies
        )
    except ValueError as error:
        _problems(file, str(error).splitlines())
        return
    added, replaced = service.registry.import_budgets(parsed)
    typer.echo(f"{file}: {added} added, {replaced} replaced.")
