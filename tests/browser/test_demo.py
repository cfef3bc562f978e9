"""The demo in Chromium: a request typed, filled, approved by each approver and seen done."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from bot.app.demo_seed import PEOPLE
from bot.domain.model import parse_number
from tests.browser.conftest import ARTIFACTS, Running
from tests.fakes import IT, PROCUREMENT, REQUESTER, SECURITY

pytestmark = pytest.mark.browser

NAMES = {p.email: f"{p.name} — {p.title}" for p in PEOPLE}
TIMEOUT = 15_000


def open_as(page: Any, demo: Running, email: str) -> None:
    page.goto(f"{demo.demo.url}?as={email.split('@')[0]}")
    page.wait_for_selector("body[data-ready]")
    expect(page.locator("#me-badge")).to_contain_text(NAMES[email].split(" — ")[0])


def switch_to(page: Any, email: str) -> None:
    """Pick another person in the sidebar's "You are" menu, as a visitor would."""
    page.locator("#who").select_option(label=NAMES[email])
    expect(page.locator("#me-badge")).to_contain_text(NAMES[email].split(" — ")[0])
    page.locator("[data-nav=dm-procurebot] button").click()


def field(page: Any, label: str) -> Any:
    """The input, select or textarea of the modal's input block with this label."""
    return page.locator(f'.modal .bk-input[data-label="{label}"]').locator(
        "input.bk-text, textarea, select, input.bk-date"
    )


def pick_vendor(page: Any, name: str) -> None:
    """Type into the vendor typeahead (the bot answers block_suggestion) and pick the match."""
    vendor = page.locator('.modal .bk-input[data-label="Vendor"]')
    vendor.locator("input").fill(name)
    option = vendor.get_by_role("option", name=re.compile(name)).first
    expect(option).to_be_visible(timeout=TIMEOUT)
    option.click()


def card(page: Any, header: str) -> Any:
    """The newest message in the open conversation whose header is `header`."""
    return page.locator(".message", has=page.locator(".bk-header", has_text=header)).last


def test_request_through_the_page_to_approval(page: Any, demo: Running, tmp_path: Path) -> None:
    open_as(page, demo, REQUESTER)
    page.fill("#composer-input", "/buy 2 Notion Plus seats $10/mo")
    page.keyboard.press("Enter")
    modal = page.locator(".modal")
    expect(modal).to_be_visible(timeout=TIMEOUT)
    expect(modal.locator(".modal-title")).to_have_text("New purchase request")
    # The bot prefilled what it understood from the text; the rest is typed into the form.
    expect(field(page, "Vendor")).to_have_value("Notion")
    expect(field(page, "Price per unit")).to_have_value("10")
    field(page, "Cost centre").fill("Design")
    field(page, "Business justification").fill(
        "Shared product specs for the design team; Google Docs loses the structure."
    )
    modal.locator(".modal-submit").click()
    expect(modal).to_have_count(0, timeout=TIMEOUT)

    mine = card(page, "Notion Plus seats")
    expect(mine).to_contain_text("Waiting for IT review", timeout=TIMEOUT)
    number = re.match(r"PR-\d+", mine.locator(".bk-header").inner_text())
    assert number is not None
    request_id = parse_number(number.group(0))
    assert request_id is not None
    header = f"{number.group(0)} · Notion Plus seats"
    assert demo.demo.core.service.get(request_id).status.value == "pending"

    for approver in (IT[0], SECURITY, PROCUREMENT):
        switch_to(page, approver)
        theirs = card(page, header)
        approve = theirs.get_by_role("button", name="Approve")
        expect(approve).to_be_visible(timeout=TIMEOUT)
        approve.click()
        # The card is updated in place: the decision replaces the buttons.
        expect(theirs.get_by_role("button", name="Approve")).to_have_count(0, timeout=TIMEOUT)

    switch_to(page, REQUESTER)
    done = page.locator(".message", has_text=f"{header} · $240.00/yr is approved")
    expect(done).to_be_visible(timeout=TIMEOUT)
    expect(card(page, header)).to_contain_text("Approved", timeout=TIMEOUT)
    request = demo.demo.core.service.get(request_id)
    assert request.status.value == "approved"
    assert [s.deciders for s in request.steps] == [[IT[0]], [SECURITY], [PROCUREMENT]]
    assert page.errors == []  # type: ignore[attr-defined]
    save_screenshot(page, tmp_path, "demo-final.png")


