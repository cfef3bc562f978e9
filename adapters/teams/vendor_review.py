"""Teams side of vendor qualification: `vendor Acme`, the form card and the review cards.

The TeamsBot hands typed `vendor …` messages and our verbs (vendor_*) here; every answer is a
card shown in place of the clicked one, as for request cards.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from typing import Any

from adapters.teams.limits import markdown
from adapters.teams.render import SCHEMA, VERSION, note_card
from bot.app.vendor_qualification import CATEGORY, PURPOSE, WEBSITE, Proposal, VendorReviews
from bot.domain.errors import DomainError, InvalidInput
from bot.domain.model import Category, Channel, Person
from bot.domain.questionnaire import NO, YES, Question, QuestionKind
from bot.domain.vendor_reviews import MAX_PURPOSE, MAX_WEBSITE, ReviewAction, VendorCard

WORD = "vendor"  # the message `vendor Acme`
KIND = "pb"  # the key our cards' data carries the verb under (as adapters/teams/ids.py)
PREFIX = "vendor_"
PROPOSE = "vendor_propose"
VENDOR, REVIEW, GROUP = "vendor", "v", "g"
REASON = "vendor_reason"  # the text input of Reject / Ask / Answer
_INPUTS = {WEBSITE: "vendor_website", CATEGORY: "vendor_category", PURPOSE: "vendor_purpose"}
_BUTTONS = {
    ReviewAction.APPROVE: ("Approve", "positive"),
    ReviewAction.REJECT: ("Reject", "destructive"),
    ReviewAction.ASK: ("Ask the proposer", None),
    ReviewAction.ANSWER: ("Answer", "positive"),
}
_PROMPTS = {
    ReviewAction.REJECT: ("Why reject it?", "Reject"),
    ReviewAction.ASK: ("Your question for the proposer", "Send question"),
    ReviewAction.ANSWER: ("Your answer", "Send answer"),
}


def input_id(field: str) -> str:
    """The input id of a form field or a question."""
    return _INPUTS.get(field, f"q_{field}")


def _card(body: list[dict[str, Any]], actions: list[dict[str, Any]] | None = None) -> dict:
    card: dict[str, Any] = {"type": "AdaptiveCard", "$schema": SCHEMA, "version": VERSION}
    card["body"] = body
    if actions:
        card["actions"] = actions
    return card


def _text(text: str, **style: Any) -> dict[str, Any]:
    return {"type": "TextBlock", "text": text, "wrap": True, **style}


def form_card(
    *,
    vendor: str,
    questions: Sequence[Question],
    values: Mapping[str, str] | None = None,
    errors: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The proposal form; shown again with `errors` under their fields."""
    values, errors = values or {}, errors or {}
    body: list[dict[str, Any]] = [
        _text(f"Propose {markdown(vendor)} as a vendor", size="Medium", weight="Bolder"),
        _text("IT and procurement review your answers before anyone buys from it."),
    ]
    if errors:
        body.append(_text("Please fix the fields marked below.", color="Attention"))

    def add(field: str, element: dict[str, Any]) -> None:
        element["id"] = input_id(field)
        if values.get(field):
            element["value"] = values[field]
        body.append(element)
        if field in errors:
            body.append(_text(markdown(errors[field]), color="Attention", spacing="None"))

    text = {"type": "Input.Text", "label": "Website", "maxLength": MAX_WEBSITE}
    add(WEBSITE, text)
    categories = [{"title": c.label, "value": c.value} for c in Category]
    add(CATEGORY, {"type": "Input.ChoiceSet", "label": "Category", "choices": categories})
    add(
        PURPOSE,
        {
            "type": "Input.Text",
            "label": "What it's for",
            "isMultiline": True,
            "isRequired": True,
            "errorMessage": "Say what the company would use it for.",
            "maxLength": MAX_PURPOSE,
        },
    )
    for q in questions:
        element: dict[str, Any]
        if q.kind is QuestionKind.TEXT:
            element = {"type": "Input.Text", "isMultiline": True, "maxLength": 2000}
        else:
            choices = (
                [{"title": "Yes", "value": YES}, {"title": "No", "value": NO}]
                if q.kind is QuestionKind.YES_NO
                else [{"title": c, "value": c} for c in q.choices]
            )
            element = {"type": "Input.ChoiceSet", "choices": choices}
        element["label"] = q.text
        if q.required:
            element.update(isRequired=True, errorMessage="Please answer this.")
        add(q.id, element)
    submit = {
        "type": "Action.Execute",
        "title": "Send for review",
        "verb": PROPOSE,
        "data": {KIND: PROPOSE, VENDOR: vendor},
        "style": "positive",
    }
    return _card(body, [submit])


