"""The page against a bare Bolt app: every input element filled in Chromium reaches the app
exactly as Slack's client would send it (external select options via block_suggestion)."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.async_api import async_playwright, expect

from tests.browser.conftest import CHROMIUM_ARGS, require_chromium
from tests.workspace.conftest import Bot, Fake
from tests.workspace.test_sender import serve_purchase_modal
from workspace import attach_sender

pytestmark = pytest.mark.browser
TIMEOUT = 15_000


async def test_every_input_element_submits_what_was_typed(fake: Fake, bot: Bot) -> None:
    executable = require_chromium()
    submissions: list[dict[str, Any]] = []
    serve_purchase_modal(bot, submissions)
    attach_sender(fake.app, bot.sender)
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(executable), args=CHROMIUM_ARGS
        )
        try:
            page = await browser.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda error: errors.append(str(error)))
            await page.goto(f"{fake.origin}/?as=alice")
            await page.wait_for_selector("body[data-ready]")
            await page.fill("#composer-input", "/buy")
            await page.keyboard.press("Enter")
            modal = page.locator(".modal")
            await expect(modal.locator(".modal-title")).to_have_text(
                "New purchase", timeout=TIMEOUT
            )

            def field(label: str) -> Any:
                return modal.locator(f'.bk-input[data-label="{label}"]')

            await field("Item").locator("input").fill("Figma seat")
            await field("Amount").locator("input").fill("45.50")
            await field("Category").locator("select").select_option(label="SaaS subscription")
            # Typing in the external select asks the app for options (block_suggestion).
            await field("Vendor").locator("input").fill("at")
            suggestion = field("Vendor").get_by_role("option", name="Atlassian")
            await expect(suggestion).to_be_visible(timeout=TIMEOUT)
            await suggestion.click()
            await field("Needed by").locator("input").fill("2026-12-01")
            await field("Urgency").get_by_label("High").check()
            await field("Compliance").get_by_label("Security review").check()
            await field("Link").locator("input").fill("https://figma.com/pricing")
            await field("Finance contact").locator("input").fill("finance@example.com")
            await field("Manager").locator("select").select_option(label="Bob Brown")
            await modal.locator(".modal-submit").click()
            await expect(modal).to_have_count(0, timeout=TIMEOUT)
            assert errors == []
        finally:
            await browser.close()
    values = submissions[0]["view"]["state"]["values"]
    assert values["item"]["value"] == {"type": "plain_text_input", "value": "Figma seat"}
    assert values["amount"]["value"] == {"type": "number_input", "value": "45.50"}
    assert values["category"]["value"]["selected_option"]["value"] == "saas"
    assert values["vendor"]["value"]["selected_option"]["value"] == "atlassian"
    assert values["needed_by"]["value"] == {"type": "datepicker", "selected_date": "2026-12-01"}
    assert values["urgency"]["value"]["selected_option"]["value"] == "high"
    assert [o["value"] for o in values["compliance"]["value"]["selected_options"]] == ["sec"]
    assert values["link"]["value"]["value"] == "https://figma.com/pricing"
    assert values["finance"]["value"]["value"] == "finance@example.com"
    assert values["manager"]["value"] == {"type": "users_select", "selected_user": "U0002"}
    assert values["notes"]["value"] == {"type": "plain_text_input", "value": None}