def test_modal_errors_render_next_to_their_field(page: Any, demo: Running, tmp_path: Path) -> None:
    open_as(page, demo, REQUESTER)
    page.fill("#composer-input", "/buy")
    page.keyboard.press("Enter")
    modal = page.locator(".modal")
    expect(modal).to_be_visible(timeout=TIMEOUT)
    # Slack's client refuses an empty required field itself, without asking the bot.
    modal.locator(".modal-submit").click()
    title = modal.locator('.bk-input[data-label="What do you need?"]')
    expect(title.locator(".bk-error")).to_have_text(
        "Please complete this required field.", timeout=TIMEOUT
    )
    # The bot's own checks come back as response_action "errors", shown under each field.
    field(page, "What do you need?").fill("Notion Plus seats")
    before = modal.get_attribute("data-hash")
    field(page, "Category").select_option(label="SaaS subscription")
    # Picking a category makes the bot update the form (views.update); wait for it, as a
    # person would see the form change, so that update cannot land after the errors.
    expect(modal).not_to_have_attribute("data-hash", before or "", timeout=TIMEOUT)
    expect(field(page, "What do you need?")).to_have_value("Notion Plus seats")
    pick_vendor(page, "Notion")
    field(page, "Price per unit").fill("-5")
    field(page, "Cost centre").fill("Design")
    field(page, "Business justification").fill("pls")
    modal.locator(".modal-submit").click()
    price = modal.locator('.bk-input[data-label="Price per unit"] .bk-error')
    expect(price).to_contain_text("more than zero", timeout=TIMEOUT)
    why = modal.locator('.bk-input[data-label="Business justification"] .bk-error')
    expect(why).to_be_visible()
    expect(title.locator(".bk-error")).to_have_count(0)
    # What was typed survives the round trip, and nothing was saved.
    expect(field(page, "Vendor")).to_have_value(re.compile("Notion"))
    assert demo.demo.core.service.my_requests(requester=REQUESTER)[0].title != "Notion Plus seats"
    assert page.errors == []  # type: ignore[attr-defined]
    save_screenshot(page, tmp_path, "demo-modal-errors.png")


