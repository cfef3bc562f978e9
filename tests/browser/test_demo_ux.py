"""What a new user trips over in the demo (issue #17), tried in Chromium as they would."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Running
from tests.browser.test_demo import TIMEOUT, card, field, open_as
from tests.fakes import PROCUREMENT, REQUESTER, SECURITY

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
    assert page.errors == []


def test_a_reloaded_form_shows_what_it_will_submit(page: Any, demo: Running) -> None:
    open_as(page, demo, REQUESTER)
    page.fill("#composer-input", "/buy")
    page.keyboard.press("Enter")
    modal = page.locator(".modal")
    expect(modal).to_be_visible(timeout=TIMEOUT)
    field(page, "Price per unit").fill("40")
    field(page, "Cost centre").fill("Narnia")
    # Submitting sends what was typed to the workspace, which refuses the empty fields.
    modal.locator(".modal-submit").click()
    expect(modal.locator(".bk-error").first).to_be_visible(timeout=TIMEOUT)
    page.reload()
    page.wait_for_selector("body[data-ready]")
    expect(modal).to_be_visible(timeout=TIMEOUT)
    # The workspace would submit $40 and Narnia: the form shows them, nothing hidden.
    expect(field(page, "Price per unit")).to_have_value("40")
    expect(field(page, "Cost centre")).to_have_value("Narnia")
    # What is typed after the reload is what the workspace holds.
    field(page, "Cost centre").fill("Design")
    before = modal.get_attribute("data-hash")
    field(page, "Category").select_option(label="Software licence")
    expect(modal).not_to_have_attribute("data-hash", before or "", timeout=TIMEOUT)
    view = demo.demo.workspace.current_modal(REQUESTER)
    assert view is not None
    assert view.edits["cost_centre"]["cost_centre"]["value"] == "Design"
    assert view.edits["unit_price"]["unit_price"]["value"] == "40"
    assert page.errors == []


def _inside(inner: Any, outer: Any) -> bool:
    a, b = inner.bounding_box(), outer.bounding_box()
    if not a or not b:
        return False
    return bool(a["y"] >= b["y"] - 1 and a["y"] + a["height"] <= b["y"] + b["height"] + 1)


def test_a_notice_after_submit_is_where_the_person_looks(page: Any, demo: Running) -> None:
    open_as(page, demo, REQUESTER)
    page.fill("#composer-input", "/buy 3 Figma Professional seats $45/mo")
    page.keyboard.press("Enter")
    modal = page.locator(".modal")
    expect(modal).to_be_visible(timeout=TIMEOUT)
    field(page, "Cost centre").fill("Design")
    field(page, "Business justification").fill("Three designers share one seat; reviews wait.")
    modal.locator(".modal-submit").click()
    # Acme already pays Figma: the bot tells before saving, and Submit becomes "Submit anyway".
    expect(modal.locator(".modal-submit")).to_have_text("Submit anyway", timeout=TIMEOUT)
    notice = modal.locator(".bk-section", has_text="Figma").last
    expect(notice).to_be_visible()
    assert _inside(notice, modal.locator(".modal-body")), "the notice is scrolled out of view"
    assert _inside(notice, page.locator("body"))
    assert page.errors == []


ROOT = Path(__file__).resolve().parents[2]
# A shortcode in the bot's messages: ":name:" inside a string literal (not "a:b:c" code).
SHORTCODE = re.compile(r"""["' ]:([a-z][a-z0-9_]*):[ "']""")


def _shortcodes() -> set[str]:
    found: set[str] = set()
    for folder in ("bot", "adapters/slack"):
        for path in (ROOT / folder).rglob("*.py"):
            found.update(SHORTCODE.findall(path.read_text()))
    return found


def test_every_emoji_the_bot_writes_is_drawn(page: Any, demo: Running) -> None:
    names = _shortcodes()
    assert {"bar_chart", "information_source", "white_check_mark"} <= names
    open_as(page, demo, REQUESTER)
    for name in sorted(names):
        html = page.evaluate("text => Mrkdwn.toHtml(text)", f"before :{name}: after")
        assert f":{name}:" not in html.replace(f'title=":{name}:"', ""), name
    # The digest in #it-leadership: its chart line shows an emoji, not ":bar_chart:".
    page.locator("[data-nav=channel-it-leadership] button").click()
    digest = page.locator(".message", has_text="The chart of the last 8 weeks")
    expect(digest).to_be_visible(timeout=TIMEOUT)
    assert ":bar_chart:" not in digest.inner_text()
    assert page.errors == []


def _no_sideways_scroll(page: Any) -> None:
    widths = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert widths[0] <= widths[1], f"the page scrolls sideways: {widths}"


def test_no_sideways_scroll_on_a_phone(page: Any, demo: Running) -> None:
    page.set_viewport_size({"width": 414, "height": 860})
    open_as(page, demo, REQUESTER)
    expect(card(page, "Wacom Intuos Pro tablet")).to_be_visible(timeout=TIMEOUT)
    _no_sideways_scroll(page)
    page.locator("[data-nav=channel-it-leadership] button").click()
    digest = page.locator(".message", has_text="Procurement digest").first
    expect(digest).to_be_visible(timeout=TIMEOUT)
    _no_sideways_scroll(page)
    page.locator("[data-nav=dm-procurebot] button").click()
    page.fill("#composer-input", "/buy 3 Figma Professional seats $45/mo")
    page.keyboard.press("Enter")
    expect(page.locator(".modal")).to_be_visible(timeout=TIMEOUT)
    _no_sideways_scroll(page)
    assert page.errors == []


def test_a_typed_but_unpicked_vendor_says_what_to_do(page: Any, demo: Running) -> None:
    open_as(page, demo, REQUESTER)
    page.fill("#composer-input", "/buy 2 Miro seats $10/mo")
    page.keyboard.press("Enter")
    modal = page.locator(".modal")
    expect(modal).to_be_visible(timeout=TIMEOUT)
    vendor = modal.locator('.bk-input[data-label="Vendor"]')
    expect(vendor.locator(".bk-hint")).to_contain_text('pick "New vendor: …"')
    vendor.locator("input").fill("Miro")
    field(page, "Cost centre").fill("Design")
    field(page, "Business justification").fill("Workshops with the whole team on one board.")
    modal.locator(".modal-submit").click()
    error = vendor.locator(".bk-error")
    expect(error).to_have_text(
        "Pick an option from the list for “Miro”: typing alone picks nothing.", timeout=TIMEOUT
    )
    # What was typed is still there, and the list offers it as a new vendor.
    expect(vendor.locator("input")).to_have_value("Miro")
    vendor.locator("input").focus()
    expect(vendor.get_by_role("option", name="New vendor: Miro")).to_be_visible(timeout=TIMEOUT)
    assert page.errors == []


DOUBLED = re.compile(r"[.!?…][”’\"')\]]+[.]")


def test_messages_end_their_sentences_once(page: Any, demo: Running) -> None:
    # Rita's Loom and Max's Jasper were rejected with reasons ending in a full stop.
    for person in (REQUESTER, "max.mkt@acme.example"):
        open_as(page, demo, person)
        rejected = page.locator(".message", has_text="was rejected by").first
        expect(rejected).to_be_visible(timeout=TIMEOUT)
        text = page.locator("#pane-body").inner_text()
        assert not DOUBLED.findall(text), DOUBLED.findall(text)
    # Buying from the rejected vendor says why, once.
    page.fill("#composer-input", "/buy 5 Jasper seats $99/mo")
    page.keyboard.press("Enter")
    modal = page.locator(".modal")
    expect(modal).to_be_visible(timeout=TIMEOUT)
    field(page, "Cost centre").fill("Marketing")
    field(page, "Business justification").fill("Campaign copy for the spring launch.")
    modal.locator(".modal-submit").click()
    error = modal.locator('.bk-input[data-label="Vendor"] .bk-error')
    expect(error).to_contain_text("was rejected in vendor review", timeout=TIMEOUT)
    assert not DOUBLED.findall(error.inner_text()), error.inner_text()
    assert page.errors == []


def test_people_are_named_not_emailed(page: Any, demo: Running) -> None:
    # Priya (procurement) decided the Figma requests: their cards list the vendor's other
    # requests, each with its owner.
    open_as(page, demo, PROCUREMENT)
    figma = card(page, "Figma Professional seats")
    expect(figma).to_contain_text("owner", timeout=TIMEOUT)
    text = page.locator("#pane-body").inner_text()
    assert "owner Rita Requester" in text or "owner Max Marketing" in text
    assert "@acme.example" not in text


def test_vendor_labels_say_the_vendors_state_now(page: Any, demo: Running) -> None:
    open_as(page, demo, PROCUREMENT)
    expect(card(page, "Figma Professional seats")).to_contain_text(
        "Figma (approved vendor)", timeout=TIMEOUT
    )
    open_as(page, demo, "max.mkt@acme.example")
    expect(card(page, "Jasper AI copywriting")).to_contain_text(
        "Jasper (rejected vendor)", timeout=TIMEOUT
    )
    open_as(page, demo, SECURITY)
    expect(card(page, "Datadog Pro hosts")).to_contain_text(
        "Datadog (vendor under review)", timeout=TIMEOUT
    )
    text = page.locator("#pane-body").inner_text()
    assert "under review vendor" not in text
