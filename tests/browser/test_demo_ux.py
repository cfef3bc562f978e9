"""What a new user trips over in the demo (issue #17), tried in Chromium as they would."""

from __future__ import annotations

import time
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Running
from tests.browser.test_demo import TIMEOUT, card, open_as
from tests.fakes import REQUESTER

pytestmark = pytest.mark.browser


def _status(demo: Running, title: str) -> str:
    mine = demo.demo.core.service.my_requests(requester=REQUESTER)
    return next(r for r in mine if r.title == title).status.value


def test_cancel_asks_first_as_slack_does(page: Any, demo: Running) -> None:
    open_as(page, demo, REQUESTER)
    wacom = card(page, "Wacom Intuos Pro tablet")
    cancel = wacom.get_by_role("button", name="Cancel request")
    expect(cancel).to_be_visible(timeout=TIMEOUT)
    cancel.click()
    dialog = page.get_by_role("alertdialog")
    expect(dialog).to_contain_text("Cancel the request?")
    expect(dialog).to_contain_text("Its approvers will be told.")
    # "Keep it" sends nothing: the request stays open.
    dialog.get_by_role("button", name="Keep it").click()
    expect(dialog).to_have_count(0)
    time.sleep(1.0)
    assert _status(demo, "Wacom Intuos Pro tablet") == "pending"
    cancel.click()
    page.get_by_role("alertdialog").get_by_role("button", name="Cancel it").click()
    expect(wacom).to_contain_text("Cancelled", timeout=TIMEOUT)
    assert _status(demo, "Wacom Intuos Pro tablet") == "cancelled"
    assert page.errors == []  # type: ignore[attr-defined]
