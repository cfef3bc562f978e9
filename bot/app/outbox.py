"""The outbox dispatcher: delivers queued messages through the chat notifiers, with retries.

Service calls write messages in the same transaction as the change; this loop claims due
messages (a lease, so several processes never deliver one message together), renders each
recipient's card from the current state, sends or updates it, and records the outcome.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar

from bot.app import texts
from bot.app.facade import Procurement
from bot.app.observe import DeliveryObserver, observed
from bot.app.ports import (
    Clock,
    DeliveryDeferred,
    DeliveryRefused,
    MessageKind,
    MessageRef,
    Notifier,
    OutboxMessage,
    RecipientUnreachable,
    UnitOfWork,
    UnitOfWorkFactory,
)
from bot.app.vendor_qualification_effects import vendor_card
from bot.app.webhooks import WebhookDelivery
from bot.domain.cards import Card
from bot.domain.errors import StorageUnavailable
from bot.domain.model import Person, format_number
from bot.domain.vendor_reviews import VendorCard
from bot.settings import DEFAULT_OUTBOX_MAX_ATTEMPTS

log = logging.getLogger(__name__)
T = TypeVar("T")

MAX_BACKOFF_SECONDS = 300.0
# A platform asking for more than this is read as asking for this (a typo'd or hostile
# Retry-After must not park a message for a year).
MAX_RETRY_AFTER_SECONDS = 900.0


def retry_delay(retry_after: float | str | None, *, now: datetime) -> float | None:
    """Seconds to wait as a platform's Retry-After asks (seconds or an HTTP date), at most
    MAX_RETRY_AFTER_SECONDS; None when it is missing or means nothing (negative, not a
    number), so that the caller's backoff applies."""
    if retry_after is None:
        return None
    seconds: float
    if isinstance(retry_after, str):
        try:
            seconds = float(retry_after.strip())
        except ValueError:
            try:
                moment = parsedate_to_datetime(retry_after)
            except (TypeError, ValueError, OverflowError):
                return None
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=UTC)
            seconds = max(0.0, (moment - now).total_seconds())  # a past date: now
    else:
        seconds = float(retry_after)
    if math.isnan(seconds) or seconds < 0:
        return None
    return min(seconds, MAX_RETRY_AFTER_SECONDS)  # inf and 1e308 included


