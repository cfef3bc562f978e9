"""Procurement: the one object the adapters and the command line call. Each method is one
use case of the modules beside this one (intake, decisions, editing, fulfilment, renewals,
housekeeping, queries, people); this class only binds them to a database, policy and clock."""

from __future__ import annotations

from dataclasses import replace

from bot.app import (
    decisions,
    editing,
    fulfilment,
    housekeeping,
    intake,
    people,
    queries,
    renewals,
)
from bot.app.context import Context
from bot.app.ports import Clock, UnitOfWorkFactory
from bot.app.registry import Registry
from bot.domain.cards import Card
from bot.domain.model import Channel, Person, PurchaseRequest, RequestDraft
from bot.domain.policy import Policy
from bot.domain.preview import Preview


class Procurement:
    """The application's use cases over one policy, one database and one clock."""

    def __init__(self, *, uow: UnitOfWorkFactory, policy: Policy, clock: Clock) -> None:
        self._uow = uow
        self.context = Context(uow=uow, policy=policy, clock=clock)
        self.registry = Registry(uow=uow, policy=policy, clock=clock)

    @property
    def policy(self) -> Policy:
        """The policy every use case runs under."""
        return self.context.policy

    @policy.setter
    def policy(self, policy: Policy) -> None:
        # A reloaded policy (or a test's variant) applies to the next use case called.
        self.context = replace(self.context, policy=policy)

    @property
    def clock(self) -> Clock:
        """The clock every use case reads."""
        return self.context.clock

    @clock.setter
    def clock(self, clock: Clock) -> None:
        self.context = replace(self.context, clock=clock)

    # ------------------------------------------------------------------ intake

    def preview(self, *, requester: str, draft: RequestDraft, renews: int | None = None) -> Preview:
        """See bot.app.intake.preview."""
        return intake.preview(self.context, requester=requester, draft=draft, renews=renews)

    def submit(
        self,
        *,
        requester: str,
        draft: RequestDraft,
        channel: Channel,
        idempotency_key: str | None = None,
        renews: int | None = None,
    ) -> PurchaseRequest:
        """See bot.app.intake.submit."""
        return intake.submit(
            self.context,
            requester=requester,
            draft=draft,
            channel=channel,
            idempotency_key=idempotency_key,
            renews=renews,
        )

    # ------------------------------------------------------------------ decisions

    def approve(
        self,
        *,
        request_id: int,
        actor: str,
        channel: Channel,
        step: str | None = None,
        comment: str = "",
        idempotency_key: str | None = None,
    ) -> PurchaseRequest:
        """See bot.app.decisions.approve."""
        return decisions.approve(
            self.context,
            request_id=request_id,
            actor=actor,
            channel=channel,
            step=step,
            comment=comment,
            idempotency_key=idempotency_key,
        )

    def reject(
        self,
        *,
        request_id: int,
        actor: str,
        reason: str,
        channel: Channel,
        step: str | None = None,
        idempotency_key: str | None = None,
    ) -> PurchaseRequest:
        """See bot.app.decisions.reject."""
        return decisions.reject(
            self.context,
            request_id=request_id,
            actor=actor,
            reason=reason,
            channel=channel,
            step=step,
            idempotency_key=idempotency_key,
        )

    def ask(
        self,
        *,
        request_id: int,
        actor: str,
        question: str,
        channel: Channel,
        step: str | None = None,
        idempotency_key: str | None = None,
    ) -> PurchaseRequest:
        """See bot.app.decisions.ask."""
        return decisions.ask(
            self.context,
            request_id=request_id,
            actor=actor,
            question=question,
            channel=channel,
            step=step,
            idempotency_key=idempotency_key,
        )

    def answer(
        self,
        *,
        request_id: int,
        actor: str,
        text: str,
        channel: Channel,
        idempotency_key: str | None = None,
    ) -> PurchaseRequest:
        """See bot.app.decisions.answer."""
        return decisions.answer(
            self.context,
            request_id=request_id,
            actor=actor,
            text=text,
            channel=channel,
            idempotency_key=idempotency_key,
        )

    def edit(
        self,
        *,
        request_id: int,
        actor: str,
        draft: RequestDraft,
        channel: Channel,
        idempotency_key: str | None = None,
    ) -> PurchaseRequest:
        """See bot.app.editing.edit."""
        return editing.edit(
            self.context,
            request_id=request_id,
            actor=actor,
            draft=draft,
            channel=channel,
            idempotency_key=idempotency_key,
        )

    def cancel(
        self,
        *,
        request_id: int,
        actor: str,
        channel: Channel,
        reason: str = "",
        idempotency_key: str | None = None,
    ) -> PurchaseRequest:
        """See bot.app.decisions.cancel."""
        return decisions.cancel(
            self.context,
            request_id=request_id,
            actor=actor,
            channel=channel,
            reason=reason,
            idempotency_key=idempotency_key,
        )

    def reassign(
        self, *, request_id: int, actor: str, to: str, channel: Channel, step: str | None = None
    ) -> PurchaseRequest:
        """See bot.app.decisions.reassign."""
        return decisions.reassign(
            self.context, request_id=request_id, actor=actor, to=to, channel=channel, step=step
        )

    # ------------------------------------------------------------------ fulfilment, renewals

    def record_po(
        self,
        *,
        request_id: int,
        actor: str,
        po_number: str,
        channel: Channel,
        idempotency_key: str | None = None,
    ) -> PurchaseRequest:
        """See bot.app.fulfilment.record_po."""
        return fulfilment.record_po(
            self.context,
            request_id=request_id,
            actor=actor,
            po_number=po_number,
            channel=channel,
            idempotency_key=idempotency_key,
        )

    def mark_received(
        self, *, request_id: int, actor: str, channel: Channel, idempotency_key: str | None = None
    ) -> PurchaseRequest:
        """See bot.app.fulfilment.mark_received."""
        return fulfilment.mark_received(
            self.context,
            request_id=request_id,
            actor=actor,
            channel=channel,
            idempotency_key=idempotency_key,
        )

    def let_lapse(
        self, *, request_id: int, actor: str, channel: Channel, idempotency_key: str | None = None
    ) -> PurchaseRequest:
        """See bot.app.renewals.let_lapse."""
        return renewals.let_lapse(
            self.context,
            request_id=request_id,
            actor=actor,
            channel=channel,
            idempotency_key=idempotency_key,
        )

    def renewal_draft(self, *, request_id: int, actor: str) -> RequestDraft:
        """See bot.app.renewals.renewal_draft."""
        return renewals.renewal_draft(self.context, request_id=request_id, actor=actor)

    # ------------------------------------------------------------------ on a schedule

    def nudge_waiting(self) -> tuple[int, int]:
        """See bot.app.housekeeping.nudge_waiting."""
        return housekeeping.nudge_waiting(self.context)

    def send_renewal_notices(self) -> int:
        """See bot.app.renewals.send_renewal_notices."""
        return renewals.send_renewal_notices(self.context)

    def start_delegations(self) -> int:
        """See bot.app.housekeeping.start_delegations."""
        return housekeeping.start_delegations(self.context)

    # ------------------------------------------------------------------ reading

    def get(self, request_id: int) -> PurchaseRequest:
        """See bot.app.queries.get."""
        return queries.get(self.context, request_id)

    def card_for(self, *, request_id: int, viewer: str, check_visible: bool = False) -> Card:
        """See bot.app.queries.card_for."""
        return queries.card_for(
            self.context, request_id=request_id, viewer=viewer, check_visible=check_visible
        )

    def cards_for(self, requests: list[PurchaseRequest], *, viewer: str) -> list[Card]:
        """See bot.app.queries.cards_for."""
        return queries.cards_for(self.context, requests, viewer=viewer)

    def my_requests(self, *, requester: str, limit: int = 20) -> list[PurchaseRequest]:
        """See bot.app.queries.my_requests."""
        return queries.my_requests(self.context, requester=requester, limit=limit)

    def waiting_for(self, *, approver: str) -> list[PurchaseRequest]:
        """See bot.app.queries.waiting_for."""
        return queries.waiting_for(self.context, approver=approver)

    def known_vendors(self) -> list[str]:
        """See bot.app.queries.known_vendors."""
        return queries.known_vendors(self.context)

    # ------------------------------------------------------------------ people

    def person(self, email: str) -> Person:
        """See bot.app.people.person."""
        return people.person(self.context, email)

    def remember_person(self, person: Person) -> None:
        """See bot.app.people.remember_person."""
        people.remember_person(self.context, person)

    def person_by_slack_id(self, user_id: str) -> Person | None:
        """See bot.app.people.person_by_slack_id."""
        return people.person_by_slack_id(self.context, user_id)

    def person_by_teams_identity(self, *, tenant_id: str, aad_object_id: str) -> Person | None:
        """See bot.app.people.person_by_teams_identity."""
        return people.person_by_teams_identity(
            self.context, tenant_id=tenant_id, aad_object_id=aad_object_id
        )

    def link_teams_identity(self, *, email: str, tenant_id: str, aad_object_id: str) -> Person:
        """See bot.app.people.link_teams_identity."""
        return people.link_teams_identity(
            self.context, email=email, tenant_id=tenant_id, aad_object_id=aad_object_id
        )

    def claim_once(self, key: str) -> bool:
        """See bot.app.people.claim_once."""
        return people.claim_once(self.context, key)
