"""The command table: every card button has one command, each command one use case, and
typed lines parse to the same commands in Slack's and Teams' dialects."""

from __future__ import annotations

import ast
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import pytest

from bot.app import commands
from bot.app.commands import (
    BY_ACTION,
    Changed,
    EditForm,
    IntakeForm,
    RenewalForm,
    Shown,
    Submit,
    for_action,
    handle,
)
from bot.app.facade import Procurement
from bot.app.typed import (
    SLACK,
    TEAMS,
    Buy,
    ConfirmCancel,
    Help,
    ListMine,
    Status,
    TextCommand,
    Usage,
    parse_text,
)
from bot.domain.errors import IllegalTransition, NotAllowed
from bot.domain.model import Channel, Person, RequestStatus
from bot.domain.workflow import Action
from tests.fakes import REQUESTER, draft

RITA = Person(email=REQUESTER)
OTHER = Person(email="ines.it@acme.example")
DONE = object()  # what the fake service's use cases return
ADAPTERS = Path(__file__).resolve().parent.parent.parent / "adapters"
# The use cases behind the table: the chat adapters reach them only through handle().
USE_CASES = {
    "approve",
    "reject",
    "ask",
    "answer",
    "cancel",
    "record_po",
    "mark_received",
    "let_lapse",
    "edit",
    "submit",
    "renewal_draft",
}


class FakeService:
    """Records which use case was called with what; answers reads from `reads`."""

    def __init__(self, **reads: object) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.reads = reads

    def __getattr__(self, name: str) -> Callable[..., object]:
        def call(*args: object, **kwargs: Any) -> object:
            positional: dict[Any, object] = dict(enumerate(args))
            self.calls.append((name, {**positional, **kwargs}))
            return self.reads.get(name, DONE)

        return call


def run(command: Any, **reads: object) -> tuple[commands.Outcome, FakeService]:
    fake = FakeService(**reads)
    return handle(cast(Procurement, fake), command), fake


def test_every_action_maps_to_exactly_one_command() -> None:
    assert set(BY_ACTION) == set(Action)
    assert len(set(BY_ACTION.values())) == len(Action)
    for action in Action:
        built = for_action(
            action, request_id=7, actor=RITA, channel=Channel.SLACK, step="it", text="why"
        )
        assert type(built) is BY_ACTION[action]
        assert (built.request_id, built.actor, built.channel) == (7, RITA, Channel.SLACK)


def test_the_text_actions_are_the_ones_whose_form_asks_for_text() -> None:
    assert {Action.REJECT, Action.ASK, Action.ANSWER, Action.RECORD_PO} == commands.TEXT_ACTIONS
    assert {Action.EDIT, Action.RENEW} == commands.FORM_ACTIONS


@pytest.mark.parametrize(
    ("action", "use_case", "arguments"),
    [
        (Action.APPROVE, "approve", {"step": "it"}),
        (Action.REJECT, "reject", {"reason": "why", "step": "it"}),
        (Action.ASK, "ask", {"question": "why", "step": "it"}),
        (Action.ANSWER, "answer", {"text": "why"}),
        (Action.CANCEL, "cancel", {}),
        (Action.RECORD_PO, "record_po", {"po_number": "why"}),
        (Action.MARK_RECEIVED, "mark_received", {}),
        (Action.LET_LAPSE, "let_lapse", {}),
    ],
)
def test_each_button_calls_its_one_use_case(
    action: Action, use_case: str, arguments: dict[str, object]
) -> None:
    command = for_action(
        action,
        request_id=7,
        actor=RITA,
        channel=Channel.TEAMS,
        step="it",
        text="why",
        idempotency_key="k1",
    )
    outcome, fake = run(command)
    assert outcome == Changed(request=DONE)  # type: ignore[arg-type]
    expected = {
        "request_id": 7,
        "actor": REQUESTER,
        "channel": Channel.TEAMS,
        "idempotency_key": "k1",
        **arguments,
    }
    assert fake.calls == [(use_case, expected)]


def test_edit_opens_the_form_for_the_requester_only() -> None:
    request = SimpleNamespace(requester=REQUESTER, number="PR-1007")
    edit = for_action(Action.EDIT, request_id=7, actor=RITA, channel=Channel.SLACK)
    outcome, fake = run(edit, get=request)
    assert outcome == EditForm(request=request)  # type: ignore[arg-type]
    assert fake.calls == [("get", {0: 7})]
    other = for_action(Action.EDIT, request_id=7, actor=OTHER, channel=Channel.SLACK)
    with pytest.raises(NotAllowed, match="Only the requester can edit PR-1007"):
        run(other, get=request)


def test_renew_opens_a_prefilled_form() -> None:
    renew = for_action(Action.RENEW, request_id=7, actor=RITA, channel=Channel.SLACK)
    outcome, fake = run(renew, renewal_draft=draft())
    assert outcome == RenewalForm(renews=7, draft=draft())
    assert fake.calls == [("renewal_draft", {"request_id": 7, "actor": REQUESTER})]


def test_submit_and_resubmit() -> None:
    submit = Submit(actor=RITA, channel=Channel.SLACK, draft=draft(), renews=3)
    outcome, fake = run(submit)
    assert isinstance(outcome, Changed)
    assert fake.calls[0][0] == "submit"
    assert fake.calls[0][1]["requester"] == REQUESTER
    assert fake.calls[0][1]["renews"] == 3
    resubmit = commands.Resubmit(request_id=7, actor=RITA, channel=Channel.SLACK, draft=draft())
    _, fake = run(resubmit)
    assert fake.calls == [
        (
            "edit",
            {
                "request_id": 7,
                "actor": REQUESTER,
                "channel": Channel.SLACK,
                "idempotency_key": None,
                "draft": draft(),
            },
        )
    ]


