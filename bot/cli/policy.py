"""`procurebot policy`: check a policy file, print the example, explain a request's route."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bot.cli.common import fail
from bot.domain import amounts
from bot.domain import policy as policy_module
from bot.domain.errors import DomainError, PolicyError
from bot.domain.formatting import money
from bot.domain.model import (
    Category,
    DataAccess,
    Recurrence,
    VendorStatus,
    vendor_key,
)
from bot.domain.wording import vendor_state
from bot.resources import example_policy_path
from bot.settings import Settings

policy_app = typer.Typer(help="Check and explain a policy file.", no_args_is_help=True)


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
        fail(str(error))
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
        fail(str(error))
        return
    except amounts.AmountError as error:
        fail(f"--amount {amount!r} {error}")
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
        fail(str(error))
        return
    per = "a year" if recurrence is not Recurrence.ONE_OFF else "in total"
    typer.echo(
        f"{category.label} from {vendor or 'an unnamed vendor'} "
        f"({vendor_state(vendor_status)}), {money(yearly, loaded.base_currency)} "
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
