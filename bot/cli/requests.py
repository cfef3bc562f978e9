"""`procurebot requests` (list, show) and `procurebot export` (CSV of every request)."""

from __future__ import annotations

import json
import sys
from datetime import UTC, date, datetime
from typing import Annotated, Any

import typer

from bot.app import spreadsheet
from bot.cli.common import fail
from bot.domain.errors import PolicyError
from bot.domain.formatting import money
from bot.domain.model import (
    PurchaseRequest,
    RequestStatus,
    parse_number,
)
from bot.domain.request_view import request_fields

requests_app = typer.Typer(help="Look at purchase requests.", no_args_is_help=True)


def _core() -> Any:
    from bot.bootstrap import build_core

    try:
        return build_core()
    except PolicyError as error:
        fail(str(error))


def request_json(request: PurchaseRequest, events: list[Any]) -> dict[str, Any]:
    """The contract's JSON view of a request (`requests show --json`)."""
    return {
        **request_fields(request),
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
        fail(f"{number!r} is not a request number like PR-1042.")
        return
    core = _core()
    with core.uow() as uow:
        request = uow.requests.get(request_id)
        events = uow.events.for_request(request_id) if request else []
    if request is None:
        fail(f"There is no request {number}.")
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
            fail(f"--since {since!r} is not a date like 2026-01-31.")
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
