"""The outbox dispatcher: delivers queued messages through the chat notifiers, with retries.

Service calls write messages in the same transaction as the change; this loop claims due
messages (a lease, so several processes never deliver one message together), renders each
recipient's card from the current state, sends or updates it, and records the outcome.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import timedelta
from typing import Any, TypeVar

from bot.cards import Card
from bot.errors import StorageUnavailable
from bot.model import Person
from bot.ports import (
    Clock,
    DeliveryDeferred,
    MessageKind,
    MessageRef,
    Notifier,
    OutboxMessage,
    RecipientUnreachable,
    UnitOfWorkFactory,
)
from bot.services import Procurement

log = logging.getLogger(__name__)
T = TypeVar("T")

MAX_BACKOFF_SECONDS = 300.0
MAX_ATTEMPTS = 60  # with the backoff cap, about four hours of outage before giving up


class Dispatcher:
    """Delivers the outbox; run() loops until stopped, run_once() drains what is due."""

    def __init__(
        self,
        *,
        uow: UnitOfWorkFactory,
        service: Procurement,
        notifiers: Sequence[Notifier],
        clock: Clock,
        lease_seconds: float = 120.0,
        batch: int = 200,
        concurrency: int = 8,
    ) -> None:
        self._uow = uow
        self._service = service
        self._notifiers = list(notifiers)
        self._clock = clock
        self._lease = timedelta(seconds=lease_seconds)
        self._batch = batch
        self._concurrency = asyncio.Semaphore(concurrency)
        self._wake = asyncio.Event()

    def wake(self) -> None:
        """Deliver now rather than at the next poll (called after a service call)."""
        self._wake.set()

    async def run(self, stop: asyncio.Event, *, poll_seconds: float = 1.0) -> None:
        """Deliver until `stop` is set."""
        while not stop.is_set():
            try:
                delivered = await self.run_once()
            except StorageUnavailable as error:
                # The database is down or busy: nothing was claimed (or the lease will expire
                # and hand the message on); keep the loop alive and try again next poll.
                log.warning("outbox: database unavailable, retrying: %s", error.detail)
                delivered = 0
            except Exception:
                # This loop is the only thing delivering messages: one failed round must not
                # end it (a dead asyncio task is silent). The traceback goes to the log.
                log.exception("outbox: delivery round failed; retrying at the next poll")
                delivered = 0
            if delivered:
                continue
            self._wake.clear()
            waiter = asyncio.ensure_future(self._wake.wait())
            stopper = asyncio.ensure_future(stop.wait())
            await asyncio.wait(
                {waiter, stopper}, timeout=poll_seconds, return_when=asyncio.FIRST_COMPLETED
            )
            waiter.cancel()
            stopper.cancel()

    async def run_once(self) -> int:
        """Claim the due messages and try each once; returns how many were claimed."""
        messages = await asyncio.to_thread(self._claim)
        if not messages:
            return 0
        # One recipient's messages go in order (card before note); recipients in parallel.
        lanes: dict[str, list[OutboxMessage]] = defaultdict(list)
        for message in messages:
            lanes[message.recipient or f"request:{message.request_id}"].append(message)
        await asyncio.gather(*(self._lane(lane) for lane in lanes.values()))
        return len(messages)

    async def _lane(self, messages: list[OutboxMessage]) -> None:
        async with self._concurrency:
            for message in messages:
                await self._deliver(message)

    async def _storage(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        """A storage step for a message we hold the lease on; while the database is down we
        keep trying (for up to half the lease), so that a message already sent is recorded
        as sent, not sent again after the lease, and one not yet sent goes as soon as it can."""
        deadline = time.monotonic() + self._lease.total_seconds() / 2
        pause = 0.2
        while True:
            try:
                return await asyncio.to_thread(fn, *args, **kwargs)
            except StorageUnavailable:
                if time.monotonic() > deadline:
                    raise
                await asyncio.sleep(pause)
                pause = min(pause * 2, 1.0)

    def _claim(self) -> list[OutboxMessage]:
        now = self._clock.now()
        with self._uow() as uow:
            claimed = uow.outbox.claim_due(
                now=now, limit=self._batch, lease_until=now + self._lease
            )
            uow.commit()
            return claimed

    async def _deliver(self, message: OutboxMessage) -> None:
        message.attempts += 1
        try:
            if message.kind is MessageKind.REFRESH:
                await self._refresh(message)
            else:
                await self._send(message)
        except DeliveryDeferred as deferred:
            self._defer(message, deferred)
        except RecipientUnreachable as unreachable:
            message.data["failed"] = True
            message.last_error = str(unreachable)
            log.warning(
                "outbox %s: cannot reach %s: %s", message.id, message.recipient, unreachable
            )
            await self._storage(self._report_unreachable, message, str(unreachable))
        else:
            message.delivered_at = self._clock.now()
            message.last_error = ""
        await self._storage(self._save, message)

    def _defer(self, message: OutboxMessage, deferred: DeliveryDeferred) -> None:
        message.last_error = str(deferred)
        if message.attempts >= MAX_ATTEMPTS:
            message.data["failed"] = True
            log.error(
                "outbox %s: giving up after %s attempts: %s", message.id, message.attempts, deferred
            )
            return
        backoff = min(MAX_BACKOFF_SECONDS, 2.0 ** min(message.attempts, 12))
        wait = deferred.retry_after if deferred.retry_after is not None else backoff
        message.next_attempt_at = self._clock.now() + timedelta(seconds=wait)
        log.info("outbox %s: retry in %.1fs (%s)", message.id, wait, deferred)

    def _save(self, message: OutboxMessage) -> None:
        with self._uow() as uow:
            uow.outbox.update(message)
            uow.commit()

    async def _send(self, message: OutboxMessage) -> None:
        assert message.recipient is not None
        person, card = await self._storage(self._prepare, message)
        if message.kind is MessageKind.APPROVAL_CARD and card is not None and not card.actions:
            return  # decided or withdrawn before we got to it: nothing to ask any more
        before = replace(person)
        last_error: RecipientUnreachable | None = None
        for notifier in self._order(person):
            if not await notifier.can_reach(person):
                continue
            try:
                ref = await notifier.send(person=person, card=card, text=message.text)
            except RecipientUnreachable as error:
                last_error = error
                continue
            await self._storage(self._after_send, message, person, before, ref)
            return
        raise last_error or RecipientUnreachable(
            f"{person.email} has no Slack account we can find and has not talked to the bot "
            "in Teams"
        )

    def _prepare(self, message: OutboxMessage) -> tuple[Person, Card | None]:
        assert message.recipient is not None
        person = self._service.person(message.recipient)
        card = None
        if message.kind is not MessageKind.NOTE and message.request_id is not None:
            card = self._service.card_for(request_id=message.request_id, viewer=person.email)
        return person, card

    def _after_send(
        self, message: OutboxMessage, person: Person, before: Person, ref: MessageRef | None
    ) -> None:
        with self._uow() as uow:
            if person != before:
                uow.people.save(person)  # the notifier learned an id, a name or a zone
            if ref is not None:
                uow.outbox.add_ref(ref)
            request_id = message.request_id
            # The requester's card, sent before we met the approvers, shows their emails: redraw
            # it by name. One waiting refresh per request covers everyone met in the same batch.
            if (
                person.name
                and not before.name
                and request_id is not None
                and not uow.outbox.refresh_queued(request_id)
            ):
                request = uow.requests.get(request_id)
                uow.outbox.add(
                    OutboxMessage(
                        kind=MessageKind.REFRESH,
                        recipient=request.requester if request else None,
                        request_id=request_id,
                        next_attempt_at=self._clock.now(),
                    )
                )
            uow.commit()

    def _order(self, person: Person) -> list[Notifier]:
        preferred = person.preferred_channel.value if person.preferred_channel else None
        return sorted(self._notifiers, key=lambda n: n.platform != preferred)

    async def _refresh(self, message: OutboxMessage) -> None:
        assert message.request_id is not None
        request_id = message.request_id
        refs = await self._storage(self._refs, request_id)
        if message.recipient is not None:
            refs = [ref for ref in refs if ref.recipient == message.recipient]
        by_platform = {n.platform: n for n in self._notifiers}
        # Cards already redrawn by an earlier attempt are skipped: a refresh of a hundred cards
        # under rate limits would otherwise start over at every 429 and never finish.
        done: list[str] = message.data.setdefault("done", [])
        for ref in refs:
            notifier = by_platform.get(ref.platform)
            key = f"{ref.platform}:{ref.conversation}:{ref.message_id}"
            if notifier is None or key in done:
                continue  # that platform is not configured in this process, or done already
            card = await self._storage(
                self._service.card_for, request_id=request_id, viewer=ref.recipient
            )
            await notifier.update(ref=ref, card=card)
            done.append(key)

    def _refs(self, request_id: int) -> list[MessageRef]:
        with self._uow() as uow:
            return uow.outbox.refs(request_id)

    def _report_unreachable(self, message: OutboxMessage, reason: str) -> None:
        """Tell the requester that an approver could not be reached, so nothing stalls unseen."""
        if message.kind is MessageKind.NOTE or message.request_id is None:
            return
        request = self._service.get(message.request_id)
        if message.recipient == request.requester:
            return
        with self._uow() as uow:
            uow.outbox.add(
                OutboxMessage(
                    kind=MessageKind.NOTE,
                    recipient=request.requester,
                    request_id=request.id,
                    text=(
                        f"I couldn't reach {message.recipient} about {request.number} "
                        f"({request.title}): {reason}. Ask them to open procurebot once, or ask "
                        "IT to check the policy's approver list."
                    ),
                    next_attempt_at=self._clock.now(),
                )
            )
            uow.commit()
