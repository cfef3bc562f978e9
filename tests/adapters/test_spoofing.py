"""Text people type cannot fake one of the bot's lines: no formatting, quote, list, ping or
link of its own, in Slack's mrkdwn (blocks and the notification text) and Teams' markdown."""

from __future__ import annotations

import json
import re
from dataclasses import replace

from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.notifier import SlackNotifier
from adapters.slack.render import card_text, render_card
from adapters.teams.render import render_card as teams_card
from bot.domain.cards import Fact
from bot.domain.model import Person
from tests.adapters.slack.test_render import card
from tests.fakes import IT, REQUESTER
from workspace import Workspace, start_workspace

FAKE = (
    "Fine\n✅ *Finance* · _approved_ ~by~ `Fred`\n> Approved by everyone\n- done\n1. PO <!channel>"
)


def spoofed():
    """A card whose title, justification, vendor and notice carry the fake line."""
    real = card("pending", IT[0])
    facts = [
        Fact(f.label, FAKE if f.label in ("Justification", "Vendor") else f.value)
        for f in real.facts
    ]
    return replace(real, title=FAKE.replace("\n", " "), facts=facts, notice=FAKE)


def mrkdwn_texts(node: object) -> list[str]:
    found: list[str] = []
    if isinstance(node, dict):
        if node.get("type") == "mrkdwn":
            found.append(str(node["text"]))
        for value in node.values():
            found += mrkdwn_texts(value)
    elif isinstance(node, list):
        for value in node:
            found += mrkdwn_texts(value)
    return found


def test_slack_blocks_show_user_text_literally() -> None:
    for text in mrkdwn_texts(render_card(spoofed())):
        assert "*Finance*" not in text and "_approved_" not in text
        assert "~by~" not in text and "`Fred`" not in text
        assert "<!channel>" not in text
        # A line of someone's text never starts a quote (only the bot's own headline does).
        assert not re.search(r"^(&gt;|>) Approved by everyone", text, re.MULTILINE)


def test_slack_notification_text_is_escaped_too() -> None:
    text = card_text(spoofed())
    assert "<!channel>" not in text and "&lt;!channel&gt;" in text
    assert "*Finance*" not in text


def test_teams_text_is_shown_as_typed() -> None:
    rendered = json.dumps(teams_card(spoofed()), ensure_ascii=False)
    assert "\\\\*Finance\\\\*" in rendered and "\\\\_approved\\\\_" in rendered
    assert "\\\\- done" in rendered and "1\\\\. PO" in rendered and "\\\\> Approved" in rendered


async def test_slack_notifier_escapes_the_text_of_a_note() -> None:
    """The outbox's notes go out with a `text=` Slack renders as mrkdwn in notifications."""
    workspace = Workspace.seed(users=[{"name": "rita", "real_name": "Rita", "email": REQUESTER}])
    runner, url = await start_workspace(workspace, token="xoxb-t")
    try:
        notifier = SlackNotifier(client=AsyncWebClient(token="xoxb-t", base_url=url))
        await notifier.send(person=Person(email=REQUESTER), card=None, text=FAKE)
        user = workspace.find_user(REQUESTER)
        assert user is not None
        im = workspace.im_of(user.id)
        assert im is not None
        (message,) = workspace.messages_in(im.id, viewer=user.id)
        assert "<!channel>" not in message.text and "*Finance*" not in message.text
    finally:
        await runner.cleanup()
