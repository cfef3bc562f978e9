"""`procurebot vendors show` of a vendor qualified ahead of any purchase (text and --json)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.app.clock import FixedClock
from bot.app.vendor_qualification import Proposal, VendorReviews
from bot.cli.main import app
from bot.domain.model import Channel, Vendor
from storage.engine import make_engine
from storage.migrate import upgrade
from storage.uow import SqlUnitOfWorkFactory
from tests.fakes import EXAMPLE_POLICY, IT, PROCUREMENT, REQUESTER, START, example_policy

runner = CliRunner()


@pytest.fixture
def reviews(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> VendorReviews:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("PROCUREBOT_POLICY", str(EXAMPLE_POLICY))
    upgrade(url)
    uow = SqlUnitOfWorkFactory(make_engine(url))
    return VendorReviews(uow=uow, policy=example_policy(), clock=FixedClock(START))


def test_vendors_show_has_the_answers_outcome_and_expiry(reviews: VendorReviews) -> None:
    proposal = Proposal(
        vendor="Acme Analytics",
        website="acme.example",
        category="saas",
        purpose="Product analytics",
        answers={
            "soc2_iso": "yes",
            "sso": "yes",
            "data_location": "EU",
            "dpa": "yes",
            "subprocessors": "AWS",
            "breach": "no",
        },
    )
    review = reviews.propose(proposal=proposal, proposer=REQUESTER, channel=Channel.SLACK)
    assert review.id is not None
    reviews.approve(review_id=review.id, actor=IT[0], group="it", channel=Channel.SLACK)
    reviews.approve(
        review_id=review.id, actor=PROCUREMENT, group="procurement", channel=Channel.SLACK
    )

    text = runner.invoke(app, ["vendors", "show", "acme analytics"])
    assert text.exit_code == 0, text.output
    assert "Acme Analytics: approved until 2027-11-23" in text.output
    assert "qualified  approved (proposed by rita.req@acme.example 2026-11-23" in text.output
    assert "Has a SOC 2 Type II or ISO 27001 report?  Yes" in text.output
    assert "Where is our data stored?  EU" in text.output
    assert "2026-11-23 priya.proc@acme.example (procurement) approved" in text.output

    shown = runner.invoke(app, ["vendors", "show", "Acme Analytics", "--json"])
    data = json.loads(shown.output)
    assert data["status"] == "approved"
    assert data["review_valid_until"] == "2027-11-23T14:00:00+00:00"
    qualification = data["qualification"]
    assert (qualification["status"], qualification["proposer"]) == ("approved", REQUESTER)
    assert qualification["answers"][2] == {
        "id": "data_location",
        "question": "Where is our data stored?",
        "answer": "EU",
    }
    assert [(d["group"], d["outcome"], d["by"]) for d in qualification["decisions"]] == [
        ("it", "approved", IT[0]),
        ("procurement", "approved", PROCUREMENT),
    ]


def test_a_vendor_never_proposed_shows_no_qualification(reviews: VendorReviews) -> None:
    with reviews._uow() as uow:
        uow.vendors.add(Vendor(name="Zoom"))
        uow.commit()
    data = json.loads(runner.invoke(app, ["vendors", "show", "zoom", "--json"]).output)
    assert (data["qualification"], data["review_valid_until"]) == (None, None)
    assert "qualified" not in runner.invoke(app, ["vendors", "show", "zoom"]).output
