"""The command table both chat adapters call: what a person asked for, as typed data.

A card button, a submitted form or a typed line becomes one frozen command; `handle` runs
the one use case it names and returns a neutral outcome that each adapter renders its own
way (Block Kit, Adaptive Card). Adapters keep only what is theirs: identity, acks, layout.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, overload

from bot.app.facade import Procurement
from bot.app.typed import (  # typed commands: parsed there, handled here
    Buy,
    ConfirmCancel,
    Status,
    TextCommand,
)
from bot.domain import intake
from bot.domain.cards import Card
from bot.domain.errors import IllegalTransition, NotAllowed
from bot.domain.model import Channel, Person, PurchaseRequest, RequestDraft
from bot.domain.workflow import Action

# ---------------------------------------------------------------------- card actions


@dataclass(frozen=True, kw_only=True)
class RequestCommand:
    """Something a person does to one request, from one channel (retries share the key)."""

    request_id: int
    actor: Person
    channel: Channel
    idempotency_key: str | None = None


@dataclass(frozen=True, kw_only=True)
class Approve(RequestCommand):
    """Approve the actor's step (or the one named)."""

    step: str | None = None


@dataclass(frozen=True, kw_only=True)
class Reject(RequestCommand):
    """Reject, with the reason the requester reads."""

    reason: str
    step: str | None = None


@dataclass(frozen=True, kw_only=True)
class Ask(RequestCommand):
    """Ask the requester a question; the request waits for the answer."""

    question: str
    step: str | None = None


@dataclass(frozen=True, kw_only=True)
class Answer(RequestCommand):
    """The requester answers the open question."""

    text: str


@dataclass(frozen=True, kw_only=True)
class Cancel(RequestCommand):
    """The requester withdraws the request."""


@dataclass(frozen=True, kw_only=True)
class RecordPO(RequestCommand):
    """Procurement records the purchase order number."""

    po_number: str


@dataclass(frozen=True, kw_only=True)
class MarkReceived(RequestCommand):
    """The purchase arrived."""


@dataclass(frozen=True, kw_only=True)
class LetLapse(RequestCommand):
    """A subscription due for renewal is let go."""


@dataclass(frozen=True, kw_only=True)
class Edit(RequestCommand):
    """Open the request's form to change it (its requester only)."""


@dataclass(frozen=True, kw_only=True)
class Renew(RequestCommand):
    """Open a new request's form prefilled from a subscription due for renewal."""


@dataclass(frozen=True, kw_only=True)
class Resubmit(RequestCommand):
    """The requester saves the edited form."""

    draft: RequestDraft


@dataclass(frozen=True, kw_only=True)
class Submit:
    """A new request from the intake form (renewing `renews` if set)."""

    actor: Person
    channel: Channel
    draft: RequestDraft
    idempotency_key: str | None = None
    renews: int | None = None


# Every card button's command; the ones in TEXT_ACTIONS need the text from a form first.
BY_ACTION: dict[Action, type[RequestCommand]] = {
    Action.APPROVE: Approve,
    Action.REJECT: Reject,
    Action.ASK: Ask,
    Action.ANSWER: Answer,
    Action.EDIT: Edit,
    Action.CANCEL: Cancel,
    Action.RECORD_PO: RecordPO,
    Action.MARK_RECEIVED: MarkReceived,
    Action.RENEW: Renew,
    Action.LET_LAPSE: LetLapse,
}
_TEXT_FIELD = {Reject: "reason", Ask: "question", Answer: "text", RecordPO: "po_number"}
_STEPPED = (Approve, Reject, Ask)
TEXT_ACTIONS = frozenset(a for a, kind in BY_ACTION.items() if kind in _TEXT_FIELD)
FORM_ACTIONS = frozenset({Action.EDIT, Action.RENEW})  # they open the request form


def for_action(
    action: Action,
    *,
    request_id: int,
    actor: Person,
    channel: Channel,
    step: str | None = None,
    text: str = "",
    idempotency_key: str | None = None,
) -> RequestCommand:
    """The command behind a card button (text: what its form asked for, if it has one)."""
    kind = BY_ACTION[action]
    extra: dict[str, Any] = {}
    if kind in _STEPPED:
        extra["step"] = step
    if kind in _TEXT_FIELD:
        extra[_TEXT_FIELD[kind]] = text
    return kind(
        request_id=request_id,
        actor=actor,
        channel=channel,
        idempotency_key=idempotency_key,
        **extra,
    )


