"""Positive controls for the security checks: a refusal must come from the check, not from a
bot that refuses everything.

Each body is first sent as an attacker would (unsigned, mis-signed, stale; a token that is
missing, expired, for someone else or signed by another key): 401, and nothing changes. The
very same body is then sent as Slack or the Bot Framework would send it, and must be accepted
exactly when it should: a well-formed body gets a 2xx, a malformed one a 400. A bot that
answered 401 (or 400) to everything fails here; the payload tests alone would let it pass.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from cryptography.hazmat.primitives.asymmetric import rsa
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from adapters.slack import ids
from adapters.teams import ids as teams_ids
from tests.fakes import IT, REQUESTER
from tests.fakes_teams import BOT_ID
from tests.hardening.conftest import RESPONSE_URL, LiveBot, LiveTeams, signed_headers
from tests.hardening.test_teams_payloads import nested

CHECKED = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
FORM = "application/x-www-form-urlencoded"
JSON = "application/json"

# ------------------------------------------------------------------------------------ Slack

Mutation = Callable[[dict[str, Any]], None]


def _set(path: str, value: Any) -> Mutation:
    def mutate(body: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        for key in parents:
            body = body[key]
        body[last] = value

    return mutate


def _drop(key: str) -> Mutation:
    return lambda body: body.pop(key)


# What makes each kind of body malformed (inbound.py refuses it with a 400).
COMMAND_FAULTS: list[Mutation] = [
    _set("user_id", "not-a-user"),
    _set("user_id", ""),
    _drop("trigger_id"),
    _drop("response_url"),
]
HOME_FAULTS: list[Mutation] = [
    _set("event", None),
    _set("event.type", 5),
    _set("type", ["event_callback"]),
    _set("event.user", {"id": "U0001"}),
]
CLICK_FAULTS: list[Mutation] = [
    _set("actions", []),
    _set("user.id", "robert'); DROP TABLE"),
    _set("view", None),
    _set("type", {"block_actions": True}),
]


@st.composite
def slack_body(draw: st.DrawFn, bot: LiveBot) -> tuple[str, str, bool]:
    """(body, content type, well formed): a slash command, App Home opened or a click."""
    user = bot.user(draw(st.sampled_from([REQUESTER, *IT])))
    kind = draw(st.sampled_from(["command", "home", "click"]))
    if kind == "command":
        body: dict[str, Any] = {
            "command": ids.COMMAND,
            "text": draw(st.sampled_from(["help", "list", "status PR-1001", "cancel PR-1001"])),
            "user_id": user,
            "user_name": "someone",
            "channel_id": "D0001",
            "team_id": "T0001",
            "trigger_id": "1.2.3",
            "response_url": RESPONSE_URL,
        }
        faults = COMMAND_FAULTS
    elif kind == "home":
        body = {
            "type": "event_callback",
            "team_id": "T0001",
            "event_id": f"Ev{uuid.uuid4().hex[:10]}",
            "event": {"type": "app_home_opened", "user": user, "tab": "home", "channel": "D0001"},
        }
        faults = HOME_FAULTS
    else:
        body = {
            "type": "block_actions",
            "user": {"id": user, "username": "someone", "team_id": "T0001"},
            "team": {"id": "T0001", "domain": "acme"},
            "trigger_id": "1.2.3",
            "container": {"type": "message", "channel_id": "D0001", "message_ts": "1.1"},
            "channel": {"id": "D0001"},
            "actions": [{"type": "button", "action_id": ids.KEEP, "action_ts": "1.2"}],
            "response_url": RESPONSE_URL,
        }
        faults = CLICK_FAULTS
    fault = draw(st.one_of(st.none(), st.sampled_from(faults)))
    if fault is not None:
        fault(body)
    event(f"{kind}, {'well formed' if fault is None else 'malformed'}")
    if kind == "command":
        return bot.command_body({k: str(v) for k, v in body.items()}), FORM, fault is None
    if kind == "click":
        return bot.interaction_body(body), FORM, fault is None
    return json.dumps(body), JSON, fault is None


def slack_forgery(mode: str, body: str) -> dict[str, str]:
    """Headers that Slack did not make for this body."""
    now = time.time()
    return {
        "unsigned": {},
        "wrong secret": signed_headers(body, secret="not-the-signing-secret"),
        "replayed after five minutes": signed_headers(body, at=now - 600),
        "from the future": signed_headers(body, at=now + 600),
        "signature of another body": signed_headers(body + "&x=1"),
        "no timestamp": {k: v for k, v in signed_headers(body).items() if "Signature" in k},
    }[mode]


SLACK_FORGERIES = [
    "unsigned",
    "wrong secret",
    "replayed after five minutes",
    "from the future",
    "signature of another body",
    "no timestamp",
]


@CHECKED
@given(data=st.data(), mode=st.sampled_from(SLACK_FORGERIES))
def test_slack_refuses_a_forgery_and_takes_the_same_body_signed(
    live_bot: LiveBot, data: st.DataObject, mode: str
) -> None:
    bot = live_bot
    body, content_type, well_formed = data.draw(slack_body(bot))
    before = bot.counts()
    forged = bot.post_raw(body, content_type, slack_forgery(mode, body))
    assert forged.status == 401, (mode, forged.text)
    assert bot.counts() == before
    signed = bot.post(body, content_type)
    if well_formed:
        assert 200 <= signed.status < 300, signed.text
    else:
        assert signed.status == 400 and signed.json["error"].startswith("malformed body")
    assert not [r for r in bot.crashes.take() if "SlackApiError" not in str(r.exc_info)]


# ------------------------------------------------------------------------------------ Teams

OTHER_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
TEAMS_FORGERIES: dict[str, dict[str, Any] | str | None] = {
    "no token": None,
    "not a token": "Bearer garbage",
    "basic auth": "Basic cm9vdDpyb290",
    "expired": {"lifetime": timedelta(minutes=-10)},
    "for another bot": {"audience": "11111111-2222-3333-4444-555555555555"},
    "another issuer": {"issuer": "https://attacker.example"},
    "signed by an unknown key": {"key": OTHER_KEY, "kid": "attackers-key"},
    "signed by another key under the known key id": {"key": OTHER_KEY},
    "unsigned": {"algorithm": "none"},
}
ACTIVITY_FAULTS: list[Mutation] = [
    _drop("serviceUrl"),
    _drop("from"),
    _drop("id"),
    _set("serviceUrl", "ftp://attacker.example/"),
    _set("conversation", "a:1"),
    _set("channelData", {"tenant": {"id": "tenant-acme"}, "team": 5}),
    _set("timestamp", "yesterday"),
]
RAW_FAULTS: list[Callable[[bytes], bytes]] = [
    lambda raw: b"\xff" + raw,
    lambda raw: raw[: len(raw) // 2],
    lambda raw: b"[" + raw + b"]",
    lambda raw: raw.replace(b'"channelData": {', f'"channelData": {{"n": {nested(80)}, '.encode()),
]


@st.composite
def teams_body(draw: st.DrawFn, bot: LiveTeams) -> tuple[bytes, bool]:
    """(body, well formed): a message, a card click (Action.Execute) or the bot joining."""
    user = bot.teams.user(draw(st.sampled_from([REQUESTER, *IT])))
    kind = draw(st.sampled_from(["message", "click", "joined"]))
    if kind == "message":
        text = draw(st.sampled_from(["help", "list", "hi"]))
        activity = bot.teams.activity(user, "message", text=text)
    elif kind == "click":
        action = {"type": "Action.Execute", "verb": teams_ids.KEEP, "data": {}}
        activity = bot.teams.activity(
            user, "invoke", name=teams_ids.ADAPTIVE_CARD_ACTION, value={"action": action}
        )
    else:
        members = [{"id": BOT_ID}, {"id": user.id, "aadObjectId": user.aad_object_id}]
        activity = bot.teams.activity(user, "conversationUpdate", membersAdded=members)
    fault = draw(st.one_of(st.none(), st.sampled_from(ACTIVITY_FAULTS)))
    if fault is not None:
        fault(activity)
    raw = json.dumps(activity).encode()
    raw_fault = draw(st.one_of(st.none(), st.sampled_from(RAW_FAULTS))) if fault is None else None
    if raw_fault is not None:
        raw = raw_fault(raw)
    well_formed = fault is None and raw_fault is None
    event(f"{kind}, {'well formed' if well_formed else 'malformed'}")
    return raw, well_formed


@CHECKED
@given(data=st.data(), mode=st.sampled_from(list(TEAMS_FORGERIES)))
def test_teams_refuses_a_forged_token_and_takes_the_same_body_signed(
    live_teams: LiveTeams, data: st.DataObject, mode: str
) -> None:
    bot = live_teams
    body, well_formed = data.draw(teams_body(bot))
    forgery = TEAMS_FORGERIES[mode]
    authorization = bot.token(**forgery) if isinstance(forgery, dict) else forgery
    before, calls = bot.counts(), len(bot.teams.calls)
    forged = bot.post(body, authorization=authorization)
    assert forged.status == 401, (mode, forged.text)  # the token first, whatever the body
    assert bot.counts() == before and len(bot.teams.calls) == calls
    signed = bot.post(body, authorization=bot.token())
    if well_formed:
        assert signed.status in (200, 201), signed.text
    else:
        assert signed.status == 400, signed.text
    assert not bot.crashes.take()
