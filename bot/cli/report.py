"""`procurebot report spend`: approved spend over a period as CSV and a PNG chart."""

from __future__ import annotations

import sys
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import typer

from bot.app import spreadsheet
from bot.domain.errors import PolicyError
from bot.domain.formatting import money
from bot.domain.spend import DIMENSIONS, SpendLine, csv_rows

report_app = typer.Typer(help="Reports for buying with data.", no_args_is_help=True)


def _core() -> Any:
    from bot.bootstrap import build_core

    try:
        return build_core()
    except PolicyError as error:
        typer.echo(str(error), err=True)
        raise typer.Exit(1) from None


def _day(value: str | None, *, option: str, default: date) -> date:
    if value is None:
        return default
    try:
        return date.fromisoformat(value)
    except ValueError:
        typer.echo(f"{option} {value!r} is not a date like 2026-01-31.", err=True)
        raise typer.Exit(1) from None


@report_app.command("spend")
def report_spend(
    since: Annotated[
        str | None, typer.Option(help="First day, YYYY-MM-DD (default: a year ago).")
    ] = None,
    until: Annotated[
        str | None, typer.Option(help="Last day, YYYY-MM-DD (default: today).")
    ] = None,
    by: Annotated[
        str | None, typer.Option(help="vendor, category or cost_centre (default: all three).")
    ] = None,
    out: Annotated[Path | None, typer.Option(help="Write the CSV here, not to the screen.")] = None,
    chart: Annotated[Path | None, typer.Option(help="Also draw the spend as a PNG here.")] = None,
) -> None:
    """Approved spend by vendor, category and cost centre, each line with its request numbers."""
    if by is not None and by not in DIMENSIONS:
        typer.echo(f"--by {by!r}: choose one of {', '.join(DIMENSIONS)}.", err=True)
        raise typer.Exit(1)
    core = _core()
    zone = ZoneInfo(core.policy.digest.timezone)
    today = datetime.now(zone).date()
    first = _day(since, option="--since", default=today - timedelta(days=365))
    last = _day(until, option="--until", default=today)
    if last < first:
        typer.echo(f"--until {last} is before --since {first}.", err=True)
        raise typer.Exit(1)
    start = datetime.combine(first, time(0), tzinfo=zone)
    end = datetime.combine(last + timedelta(days=1), time(0), tzinfo=zone)
    from storage.spend import SqlSpendQueries  # the CLI is wiring: it may name storage

    dimensions = [by] if by else list(DIMENSIONS)
    with core.uow() as uow:
        queries = SqlSpendQueries(uow.connection)
        report = {d: queries.spend(by=d, start=start, end=end) for d in dimensions}
    lines = [line for d in dimensions for line in report[d]]
    currency = core.policy.base_currency
    if out is None:
        _write(sys.stdout, lines, currency)
    else:
        with out.open("w", newline="", encoding="utf-8") as stream:
            _write(stream, lines, currency)
    if chart is not None:
        from bot.app.chart import spend_bars  # matplotlib is slow to import: only when asked

        main = dimensions[0]
        total = sum((line.amount for line in report[main]), start=Decimal("0.00"))
        title = f"Approved spend by {main.replace('_', ' ')}, {first:%d %b %Y} – {last:%d %b %Y}"
        chart.write_bytes(spend_bars(report[main], title=title, currency=currency))
        typer.echo(
            f"Chart of {len(report[main])} {main.replace('_', ' ')} line(s), "
            f"{money(total, currency)} in all: {chart}",
            err=True,
        )


def _write(stream: Any, lines: list[SpendLine], currency: str) -> None:
    writer = spreadsheet.Writer(stream)
    for row in csv_rows(lines, currency=currency):
        writer.writerow(row)