# ---------------------------------------------------------------------- outcomes


@dataclass(frozen=True, kw_only=True)
class Changed:
    """The use case ran: the request as it is now (adapters refresh what they show)."""

    request: PurchaseRequest


@dataclass(frozen=True, kw_only=True)
class EditForm:
    """The request's form to open, filled in as it stands, for its requester."""

    request: PurchaseRequest


@dataclass(frozen=True, kw_only=True)
class RenewalForm:
    """A new request's form prefilled from the subscription `renews`."""

    renews: int
    draft: RequestDraft


@dataclass(frozen=True, kw_only=True)
class IntakeForm:
    """The request form, prefilled with what a one-line description said."""

    values: dict[str, str]


@dataclass(frozen=True, kw_only=True)
class Shown:
    """A request's card for the person who asked (`confirm_cancel`: as a cancel offer)."""

    card: Card
    confirm_cancel: bool = False


Outcome = Changed | EditForm | RenewalForm | IntakeForm | Shown


def _common(command: RequestCommand) -> dict[str, Any]:
    return {
        "request_id": command.request_id,
        "actor": command.actor.email,
        "channel": command.channel,
        "idempotency_key": command.idempotency_key,
    }


@overload
def handle(service: Procurement, command: Status | ConfirmCancel) -> Shown: ...
@overload
def handle(service: Procurement, command: Buy) -> IntakeForm: ...
@overload
def handle(service: Procurement, command: Submit) -> Changed: ...
@overload
def handle(service: Procurement, command: RequestCommand | Submit | TextCommand) -> Outcome: ...


def handle(service: Procurement, command: RequestCommand | Submit | TextCommand) -> Outcome:
    """Run the one use case a command names (blocking: adapters call it in a worker thread).
    Refusals raise the domain's errors, whose messages are for the person."""
    match command:
        case Approve():
            return Changed(request=service.approve(step=command.step, **_common(command)))
        case Reject():
            request = service.reject(reason=command.reason, step=command.step, **_common(command))
            return Changed(request=request)
        case Ask():
            request = service.ask(question=command.question, step=command.step, **_common(command))
            return Changed(request=request)
        case Answer():
            return Changed(request=service.answer(text=command.text, **_common(command)))
        case Cancel():
            return Changed(request=service.cancel(**_common(command)))
        case RecordPO():
            return Changed(
                request=service.record_po(po_number=command.po_number, **_common(command))
            )
        case MarkReceived():
            return Changed(request=service.mark_received(**_common(command)))
        case LetLapse():
            return Changed(request=service.let_lapse(**_common(command)))
        case Resubmit():
            return Changed(request=service.edit(draft=command.draft, **_common(command)))
        case Edit():
            request = service.get(command.request_id)
            if request.requester != command.actor.email:
                raise NotAllowed(f"Only the requester can edit {request.number}.")
            return EditForm(request=request)
        case Renew():
            draft = service.renewal_draft(request_id=command.request_id, actor=command.actor.email)
            return RenewalForm(renews=command.request_id, draft=draft)
        case Submit():
            request = service.submit(
                requester=command.actor.email,
                draft=command.draft,
                channel=command.channel,
                idempotency_key=command.idempotency_key,
                renews=command.renews,
            )
            return Changed(request=request)
        case Buy():
            if not command.text:
                return IntakeForm(values={})
            known = service.known_vendors()
            return IntakeForm(values=intake.parse_text(command.text, known_vendors=known).values)
        case Status() | ConfirmCancel():
            return _shown(service, command)
    raise TypeError(f"No use case for {type(command).__name__}")  # Help, ListMine, Usage


def _shown(service: Procurement, command: Status | ConfirmCancel) -> Shown:
    if command.actor is None:
        raise TypeError("Status and ConfirmCancel need the actor before they are handled")
    card = service.card_for(
        request_id=command.request_id, viewer=command.actor.email, check_visible=True
    )
    if isinstance(command, Status):
        return Shown(card=card)
    if Action.CANCEL in {a.action for a in card.actions}:
        return Shown(card=card, confirm_cancel=True)
    if card.viewer_role != "requester":
        raise NotAllowed(f"Only the requester can cancel {card.number}.")
    raise IllegalTransition(
        f"{card.number} is {card.status.label.lower()} and can no longer be cancelled."
    )
