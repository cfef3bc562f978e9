"""The intake form as an Adaptive Card: its fields, the vendor choices and typeahead, and
reading the submitted values back."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from adapters.teams import ids, limits
from adapters.teams.render.cards import adaptive_card, escaped, execute, text_block
from bot.domain import intake
from bot.domain.clipping import clip, ellipsis
from bot.domain.model import Category, DataAccess, Recurrence, vendor_key

_CATEGORY_CHOICES = [{"title": c.label, "value": c.value} for c in Category]
_RECURRENCE_CHOICES = [{"title": r.label, "value": r.value} for r in Recurrence]
_DATA_CHOICES = [{"title": d.label, "value": d.value} for d in DataAccess]


def intake_card(
    *,
    values: Mapping[str, str],
    currencies: Sequence[str],
    vendors: Sequence[str],
    errors: Mapping[str, str] | None = None,
    notice: str | None = None,
    verb: str = ids.INTAKE_SUBMIT,
    data: Mapping[str, Any] | None = None,
    title: str = "New purchase request",
    submit: str = "Submit",
) -> dict[str, Any]:
    """The request form, prefilled with `values`, each error shown under its field.

    The same fields and rules as the Slack modal (bot/domain/intake.py). Every field is shown
    whatever the category: Adaptive Cards cannot react to a choice before submit, and the
    rules ignore billing and data access where the category does not need them. `vendors`
    are approved vendors: the first few are the vendor field's choices, and typing searches
    all of them (an `application/search` invoke); with none, only the new-vendor field shows.
    What the person typed is kept whole; the notice and the errors are shortened until the
    form fits Teams' message size.
    """
    for said in _FORM_NOTES:
        form = _intake_card(
            values=values,
            currencies=currencies,
            vendors=vendors,
            errors={name: clip(text, said) for name, text in (errors or {}).items()},
            notice=clip(notice, said) if notice else None,
            verb=verb,
            data=data,
            title=title,
            submit=submit,
        )
        if limits.fits(form):
            break
    return form


_FORM_NOTES = (limits.TEXT_BLOCK, 600, 200, 100)  # characters of the form's notice and errors


def _intake_card(
    *,
    values: Mapping[str, str],
    currencies: Sequence[str],
    vendors: Sequence[str],
    errors: Mapping[str, str],
    notice: str | None,
    verb: str,
    data: Mapping[str, Any] | None,
    title: str,
    submit: str,
) -> dict[str, Any]:
    errors = dict(errors)
    body: list[dict[str, Any]] = [text_block(escaped(title), size="Medium", weight="Bolder")]
    if errors:
        body.append(text_block("Please fix the fields marked below.", color="Attention"))
    values = _prefill(values)
    known = {vendor_key(v): v for v in vendors}
    vendor_value = values.get(intake.VENDOR) or ""
    chosen_vendor = known.get(vendor_key(vendor_value), "") if vendor_value else ""
    new_vendor = values.get(ids.VENDOR_NEW) or ("" if chosen_vendor else vendor_value)

    def add_error(name: str) -> None:
        if name in errors:
            body.append(
                text_block(
                    escaped(errors[name]),
                    color="Attention",
                    size="Small",
                    spacing="None",
                    id=f"{name}_error",
                )
            )

    def add(field: dict[str, Any], name: str, *, hint: str | None = None) -> None:
        field.setdefault("id", name)
        field.setdefault("label", intake.LABELS[name])
        body.append(field)
        if hint:
            body.append(text_block(hint, isSubtle=True, size="Small", spacing="None"))
        add_error(name)

    def text_input(name: str, *, placeholder: str = "", multiline: bool = False) -> dict:
        field: dict[str, Any] = {"type": "Input.Text", "value": values.get(name) or ""}
        if placeholder:
            field["placeholder"] = placeholder
        if multiline:
            field["isMultiline"] = True
        if name in intake.MAX_LENGTH:
            field["maxLength"] = intake.MAX_LENGTH[name]
        return field

    def choice(name: str, choices: list[dict[str, str]], default: str, **extra: Any) -> dict:
        return {
            "type": "Input.ChoiceSet",
            "choices": choices,
            "value": values.get(name) or default,
            **extra,
        }

    add(text_input(intake.TITLE, placeholder="e.g. 3 Figma Professional seats"), intake.TITLE)
    add(
        choice(intake.CATEGORY, _CATEGORY_CHOICES, "", style="compact", placeholder="Pick one"),
        intake.CATEGORY,
    )
    if vendors:
        add(vendor_choices(vendors, chosen=chosen_vendor), intake.VENDOR)
    body.append(
        {
            "type": "Input.Text",
            "id": ids.VENDOR_NEW,
            "label": "Or a new vendor" if vendors else intake.LABELS[intake.VENDOR],
            "placeholder": "e.g. Figma",
            "value": new_vendor,
            "maxLength": intake.MAX_LENGTH[intake.VENDOR],
            "spacing": "Small" if vendors else "Default",
        }
    )
    if not vendors and intake.VENDOR in errors:
        # No choice set to hang the vendor's error under: the new-vendor field takes it.
        add_error(intake.VENDOR)
    add(_number_input(values.get(intake.UNIT_PRICE), minimum=0), intake.UNIT_PRICE)
    currency_choices = [{"title": c, "value": c} for c in currencies]
    add(choice(intake.CURRENCY, currency_choices, currencies[0], style="compact"), intake.CURRENCY)
    add(_number_input(values.get(intake.QUANTITY) or "1", minimum=1), intake.QUANTITY)
    add(
        choice(intake.RECURRENCE, _RECURRENCE_CHOICES, "one_off", style="expanded"),
        intake.RECURRENCE,
        hint="Hardware is always one-off.",
    )
    add(text_input(intake.COST_CENTRE, placeholder="e.g. Design"), intake.COST_CENTRE)
    add({"type": "Input.Date", "value": values.get(intake.NEEDED_BY) or ""}, intake.NEEDED_BY)
    add(
        choice(intake.DATA_ACCESS, _DATA_CHOICES, "none", style="compact"),
        intake.DATA_ACCESS,
        hint="Security reviews anything that touches confidential or personal data.",
    )
    add(
        text_input(
            intake.JUSTIFICATION,
            placeholder="Who needs it, for what, and what happens without it",
            multiline=True,
        ),
        intake.JUSTIFICATION,
    )
    link = text_input(intake.LINK)
    link["style"] = "Url"
    add(link, intake.LINK)
    add(
        {"type": "Input.Date", "value": values.get(intake.RENEWAL_DATE) or ""},
        intake.RENEWAL_DATE,
        hint="For subscriptions: when it renews, so we remind you in time.",
    )
    if notice:
        # Last, next to the "Submit anyway" button, where the person looks. It quotes other
        # people's request titles: shown as typed.
        body.append(
            {"type": "Container", "style": "emphasis", "items": [text_block(escaped(notice))]}
        )
    payload = {ids.KIND: verb, **(data or {})}
    return adaptive_card(body, [execute(submit, payload, style="positive")])


def vendor_choices(vendors: Sequence[str], *, chosen: str = "") -> dict[str, Any]:
    """The vendor field: a typeahead over approved vendors (Adaptive Cards 1.6 `Data.Query`,
    answered by the bot's `application/search`), the first few as its initial choices."""
    shown = list(vendors[: limits.CHOICES_STATIC])
    if chosen and chosen not in shown:
        shown.append(chosen)
    return {
        "type": "Input.ChoiceSet",
        "style": "filtered",
        "choices": [_choice(v) for v in shown],
        "choices.data": {
            "type": "Data.Query",
            "dataset": ids.VENDOR_DATASET,
            "count": limits.CHOICES_SHOWN,
        },
        "value": chosen,
        "placeholder": "Search approved vendors",
    }


def _choice(vendor: str) -> dict[str, str]:
    return {"title": clip(vendor, limits.CHOICE_TITLE, marker=ellipsis), "value": vendor}


def vendor_search_results(vendors: Sequence[str]) -> dict[str, Any]:
    """The value of an `application/search` answer: the vendors found, as choices."""
    return {"results": [_choice(v) for v in vendors[: limits.CHOICES_SHOWN]]}


def _prefill(values: Mapping[str, str]) -> dict[str, str]:
    """Values within each field's maxLength: a prefill from `buy <long text>` may be longer,
    and Teams would show what the field then refuses to submit."""
    return {
        name: clip(value, intake.MAX_LENGTH[name], length=len, marker=lambda _: "")
        if name in intake.MAX_LENGTH
        else value
        for name, value in values.items()
    }


def _number_input(raw: str | None, *, minimum: int) -> dict[str, Any]:
    """An Input.Number; its value must be a JSON number, so text that is none is left out."""
    field: dict[str, Any] = {"type": "Input.Number", "min": minimum}
    try:
        number = Decimal(str(raw))
    except (InvalidOperation, ValueError):
        return field
    if number.is_finite():
        field["value"] = int(number) if number == number.to_integral_value() else float(number)
    return field


def _as_text(value: Any) -> str:
    # Clients may send an Input.Number as a JSON number: 3.0 must read as '3', not '3.0'.
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return "" if value is None else str(value).strip()


def form_values(data: Mapping[str, Any]) -> dict[str, str]:
    """The intake field values (as strings) from what a form submit sent."""
    values = {name: _as_text(data.get(name)) for name in intake.FIELDS}
    values = {name: value for name, value in values.items() if value}
    new_vendor = str(data.get(ids.VENDOR_NEW) or "").strip()
    if new_vendor:
        values[intake.VENDOR] = new_vendor  # typed beats picked: the list only offers old ones
    return values
