"""The request form in Teams: opened blank, prefilled, for an edit or a renewal; submitted,
checked, shown again with errors or a notice, and saved through the command table."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from adapters.teams import ids
from adapters.teams.pages import approved_vendors, current_card
from adapters.teams.render import form_values, intake_card, note_card
from bot.app.commands import RenewalForm, Resubmit, Submit, handle
from bot.app.facade import Procurement
from bot.app.typed import Buy
from bot.domain import intake
from bot.domain.errors import BudgetExceeded, DomainError, InvalidInput, VendorRefused
from bot.domain.model import Channel, Person, PurchaseRequest, RequestDraft

INTAKE_TITLE = "New purchase request"
_RENEWAL_TITLE = "Renew a subscription"


class Forms:
    """Builds the request form's cards and handles their submissions."""

    def __init__(self, *, service: Procurement, on_change: Callable[[], None]) -> None:
        self._service = service
        self._on_change = on_change

    @property
    def _currencies(self) -> list[str]:
        return self._service.policy.currencies

    async def _vendors(self, chosen: str) -> list[str]:
        return await asyncio.to_thread(approved_vendors, service=self._service, chosen=chosen)

    async def _current(
        self, request_id: int, person: Person, notice: str | None = None
    ) -> dict[str, Any]:
        return await asyncio.to_thread(
            current_card, service=self._service, request_id=request_id, person=person, notice=notice
        )

    async def intake(self, command: Buy) -> dict[str, Any]:
        """The form for `buy`, prefilled from the line typed after it."""
        form = await asyncio.to_thread(handle, self._service, command)
        values = form.values
        return intake_card(
            values=values,
            currencies=self._currencies,
            vendors=await self._vendors(values.get(intake.VENDOR, "")),
        )

    async def edit(self, request: PurchaseRequest) -> dict[str, Any]:
        """The request's own form, to change it (the command table checked who may)."""
        question = request.open_question
        return intake_card(
            values=intake.draft_values(request.as_draft()),
            currencies=self._currencies,
            vendors=await self._vendors(request.vendor),
            verb=ids.EDIT_SUBMIT,
            data={ids.REQUEST: request.id},
            title=f"Edit {request.number}",
            submit="Resubmit",
            notice=f"“{question.text}”" if question else None,
        )

    async def renewal(self, form: RenewalForm) -> dict[str, Any]:
        """Renew: the request form prefilled from the subscription, remembering what it
        renews (refused, with the reason, to anyone but its owner and procurement)."""
        return intake_card(
            values=intake.draft_values(form.draft),
            currencies=self._currencies,
            vendors=await self._vendors(form.draft.vendor),
            data={ids.RENEWS: form.renews},
            title=_RENEWAL_TITLE,
        )

    async def submit(self, person: Person, data: dict[str, Any], key: str) -> dict[str, Any]:
        """A new request from the form: checked, previewed once, then saved."""
        values = form_values(data)
        vendors = await self._vendors(values.get(intake.VENDOR, ""))
        renews = _request_id(data.get(ids.RENEWS))
        form = _FormAgain(
            values,
            self._currencies,
            vendors,
            data={ids.RENEWS: renews} if renews else None,
            title=_RENEWAL_TITLE if renews else INTAKE_TITLE,
        )
        try:
            draft = intake.parse_form(
                values, currencies=self._currencies, today=self._today(person)
            )
        except InvalidInput as invalid:
            return form.card(errors=invalid.fields, confirmed=bool(data.get(ids.CONFIRMED)))
        try:
            if not data.get(ids.CONFIRMED):
                notice = await self._preview_notice(person, draft, renews=renews)
                if notice:
                    return form.card(notice=f"ℹ️ {notice}", confirmed=True, submit="Submit anyway")
            submit = Submit(
                actor=person, channel=Channel.TEAMS, draft=draft, idempotency_key=key, renews=renews
            )
            saved = await asyncio.to_thread(handle, self._service, submit)
        except DomainError as error:
            return form.card(errors={intake.field_for(error): str(error)}, confirmed=True)
        self._on_change()
        if renews:
            # The form replaced the renewal card: show that card again, now without its
            # buttons; the new request's own card arrives in the chat as any request's does.
            return await self._current(renews, person)
        request_id = saved.request.id
        assert request_id is not None  # a saved request has its id
        card = await asyncio.to_thread(
            self._service.card_for, request_id=request_id, viewer=person.email
        )
        return note_card(
            f"{card.number} · {card.title} is in: {card.status_text}. "
            "I'll tell you here at each step."
        )

    async def _preview_notice(
        self, person: Person, draft: RequestDraft, *, renews: int | None = None
    ) -> str | None:
        """What the requester should read before the request is saved (existing purchases,
        an overrun of the budget), or None to submit at once."""
        try:
            preview = await asyncio.wait_for(
                asyncio.to_thread(
                    self._service.preview, requester=person.email, draft=draft, renews=renews
                ),
                1.0,
            )
        except TimeoutError:
            return None  # a slow database must not cost the requester their form
        return preview.to_confirm

    async def resubmit(self, person: Person, data: dict[str, Any], key: str) -> dict[str, Any]:
        """The edited form: checked and saved, answered with the request's card."""
        try:
            request_id = int(data[ids.REQUEST])
        except (KeyError, TypeError, ValueError):
            return note_card("I lost track of which request this form edits. Open it again.")
        values = form_values(data)
        form = _FormAgain(
            values,
            self._currencies,
            await self._vendors(values.get(intake.VENDOR, "")),
            verb=ids.EDIT_SUBMIT,
            data={ids.REQUEST: request_id},
            title="Edit request",
            submit="Resubmit",
        )
        try:
            draft = intake.parse_form(
                values, currencies=self._currencies, today=self._today(person)
            )
            resubmit = Resubmit(
                request_id=request_id,
                actor=person,
                channel=Channel.TEAMS,
                draft=draft,
                idempotency_key=key,
            )
            await asyncio.to_thread(handle, self._service, resubmit)
        except InvalidInput as invalid:
            return form.card(errors=invalid.fields)
        except (VendorRefused, BudgetExceeded) as refused:
            return form.card(errors={intake.field_for(refused): str(refused)})
        except DomainError as error:
            return await self._current(request_id, person, str(error))
        self._on_change()
        return await self._current(request_id, person)

    def _today(self, person: Person) -> date:
        return self._service.clock.now().astimezone(ZoneInfo(person.tz or "UTC")).date()


class _FormAgain:
    """The form as the person filled it, to show again with errors or a notice."""

    def __init__(
        self,
        values: dict[str, str],
        currencies: list[str],
        vendors: list[str],
        *,
        verb: str = ids.INTAKE_SUBMIT,
        data: dict[str, Any] | None = None,
        title: str = INTAKE_TITLE,
        submit: str = "Submit",
    ) -> None:
        self._values = values
        self._currencies = currencies
        self._vendors = vendors
        self._verb = verb
        self._data = data or {}
        self._title = title
        self._submit = submit

    def card(
        self,
        *,
        errors: dict[str, str] | None = None,
        notice: str | None = None,
        confirmed: bool = False,
        submit: str | None = None,
    ) -> dict[str, Any]:
        data = {**self._data, **({ids.CONFIRMED: True} if confirmed else {})}
        return intake_card(
            values=self._values,
            currencies=self._currencies,
            vendors=self._vendors,
            errors=errors,
            notice=notice,
            verb=self._verb,
            data=data,
            title=self._title,
            submit=submit or self._submit,
        )


def _request_id(value: object) -> int | None:
    """A request id carried in a form's data, or None (absent or not a number)."""
    try:
        number = int(str(value))
    except ValueError:
        return None
    return number if number > 0 else None