def review_card(card: VendorCard, *, notice: str | None = None) -> dict[str, Any]:
    """The review as one person sees it, with their buttons."""
    body: list[dict[str, Any]] = []
    if notice:
        body.append(_text(markdown(notice), color="Attention"))
    body += [
        _text(f"Vendor review: {markdown(card.vendor)}", size="Medium", weight="Bolder"),
        _text(markdown(card.status_text), weight="Bolder"),
    ]
    if card.notice:
        body.append(_text(f"⚠️ {markdown(card.notice)}", color="Warning"))
    body.append(
        {
            "type": "FactSet",
            "facts": [{"title": k, "value": markdown(v)} for k, v in card.facts],
        }
    )
    body.append(
        {
            "type": "FactSet",
            "facts": [{"title": markdown(q), "value": markdown(a)} for q, a in card.answers],
        }
    )
    if card.question and ReviewAction.ANSWER in card.actions:
        body.append(_text(f"**Question for you:** {markdown(card.question)}"))
    for line in card.thread[-10:]:
        body.append(_text(markdown(line), isSubtle=True, spacing="None"))
    data = {REVIEW: card.review_id, GROUP: card.group}
    actions = []
    for action in card.actions:
        title, style = _BUTTONS[action]
        verb = f"{PREFIX}{action.value}"
        button: dict[str, Any] = {
            "type": "Action.Execute",
            "title": title,
            "verb": verb,
            "data": {KIND: verb, **data},
        }
        if style:
            button["style"] = style
        if action is ReviewAction.APPROVE:
            actions.append(button)
            continue
        label, send = _PROMPTS[action]
        button["title"] = send
        field = {
            "type": "Input.Text",
            "id": REASON,
            "label": label,
            "isMultiline": True,
            "maxLength": MAX_PURPOSE,
        }
        actions.append(
            {
                "type": "Action.ShowCard",
                "title": title,
                "card": {"type": "AdaptiveCard", "body": [field], "actions": [button]},
            }
        )
    return _card(body, actions)


def review_text(card: VendorCard) -> str:
    """The activity's summary."""
    return f"Vendor review: {card.vendor}"[:300]


class TeamsVendorReviews:
    """What the TeamsBot does for `vendor …` messages and vendor_* buttons."""

    def __init__(self, reviews: VendorReviews) -> None:
        self.reviews = reviews

    async def form(self, name: str) -> dict[str, Any]:
        """The form for `vendor Acme`, or a note saying why it cannot be proposed."""
        name = " ".join(name.split())
        try:
            await asyncio.to_thread(self.reviews.check_proposal, vendor=name)
        except InvalidInput as error:
            return note_card(" ".join(error.fields.values()))
        return form_card(vendor=name, questions=self.reviews.policy.vendors.questionnaire)

    async def act(self, person: Person, data: Mapping[str, Any]) -> dict[str, Any]:
        """Do what a vendor_* button asks; the card to show in its place."""
        verb = str(data.get(KIND))
        if verb == PROPOSE:
            return await self._propose(person, data)
        try:
            action = ReviewAction(verb.removeprefix(PREFIX))
            review_id = int(data[REVIEW])
        except (KeyError, TypeError, ValueError):
            return note_card("I don't know that button any more. Type `help`.")
        group = str(data.get(GROUP) or "")
        text = str(data.get(REASON) or "").strip()
        common: dict[str, Any] = {
            "review_id": review_id,
            "actor": person.email,
            "channel": Channel.TEAMS,
        }
        try:
            if action is ReviewAction.APPROVE:
                await asyncio.to_thread(self.reviews.approve, group=group, **common)
            elif not text:
                return await self._card(review_id, person, "Write something first.")
            elif action is ReviewAction.REJECT:
                await asyncio.to_thread(self.reviews.reject, group=group, reason=text, **common)
            elif action is ReviewAction.ASK:
                await asyncio.to_thread(self.reviews.ask, group=group, question=text, **common)
            else:
                await asyncio.to_thread(self.reviews.answer, text=text, **common)
        except DomainError as error:
            return await self._card(review_id, person, str(error))
        return await self._card(review_id, person)

    async def _propose(self, person: Person, data: Mapping[str, Any]) -> dict[str, Any]:
        vendor = str(data.get(VENDOR) or "")
        questions = self.reviews.policy.vendors.questionnaire
        values = {f: str(data.get(input_id(f)) or "") for f in (WEBSITE, CATEGORY, PURPOSE)}
        values.update({q.id: str(data.get(input_id(q.id)) or "") for q in questions})
        proposal = Proposal(
            vendor=vendor,
            website=values[WEBSITE],
            category=values[CATEGORY],
            purpose=values[PURPOSE],
            answers=values,
        )
        try:
            review = await asyncio.to_thread(
                self.reviews.propose,
                proposal=proposal,
                proposer=person.email,
                channel=Channel.TEAMS,
            )
        except InvalidInput as error:
            fields = {k: v for k, v in error.fields.items() if k in values}
            if not fields:  # the vendor itself: proposed by someone else meanwhile, say
                return note_card(" ".join(error.fields.values()))
            return form_card(vendor=vendor, questions=questions, values=values, errors=fields)
        assert review.id is not None
        return await self._card(review.id, person, "Sent for review.")

    async def _card(self, review_id: int, person: Person, notice: str | None = None) -> dict:
        try:
            card = await asyncio.to_thread(
                self.reviews.card, review_id=review_id, viewer=person.email
            )
        except DomainError as error:
            return note_card(notice or str(error))
        return review_card(card, notice=notice)