def test_buy_prefills_from_the_line_and_asks_nothing_for_an_empty_one() -> None:
    outcome, _ = run(Buy(text="3 Figma seats"), known_vendors=["Figma"])
    assert isinstance(outcome, IntakeForm)
    assert outcome.values.get("vendor") == "Figma"
    assert run(Buy())[0] == IntakeForm(values={})
    assert run(Buy())[1].calls == []


def card(*, actions: tuple[Action, ...] = (), role: str = "requester") -> SimpleNamespace:
    return SimpleNamespace(
        number="PR-1007",
        status=RequestStatus.APPROVED,
        viewer_role=role,
        actions=[SimpleNamespace(action=a) for a in actions],
    )


def test_status_shows_the_card_to_someone_who_may_see_it() -> None:
    shown = card()
    outcome, fake = run(Status(request_id=7, actor=RITA), card_for=shown)
    assert outcome == Shown(card=shown)  # type: ignore[arg-type]
    assert fake.calls == [
        ("card_for", {"request_id": 7, "viewer": REQUESTER, "check_visible": True})
    ]


def test_confirm_cancel_offers_the_button_or_says_why_not() -> None:
    open_card = card(actions=(Action.CANCEL,))
    outcome, _ = run(ConfirmCancel(request_id=7, actor=RITA), card_for=open_card)
    assert outcome == Shown(card=open_card, confirm_cancel=True)  # type: ignore[arg-type]
    with pytest.raises(NotAllowed, match="Only the requester can cancel PR-1007"):
        run(ConfirmCancel(request_id=7, actor=OTHER), card_for=card(role="approver"))
    with pytest.raises(IllegalTransition, match="PR-1007 is approved and can no longer be"):
        run(ConfirmCancel(request_id=7, actor=RITA), card_for=card())


def test_a_status_without_its_actor_or_a_command_without_a_use_case_is_a_bug() -> None:
    with pytest.raises(TypeError, match="need the actor"):
        run(Status(request_id=7))
    for command in (Help(), ListMine(), Usage(message="x")):
        with pytest.raises(TypeError, match="No use case"):
            run(command)


@pytest.mark.parametrize(
    ("line", "slack", "teams"),
    [
        ("help", Help(), Help()),
        ("HELP me", Help(), Help()),
        ("", Buy(text=""), Help()),
        ("hi", Buy(text="hi"), Help()),
        ("list", ListMine(), ListMine()),
        ("  list  ", ListMine(), ListMine()),
        ("status PR-1042", Status(request_id=42), Status(request_id=42)),
        ("Status #1042", Status(request_id=42), Status(request_id=42)),
        ("cancel 1042", ConfirmCancel(request_id=42), ConfirmCancel(request_id=42)),
        ("buy 3 Figma seats", Buy(text="buy 3 Figma seats"), Buy(text="3 Figma seats")),
        ("3 Figma seats", Buy(text="3 Figma seats"), None),
        ("list everything", Buy(text="list everything"), None),
    ],
)
def test_typed_lines_parse_in_both_dialects(
    line: str, slack: TextCommand, teams: TextCommand | None
) -> None:
    assert parse_text(line, dialect=SLACK) == slack
    parsed = parse_text(line, dialect=TEAMS)
    if teams is None:
        assert isinstance(parsed, Usage)
        assert parsed.message.startswith(f"I don't know “{' '.join(line.split())}”")
    else:
        assert parsed == teams


@pytest.mark.parametrize("line", ["status", "status PR-x", "cancel soon", "status 0"])
def test_a_command_without_a_request_number_says_how_to_type_it(line: str) -> None:
    word = line.split()[0]
    assert parse_text(line, dialect=SLACK) == Usage(
        message=f"Which request? Type `/buy {word} PR-1042`."
    )
    assert parse_text(line, dialect=TEAMS) == Usage(
        message=f"Which request? Type `{word} PR-1042`."
    )


def test_a_mistyped_subcommand_is_not_taken_for_a_request() -> None:
    assert parse_text("stats PR-1042", dialect=SLACK) == Usage(
        message="I don't know `/buy stats`. Try `/buy status PR-1042`, "
        "`/buy cancel PR-1042` or `/buy help`."
    )
    assert parse_text("stats PR-1042", dialect=TEAMS) == Usage(
        message="I don't know “stats PR-1042”. Type `buy` to ask for something, or "
        "`help` for what I understand."
    )
    assert parse_text("laptops 2", dialect=SLACK) == Buy(text="laptops 2")  # too short a number


@pytest.mark.parametrize("adapter", ["slack", "teams"])
def test_the_chat_adapters_reach_the_use_cases_only_through_the_table(adapter: str) -> None:
    files = sorted((ADAPTERS / adapter).rglob("*.py"))
    assert files, f"adapters/{adapter} is missing"
    direct = [
        f"{path.relative_to(ADAPTERS)}:{node.lineno} {node.attr}"
        for path in files
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Attribute)
        and node.attr in USE_CASES
        and isinstance(node.value, ast.Attribute)
        and node.value.attr in ("service", "_service")
    ]
    assert not direct
    users = [p for p in files if "bot.app.commands" in p.read_text(encoding="utf-8")]
    assert users, f"adapters/{adapter} does not use the command table"
