"""Modal submissions are acked within Slack's 3 s whatever Slack or the database is doing.

The slow parts are real: the fake Web API delays users.info, or another connection holds the
database's write lock. The request must still be saved (or refused) and the requester told.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from adapters.slack import ids
from bot.domain.model import Category, RequestStatus, Vendor, VendorStatus
from bot.domain.workflow import Action
from tests.e2e.conftest import FORM, Harness
from tests.fakes import IT, REQUESTER

SLACK_LIMIT = 3.0
HOLD_SECONDS = 4.0


BREAK = "ALTER TABLE requests RENAME TO requests_gone"
MEND = "ALTER TABLE requests_gone RENAME TO requests"


@contextmanager
def database_locked(url: str, *, seconds: float, then: str = "") -> Iterator[None]:
    """Another connection holds the write lock (SQLite) or the tables (PostgreSQL) a while,
    and runs `then` before it lets go."""
    taken = threading.Event()

    def hold() -> None:
        parsed = make_url(url)
        if parsed.get_backend_name() == "sqlite":
            conn = sqlite3.connect(parsed.database or "", isolation_level=None)
            conn.execute("BEGIN IMMEDIATE")
            taken.set()
            threading.Event().wait(seconds)
            if then:
                conn.execute(then)
            conn.execute("COMMIT")
            conn.close()
            return
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text("LOCK TABLE people, requests IN ACCESS EXCLUSIVE MODE"))
            taken.set()
            threading.Event().wait(seconds)
            if then:
                conn.execute(text(then))
        engine.dispose()

    holder = threading.Thread(target=hold, daemon=True)
    holder.start()
    assert taken.wait(5), "could not take the lock"
    try:
        yield
    finally:
        holder.join()


async def _open_form(h: Harness) -> str:
    await h.sender.command(h.user(REQUESTER), "")
    return (await h.modal(REQUESTER)).id


async def test_slow_slack_lookup_acks_in_time_and_saves(harness: Harness) -> None:
    h = harness
    view_id = await _open_form(h)
    h.ws.fail(method="users.info", delay=HOLD_SECONDS)  # Slack takes 4 s to say who this is
    answer = await h.sender.fill_and_submit(h.user(REQUESTER), view_id, FORM)
    assert answer.status == 200 and answer.elapsed < SLACK_LIMIT - 0.5
    await h.settle(seconds=20)
    assert [r.number for r in h.core.service.my_requests(requester=REQUESTER)] == ["PR-1001"]
    assert h.last_card(REQUESTER, "PR-1001") and h.last_card(IT[0], "PR-1001")


async def test_locked_database_acks_in_time_and_saves(harness: Harness) -> None:
    h = harness
    view_id = await _open_form(h)
    with database_locked(h.core.settings.database_url, seconds=HOLD_SECONDS):
        answer = await h.sender.fill_and_submit(h.user(REQUESTER), view_id, FORM)
        assert answer.status == 200 and answer.elapsed < SLACK_LIMIT - 0.5
        assert answer.json == {}  # the modal closes; the save goes on in the background
    await h.settle(seconds=20)
    assert [r.number for r in h.core.service.my_requests(requester=REQUESTER)] == ["PR-1001"]
    assert h.last_card(REQUESTER, "PR-1001")


async def test_refusal_after_the_deadline_comes_by_dm(harness: Harness) -> None:
    h = harness
    with h.core.uow() as uow:
        uow.vendors.add(
            Vendor(
                name="Figma",
                status=VendorStatus.REJECTED,
                category=Category.SAAS,
                review_outcome="no SOC 2 report",
            )
        )
        uow.commit()
    view_id = await _open_form(h)
    h.ws.fail(method="users.info", delay=HOLD_SECONDS)
    answer = await h.sender.fill_and_submit(h.user(REQUESTER), view_id, FORM)
    assert answer.status == 200 and answer.elapsed < SLACK_LIMIT - 0.5
    await h.settle(seconds=20)
    assert h.core.service.my_requests(requester=REQUESTER) == []
    told = h.texts(REQUESTER)
    assert any("was not submitted: Figma was rejected" in t and "no SOC 2" in t for t in told)


async def test_slow_reason_modal_acks_in_time_and_records(harness: Harness) -> None:
    h = harness
    await h.buy(REQUESTER, FORM)
    card = h.last_card(IT[0], "PR-1001")
    await h.click(IT[0], card, ids.action_id(Action.REJECT))
    view = await h.modal(IT[0])
    with database_locked(h.core.settings.database_url, seconds=HOLD_SECONDS):
        answer = await h.sender.fill_and_submit(
            h.user(IT[0]), view.id, {"Why reject PR-1001?": "Use the existing licence."}
        )
        assert answer.status == 200 and answer.elapsed < SLACK_LIMIT - 0.5
    await h.settle(seconds=20)
    assert h.core.service.get(1).status is RequestStatus.REJECTED


def _run_sql(url: str, statement: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text(statement))
    engine.dispose()


async def test_broken_database_keeps_the_form_open_with_an_apology(harness: Harness) -> None:
    h = harness
    url = h.core.settings.database_url
    view_id = await _open_form(h)
    await h.sender.command(h.user(REQUESTER), "list")  # the bot has met Rita
    _run_sql(url, BREAK)
    try:
        answer = await h.sender.fill_and_submit(h.user(REQUESTER), view_id, FORM)
    finally:
        _run_sql(url, MEND)
    assert answer.json["response_action"] == "errors"
    assert "nothing was saved" in str(answer.json["errors"])
    await h.settle()
    assert h.core.service.my_requests(requester=REQUESTER) == []


async def test_database_failing_after_the_deadline_is_told_by_dm(harness: Harness) -> None:
    h = harness
    url = h.core.settings.database_url
    view_id = await _open_form(h)
    try:
        with database_locked(url, seconds=HOLD_SECONDS, then=BREAK):
            answer = await h.sender.fill_and_submit(h.user(REQUESTER), view_id, FORM)
            assert answer.status == 200 and answer.elapsed < SLACK_LIMIT - 0.5
        await h.idle()
    finally:
        _run_sql(url, MEND)
    assert any("nothing was saved" in t for t in h.texts(REQUESTER))
    assert h.core.service.my_requests(requester=REQUESTER) == []
