"""Answering within Slack's 3 s: modal acks with errors or a notice, late refusals by DM,
and the helpers that read our own private_metadata back."""

from __future__ import annotations

import asyncio
import enum
import json
import logging
from collections.abc import Awaitable, Callable
from datetime import date, datetime, timedelta, timezone
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from slack_bolt.async_app import AsyncAck
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.render import note_blocks, note_text
from bot.domain import intake
from bot.domain.errors import DomainError
from bot.domain.model import Person

log = logging.getLogger(__name__)

# Slack closes a modal with an error after 3 s without an ack; answer well within that.
_ACK_BUDGET_SECONDS = 2.0
_LOOKUP_BUDGET_SECONDS = 0.5  # how long validation waits to learn the person's time zone
_EARLIEST_ZONE = timezone(timedelta(hours=-12))
SORRY = "Something went wrong on our side and nothing was saved. Please try again in a minute."
STALE_FORM = "This form is out of date. Close it and use the button on the card again."
E = TypeVar("E", bound=enum.Enum)


class Replies:
    """How listeners answer people: privately where they clicked, by DM, or in the modal."""

    def __init__(self, *, client: AsyncWebClient, on_change: Callable[[], None]) -> None:
        self._client = client
        self._on_change = on_change

    async def tell(self, body: dict[str, Any], text: str) -> None:
        """Answer the clicker privately where they clicked (or in their DM from App Home)."""
        user = body["user"]["id"]
        channel = (body.get("container") or {}).get("channel_id") or (
            body.get("channel") or {}
        ).get("id")
        if channel:
            try:
                await self._client.chat_postEphemeral(
                    channel=channel, user=user, text=note_text(text), blocks=note_blocks(text)
                )
                return
            except SlackApiError:
                pass  # e.g. a forwarded card in a conversation they are not in: DM instead
        await self._client.chat_postMessage(
            channel=user, text=note_text(text), blocks=note_blocks(text)
        )

    async def dm(self, body: dict[str, Any], text: str) -> None:
        """A note in the DM of whoever sent `body`."""
        await self._client.chat_postMessage(
            channel=body["user"]["id"], text=note_text(text), blocks=note_blocks(text)
        )

    async def finish(
        self,
        ack: AsyncAck,
        body: dict[str, Any],
        work: Awaitable[object],
        *,
        what: str,
        deadline: float,
        notice_view: Callable[[str], dict[str, Any]] | None = None,
        error_block: str | None = None,
        then: Callable[[], Awaitable[None]] | None = None,
    ) -> bool:
        """Ack a modal with the outcome of `work` if it ends before the deadline (errors on
        the form, a notice, or closing it); otherwise close the modal at the deadline and
        report a refusal by DM, naming `what` was submitted. Slack allows 3 s and the
        database or Slack may be slow. `then` runs after the ack (a save that need not hold
        the form open), its refusals by DM too. True when everything was done."""
        task = asyncio.ensure_future(work)
        timeout = max(0.0, deadline - asyncio.get_running_loop().time())
        done, _ = await asyncio.wait({task}, timeout=timeout)
        if done:
            error = task.exception()
            if isinstance(error, DomainError):
                field = error_block or intake.field_for(error)
                await ack(response_action="errors", errors={field: str(error)})
                return False
            if error is not None:
                # The form stays open with what they typed. Not re-raised: Bolt's error
                # handler would reset the ack it has not sent yet and Slack would see none.
                await ack(response_action="errors", errors={error_block or intake.TITLE: SORRY})
                log.error("A modal submission failed", exc_info=error)
                return False
            notice = task.result()  # a str is a notice to read before submitting
            if isinstance(notice, str) and notice and notice_view is not None:
                await ack(response_action="update", view=notice_view(notice))
                return False
            await ack()
            return await self._after_ack(body, None, then, what=what)
        await ack()
        return await self._after_ack(body, task, then, what=what)

    async def _after_ack(
        self,
        body: dict[str, Any],
        pending: Awaitable[object] | None,
        then: Callable[[], Awaitable[None]] | None,
        *,
        what: str,
    ) -> bool:
        try:
            if pending is not None:
                await pending
            if then is not None:
                await then()
        except DomainError as error:
            await self.dm(body, f"{what} was not submitted: {error}")
            return False
        except Exception:
            # The form is gone already: they must hear that nothing was saved.
            await self.dm(body, f"{what} was not submitted: {SORRY}")
            raise
        self._on_change()
        return True


def deadline() -> float:
    """When a modal submitted now must be acked by (event-loop time)."""
    return asyncio.get_running_loop().time() + _ACK_BUDGET_SECONDS


async def today(lookup: asyncio.Future[Person]) -> date:
    """Today where the person is, if we know them in time; else the earliest date anywhere
    on Earth, so that a date which is still today somewhere is never called past."""
    done, _ = await asyncio.wait({lookup}, timeout=_LOOKUP_BUDGET_SECONDS)
    if done and lookup.exception() is None:
        return datetime.now(ZoneInfo(lookup.result().tz or "UTC")).date()
    return datetime.now(_EARLIEST_ZONE).date()


def enum_of(kind: type[E], value: Any) -> E | None:
    """The member of `kind` with this value, or None."""
    try:
        return kind(value)
    except ValueError:
        return None


def request_id(metadata: dict[str, Any], key: str = "r") -> int | None:
    """The request id our own private_metadata carries, if it is a sane one."""
    value = metadata.get(key)
    if isinstance(value, bool) or not isinstance(value, int | str):
        return None
    try:
        number = int(value)
    except ValueError:
        return None
    return number if 0 < number < 2**31 else None


def clip_title(text: str, limit: int = 80) -> str:
    """A title short enough to name in a one-line refusal."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def metadata(view: dict[str, Any]) -> dict[str, Any]:
    """The view's private_metadata as we wrote it, or {} if it is not ours."""
    try:
        data = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def visible_errors(errors: dict[str, str], view: dict[str, Any]) -> dict[str, str]:
    """Slack rejects errors for blocks the modal doesn't show: attach those to the title."""
    shown = {b.get("block_id") for b in view.get("blocks", [])}
    visible = {k: v for k, v in errors.items() if k in shown}
    hidden = [v for k, v in errors.items() if k not in shown]
    if hidden:
        visible[intake.TITLE] = " ".join([visible.get(intake.TITLE, ""), *hidden]).strip()
    return visible