def save_screenshot(page: Any, tmp_path: Path, name: str) -> None:
    """Keep the final state as an artefact (artifacts/browser/, and the test's tmp dir)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name))
    page.screenshot(path=str(tmp_path / name))
    wanted = os.environ.get("PROCUREBOT_DEMO_SCREENSHOT")
    if wanted and name == "demo-final.png":
        page.screenshot(path=wanted)


def test_mrkdwn_renders_like_slack_in_the_readers_time_zone(page: Any, demo: Running) -> None:
    open_as(page, demo, REQUESTER)
    render = "text => Mrkdwn.toHtml(text)"
    html = page.evaluate(
        render, "*Approved* by _Ines_: `PR-1001` <https://example.com/q?a=1&amp;b=2|the quote>"
    )
    assert "<b>Approved</b>" in html and "<i>Ines</i>" in html
    assert "<code>PR-1001</code>" in html
    assert '<a href="https://example.com/q?a=1&amp;b=2"' in html and ">the quote</a>" in html
    # 2025-11-24 16:00 UTC is 11:00 AM in New York, the page's zone in this test.
    date = page.evaluate(render, "<!date^1764000000^{date_short} at {time}|24 Nov 2025>")
    assert ">Nov 24, 2025 at 11:00 AM</time>" in date
    assert page.evaluate(render, "line one\nline two") == "line one<br>line two"
    # Slack escapes < > & in text; they stay text, never markup.
    assert page.evaluate(render, "&lt;img src=x onerror=alert(1)&gt;") == (
        "&lt;img src=x onerror=alert(1)&gt;"
    )
    assert "javascript" not in page.evaluate(render, "<javascript:alert(1)|click>")


HOSTILE_LINKS = [
    "<!date^1764000000^{date_short}^javascript:alert(document.domain)|24 Nov 2025>",
    "<!date^1764000000^{date_short}^ javascript:alert(1)|24 Nov 2025>",
    "<!date^1764000000^{date_short}^java&amp;#115;cript:alert(1)|24 Nov 2025>",
    "<!date^1764000000^{date_short}^data:text/html,&lt;script&gt;alert(1)&lt;/script&gt;|x>",
    "<javascript:alert(1)|click>",
    "<\tjavascript:alert(1)|click>",
    "<//evil.example/x|click>",
]


def test_links_on_the_page_only_go_to_web_and_mail_addresses(page: Any, demo: Running) -> None:
    open_as(page, demo, REQUESTER)
    hrefs = """html => {
        const box = document.createElement("div");
        box.innerHTML = html;
        return [...box.querySelectorAll("a")].map(a => a.getAttribute("href"));
    }"""
    for text in HOSTILE_LINKS:
        html = page.evaluate("text => Mrkdwn.toHtml(text)", text)
        assert page.evaluate(hrefs, html) == ["#"], html
    dated = page.evaluate(
        "text => Mrkdwn.toHtml(text)",
        "<!date^1764000000^{date_short}^https://example.com/q?a=1&amp;b=2|24 Nov 2025>",
    )
    assert '<a href="https://example.com/q?a=1&amp;b=2"' in dated
    mail = page.evaluate("text => Mrkdwn.toHtml(text)", "<mailto:it@acme.example|IT>")
    assert '<a href="mailto:it@acme.example"' in mail
    rich = page.evaluate(
        """url => BlockKit.renderBlocks([{type: "rich_text", elements: [{type: "rich_text_section",
            elements: [{type: "link", url, text: "open"}]}]}], {}).innerHTML""",
        "javascript:alert(1)",
    )
    assert "javascript" not in rich and ">open</a>" in rich


def test_block_kit_elements_render(page: Any, demo: Running) -> None:
    from slack_sdk.web.async_client import AsyncWebClient

    from adapters.demo import DEMO_TOKEN

    ws = demo.demo.workspace
    api_url = f"{ws.server_url}/api/"
    option = lambda v: {"text": {"type": "plain_text", "text": v.title()}, "value": v}  # noqa: E731
    blocks = [
        {"type": "header", "text": {"type": "plain_text", "text": "Kitchen sink"}},
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": "*Fields* below"},
            "fields": [{"type": "mrkdwn", "text": "*Cost*\n$45"}] * 2,
            "accessory": {"type": "button", "text": {"type": "plain_text", "text": "Open"}},
        },
        {"type": "context", "elements": [{"type": "mrkdwn", "text": "small print"}]},
        {"type": "divider"},
        {"type": "image", "image_url": "/static/none.png", "alt_text": "a chart"},
        {
            "type": "actions",
            "elements": [
                {
                    "type": "button",
                    "text": {"type": "plain_text", "text": "Go"},
                    "style": "primary",
                    "action_id": "go",
                },
                {
                    "type": "button",
                    "text": {"type": "plain_text", "text": "Stop"},
                    "style": "danger",
                    "action_id": "stop",
                },
                {"type": "static_select", "action_id": "pick", "options": [option("a")]},
                {"type": "datepicker", "action_id": "when", "initial_date": "2026-12-24"},
                {"type": "checkboxes", "action_id": "boxes", "options": [option("x"), option("y")]},
                {"type": "overflow", "action_id": "more", "options": [option("m"), option("n")]},
            ],
        },
    ]

    async def post() -> None:
        client = AsyncWebClient(token=DEMO_TOKEN, base_url=api_url)
        await client.chat_postMessage(channel="general", text="sink", blocks=blocks)

    demo.call(post())
    open_as(page, demo, REQUESTER)
    page.locator("[data-nav=channel-general] button").click()
    message = page.locator(".message", has=page.locator(".bk-header", has_text="Kitchen sink"))
    expect(message).to_be_visible(timeout=TIMEOUT)
    expect(message.locator(".bk-field")).to_have_count(2)
    expect(message.locator(".bk-accessory .bk-button")).to_have_text("Open")
    expect(message.locator(".bk-context")).to_have_text("small print")
    expect(message.locator(".bk-divider")).to_have_count(1)
    expect(message.locator(".bk-image img")).to_have_attribute("alt", "a chart")
    expect(message.locator(".bk-primary")).to_have_text("Go")
    expect(message.locator(".bk-danger")).to_have_text("Stop")
    assert message.locator(".bk-primary").evaluate("b => getComputedStyle(b).backgroundColor") == (
        "rgb(0, 122, 90)"
    )
    expect(message.locator("select.bk-select option")).to_have_count(2)  # placeholder + one
    expect(message.locator("input.bk-date")).to_have_value("2026-12-24")
    expect(message.locator(".bk-choice")).to_have_count(2)
    expect(message.locator("select.bk-overflow option")).to_have_count(3)
    assert page.errors == []  # type: ignore[attr-defined]
