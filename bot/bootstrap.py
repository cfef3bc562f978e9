"""The one place that wires settings, storage, the policy and the adapters together."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.app.apikeys import ApiKeys
from bot.app.clock import SystemClock
from bot.app.facade import Procurement
from bot.app.ports import Clock
from bot.app.webhooks import webhook_listener
from bot.domain import policy as policy_module
from bot.domain.policy import Policy
from bot.domain.request_view import RequestPages
from bot.settings import Settings
from storage.api_keys import SqlApiKeys
from storage.engine import make_engine
from storage.migrate import upgrade
from storage.request_pages import SqlRequestPages
from storage.uow import SqlUnitOfWorkFactory

log = logging.getLogger(__name__)


@dataclass
class Core:
    """Everything a process needs below the chat adapters."""

    settings: Settings
    policy: Policy
    uow: SqlUnitOfWorkFactory
    clock: Clock
    service: Procurement
    api_keys: ApiKeys
    request_pages: RequestPages


def build_core(
    settings: Settings | None = None, *, clock: Clock | None = None, migrate: bool = True
) -> Core:
    """Load the policy, open the database (migrating it unless told not to) and the services."""
    settings = settings or Settings()
    policy = policy_module.load(settings.policy_path)
    if migrate:
        upgrade(settings.database_url)
    engine = make_engine(settings.database_url)
    uow = SqlUnitOfWorkFactory(engine, on_event=webhook_listener(policy.webhooks))
    clock = clock or SystemClock()
    service = Procurement(uow=uow, policy=policy, clock=clock)
    api_keys = ApiKeys(store=SqlApiKeys(uow), clock=clock)
    return Core(
        settings=settings,
        policy=policy,
        uow=uow,
        clock=clock,
        service=service,
        api_keys=api_keys,
        request_pages=SqlRequestPages(uow),
    )
