"""Procurement: the one object the adapters and the command line call.

Each method is a use case of the modules beside this one (intake, decisions, editing,
fulfilment, renewals, housekeeping, queries, people), bound to this object's database, policy
and clock; its signature and docstring are the use case's own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any, Concatenate, Generic, ParamSpec, TypeVar

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
from bot.domain.policy import Policy

P = ParamSpec("P")
R = TypeVar("R")


class UseCase(Generic[P, R]):
    """A use case `run(context, ...)`, read from a Procurement as a method `(...)`."""

    def __init__(self, run: Callable[Concatenate[Context, P], R]) -> None:
        self.run = run
        self.__doc__ = run.__doc__

    def __get__(self, facade: Procurement, owner: Any = None) -> Callable[P, R]:
        run = self.run

        def bound(*args: P.args, **kwargs: P.kwargs) -> R:
            # The context is read at each call: a reloaded policy applies from the next one.
            return run(facade.context, *args, **kwargs)

        bound.__doc__ = run.__doc__
        return bound


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
        self.context = replace(self.context, policy=policy)

    @property
    def clock(self) -> Clock:
        """The clock every use case reads."""
        return self.context.clock

    @clock.setter
    def clock(self, clock: Clock) -> None:
        self.context = replace(self.context, clock=clock)

    # intake
    preview = UseCase(intake.preview)
    submit = UseCase(intake.submit)
    # decisions
    approve = UseCase(decisions.approve)
    reject = UseCase(decisions.reject)
    ask = UseCase(decisions.ask)
    answer = UseCase(decisions.answer)
    cancel = UseCase(decisions.cancel)
    reassign = UseCase(decisions.reassign)
    edit = UseCase(editing.edit)
    # after approval
    record_po = UseCase(fulfilment.record_po)
    mark_received = UseCase(fulfilment.mark_received)
    let_lapse = UseCase(renewals.let_lapse)
    renewal_draft = UseCase(renewals.renewal_draft)
    # on a schedule
    nudge_waiting = UseCase(housekeeping.nudge_waiting)
    start_delegations = UseCase(housekeeping.start_delegations)
    send_renewal_notices = UseCase(renewals.send_renewal_notices)
    # reading
    get = UseCase(queries.get)
    card_for = UseCase(queries.card_for)
    cards_for = UseCase(queries.cards_for)
    my_requests = UseCase(queries.my_requests)
    waiting_for = UseCase(queries.waiting_for)
    known_vendors = UseCase(queries.known_vendors)
    # people
    person = UseCase(people.person)
    remember_person = UseCase(people.remember_person)
    person_by_slack_id = UseCase(people.person_by_slack_id)
    person_by_teams_identity = UseCase(people.person_by_teams_identity)
    link_teams_identity = UseCase(people.link_teams_identity)
    claim_once = UseCase(people.claim_once)