def outbox_counts(uow: UnitOfWorkFactory) -> dict[str, int]:
    """How many messages wait and how many were given up on; StorageUnavailable when the
    database does not answer (so /healthz checks the database with the same query)."""
    with uow() as unit:
        return unit.outbox.counts()


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
        max_attempts: int = DEFAULT_OUTBOX_MAX_ATTEMPTS,
        observer: DeliveryObserver | None = None,
        webhooks: WebhookDelivery | None = None,
    ) -> None:
        self._uow = uow
        self._webhooks = webhooks
        self._service = service
        self._notifiers = [observed(notifier, observer) for notifier in notifiers]
        self._clock = clock
        self._lease = timedelta(seconds=lease_seconds)
        self._batch = batch
        self._max_attempts = max_attempts
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
        outcomes = await asyncio.gather(
            *(self._lane(lane) for lane in lanes.values()), return_exceptions=True
        )
        # A lane stops early only when its outcome cannot be saved (the database went away):
        # the other lanes still finish, then run() hears of it.
        for outcome in outcomes:
            if isinstance(outcome, BaseException):
                raise outcome
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
        """Try a message once and save the outcome: delivered, due again later, or failed for
        good. Every try counts, whatever goes wrong, so that no message is retried forever."""
        message.attempts += 1
        unreachable = ""
        unexpected: Exception | None = None
        try:
            if message.kind is MessageKind.REFRESH:
                await self._refresh(message)
            elif message.kind is MessageKind.WEBHOOK:
                if self._webhooks is None:
                    raise DeliveryRefused("this process delivers no webhooks")
                await self._webhooks.deliver(message)
            else:
                await self._send(message)
        except (DeliveryDeferred, StorageUnavailable) as transient:
            self._defer(message, transient)
        except RecipientUnreachable as error:
            unreachable = str(error)
            self._give_up(message, unreachable)
        except DeliveryRefused as refused:
            self._give_up(message, str(refused))
        except Exception as error:
            # A card no platform can build, a notifier raising what nobody foresaw: it would
            # fail the same way at every try, so it fails now (the traceback goes to the log)
            # and the messages behind it go on. `procurebot outbox retry` sends it once fixed.
            unexpected = error
            self._give_up(message, f"{type(error).__name__}: {error}")
        else:
            message.delivered_at = self._clock.now()
            message.last_error = ""
        await self._storage(self._save, message, unreachable=unreachable)
        if message.failed_at is not None:
            log.error(
                "outbox %s: gave up on the %s for %s (%s) after %s attempt(s): %s",
                message.id,
                message.kind.value,
                message.recipient or "every card",
                format_number(message.request_id) if message.request_id else "no request",
                message.attempts,
                message.last_error,
                exc_info=unexpected,
            )

    def _defer(self, message: OutboxMessage, error: DeliveryDeferred | StorageUnavailable) -> None:
        now = self._clock.now()
        if isinstance(error, StorageUnavailable):
            message.last_error = f"database unavailable: {error.detail}"
            asked = None
        else:
            message.last_error = str(error)
            asked = retry_delay(error.retry_after, now=now)
        if message.attempts >= self._max_attempts:
            self._give_up(
                message, f"still failing after {message.attempts} attempts: {message.last_error}"
            )
            return
        backoff = min(MAX_BACKOFF_SECONDS, 2.0 ** min(message.attempts, 12))
        wait = asked if asked is not None else backoff
        message.next_attempt_at = now + timedelta(seconds=wait)
        log.info("outbox %s: retry in %.1fs (%s)", message.id, wait, message.last_error)

    def _give_up(self, message: OutboxMessage, reason: str) -> None:
        message.failed_at = self._clock.now()
        message.last_error = reason

    def _save(self, message: OutboxMessage, *, unreachable: str) -> None:
        with self._uow() as uow:
            uow.outbox.update(message)
            note = self._requester_note(uow, message, unreachable) if message.failed_at else None
            if note is not None:
                uow.outbox.add(note)
            uow.commit()

    async def _send(self, message: OutboxMessage) -> None:
        assert message.recipient is not None
        person, card = await self._storage(self._prepare, message)
        if (
            message.kind is MessageKind.APPROVAL_CARD
            and isinstance(card, Card)
            and not card.actions
        ):
            return  # decided or withdrawn before we got to it: nothing to ask any more
        if isinstance(card, Card) and await self._update_live_card(message, card):
            return
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
        raise last_error or RecipientUnreachable(texts.no_chat_account(person.email))

    async def _update_live_card(self, message: OutboxMessage, card: Card) -> bool:
        """One live card per person per request: a card for someone who already has one of
        this request (asked, answered, escalated) redraws that one instead of posting another."""
        assert message.request_id is not None
        by_platform = {n.platform: n for n in self._notifiers}
        refs = await self._storage(self._refs, message.request_id)
        mine = [r for r in refs if r.recipient == message.recipient and r.platform in by_platform]
        if not mine:
            return False
        await by_platform[mine[-1].platform].update(ref=mine[-1], card=card)
        return True

    def _prepare(self, message: OutboxMessage) -> tuple[Person, Card | VendorCard | None]:
        assert message.recipient is not None
        person = self._service.person(message.recipient)
        if message.kind is MessageKind.VENDOR_CARD:
            with self._uow() as uow:
                review = int(message.data["review"])
                policy = self._service.policy
                return person, vendor_card(uow, policy, review_id=review, viewer=person.email)
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

    def _requester_note(
        self, uow: UnitOfWork, message: OutboxMessage, unreachable: str
    ) -> OutboxMessage | None:
        """A note telling the requester that an approver's card could not be delivered, so
        that nothing stalls unseen."""
        if message.kind is not MessageKind.APPROVAL_CARD or message.request_id is None:
            return None
        request = uow.requests.get(message.request_id)
        if request is None or message.recipient == request.requester:
            return None
        approver = str(message.recipient)  # an approval card always has its approver
        if unreachable:
            text = texts.unreachable(request, approver=approver, why=unreachable)
        else:
            text = texts.undeliverable(request, approver=approver)
        return OutboxMessage(
            kind=MessageKind.NOTE,
            recipient=request.requester,
            request_id=request.id,
            text=text,
            next_attempt_at=self._clock.now(),
        )
