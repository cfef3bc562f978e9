"""What every use case works with, and the steps they share: load a request, change it in
one transaction with retries, and queue the messages the change implies."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from bot.app import texts
from bot.app.ports import Clock, MessageKind, OutboxMessage, UnitOfWork, UnitOfWorkFactory
from bot.domain.errors import AlreadyDecided, ConcurrentUpdate, NotFound
from bot.domain.model import Delegation, PurchaseRequest, Step, format_number
from bot.domain.policy import Policy

log = logging.getLogger(__name__)
RETRIES = 5

# Applies a change to a loaded request inside its unit of work, at `now`.
Apply = Callable[[UnitOfWork, PurchaseRequest, datetime], None]


@dataclass(frozen=True, slots=True)
class Context:
    """The database, the policy and the clock one set of use cases runs on."""

    uow: UnitOfWorkFactory
    policy: Policy
    clock: Clock

    def delegations(self) -> list[Delegation]:
        """The policy's delegations (absent approvers and who covers for them)."""
        return self.policy.delegation_list()


def change(
    ctx: Context,
    *,
    request_id: int,
    actor: str,
    apply: Apply,
    idempotency_key: str | None = None,
) -> PurchaseRequest:
    """Load, apply, save in one transaction; on a concurrent save, re-apply on fresh state
    so the loser gets the domain's own explanation (e.g. who decided first)."""
    for _ in range(RETRIES):
        try:
            with ctx.uow() as uow:
                request = load(uow, request_id)
                if idempotency_key:
                    first, _result = uow.idempotency.claim(idempotency_key, now=ctx.clock.now())
                    if not first:
                        return request  # a retry of work already done
                try:
                    apply(uow, request, ctx.clock.now())
                except AlreadyDecided as error:
                    # The domain names voters by email; the clicker knows them by name.
                    message = str(error)
                    for email, shown in names(uow, request).items():
                        message = message.replace(email, shown)
                    raise AlreadyDecided(message) from None
                actions = [e.action for e in request.pending_events]  # commit drains them
                uow.requests.save(request)
                uow.commit()
                log.info(
                    "%s: %s by %s -> %s",
                    request.number,
                    ", ".join(actions),
                    actor,
                    request.status.value,
                )
                return request
        except ConcurrentUpdate:
            continue
    raise AlreadyDecided(
        "Someone else changed this request at the same moment. Open it again and retry."
    )


def load(uow: UnitOfWork, request_id: int) -> PurchaseRequest:
    """The request, or NotFound in words the person who typed the number understands."""
    request = uow.requests.get(request_id)
    if request is None:
        raise NotFound(
            f"There is no request {format_number(request_id)}. Check the number, or list yours."
        )
    return request


def name(uow: UnitOfWork, email: str) -> str:
    """How a person is shown: their name if we know it, else their email."""
    person = uow.people.get(email)
    return person.display if person else email


def names(uow: UnitOfWork, request: PurchaseRequest) -> dict[str, str]:
    """Email to shown name of everyone on the request."""
    emails = {
        request.requester,
        *(a for s in request.steps for a in s.approvers),
        *(d.approver for s in request.steps for d in s.decisions),
    }
    return {email: name(uow, email) for email in emails}


def next_step_text(uow: UnitOfWork, request: PurchaseRequest) -> str:
    """'Next: Security review (Omar Haddad).', or '' when no step is active."""
    return texts.next_steps(
        [(s.name, [name(uow, a) for a in s.approvers]) for s in request.active_steps]
    )


def queue(
    ctx: Context,
    uow: UnitOfWork,
    kind: MessageKind,
    request: PurchaseRequest,
    recipient: str | None,
    text: str = "",
    data: dict[str, object] | None = None,
) -> None:
    """Queue a message in the same transaction as the change that implies it."""
    uow.outbox.add(
        OutboxMessage(
            kind=kind,
            recipient=recipient,
            request_id=request.id,
            text=text,
            data=dict(data or {}),
            next_attempt_at=ctx.clock.now(),
        )
    )


def queue_approvers(
    ctx: Context, uow: UnitOfWork, request: PurchaseRequest, steps: list[Step]
) -> None:
    """An approval card to each approver of the steps just activated."""
    for approver in sorted({a for s in steps for a in s.approvers}):
        queue(ctx, uow, MessageKind.APPROVAL_CARD, request, approver)


def queue_purchasers(ctx: Context, uow: UnitOfWork, request: PurchaseRequest) -> None:
    """Procurement's card to order an approved request."""
    for purchaser in ctx.policy.purchasers:
        if purchaser != request.requester:
            queue(ctx, uow, MessageKind.APPROVAL_CARD, request, purchaser, data={"order": True})


def announce_approved(ctx: Context, uow: UnitOfWork, request: PurchaseRequest) -> None:
    """Tell the requester, and hand procurement the card to order it."""
    queue(ctx, uow, MessageKind.NOTE, request, request.requester, texts.approved(request))
    queue_purchasers(ctx, uow, request)
