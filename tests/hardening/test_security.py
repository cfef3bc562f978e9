"""Requests Slack did not sign are refused before anything reads them; secrets never logged.

tests/e2e covers a wrong signing secret and a timestamp ten minutes old; these add the rest.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlencode

import aiohttp
import pytest
from sqlalchemy.engine import make_url

from adapters.slack import ids
from bot.domain.workflow import Action
from tests.dbs import postgres_database
from tests.e2e.conftest import FORM
from tests.fakes import EXAMPLE_POLICY, IT, REQUESTER
from tests.hardening import processes
from tests.hardening.conftest import SIGNING_SECRET, LiveBot
from workspace import SlackSender, Workspace, sign, start_workspace

BODY = urlencode({"command": "/buy", "text": "list", "user_id": "U0001", "trigger_id": "1.2.3"})
FORM_TYPE = "application/x-www-form-urlencoded"


async def _post(bot: LiveBot, body: str, headers: dict[str, str]) -> int:
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            bot.url, data=body.encode(), headers={"Content-Type": FORM_TYPE, **headers}
        ) as response,
    ):
        return response.status


def _signed(body: str, *, at: float, secret: str = SIGNING_SECRET) -> dict[str, str]:
    timestamp = int(at)
    return {
        "X-Slack-Request-Timestamp": str(timestamp),
        "X-Slack-Signature": sign(secret, timestamp, body),
    }


# Headers are made when the test runs, not when it is collected: a timestamp taken at
# collection drifts into Slack's five-minute window on a long run.
@pytest.mark.parametrize(
    "headers",
    [
        pytest.param(lambda: {}, id="unsigned"),
        pytest.param(
            lambda: {"X-Slack-Request-Timestamp": str(int(time.time()))}, id="no-signature"
        ),
        pytest.param(lambda: {"X-Slack-Signature": "v0=" + "0" * 64}, id="no-timestamp"),
        pytest.param(
            lambda: {"X-Slack-Request-Timestamp": "soon", "X-Slack-Signature": "v0=00"},
            id="junk-timestamp",
        ),
        pytest.param(lambda: _signed(BODY, at=time.time() + 3600), id="from-the-future"),
        pytest.param(lambda: _signed(BODY, at=time.time() - 301), id="replayed-after-five-minutes"),
        pytest.param(lambda: _signed("text=other", at=time.time()), id="signature-of-another-body"),
        pytest.param(lambda: _signed(BODY, at=time.time(), secret=""), id="empty-secret"),
    ],
)
def test_requests_slack_did_not_sign_are_refused(
    live_bot: LiveBot, headers: Callable[[], dict[str, str]]
) -> None:
    before = live_bot.counts()
    assert live_bot.run(_post(live_bot, BODY, headers())) == 401
    assert live_bot.counts() == before
    assert not live_bot.crashes.take()


def test_unsigned_garbage_is_refused_before_it_is_parsed(live_bot: LiveBot) -> None:
    # A malformed body that is signed gets a 400; unsigned, the same body must get a 401, so
    # that nobody learns anything about the parser without the signing secret.
    garbage = "payload=" + json.dumps({"type": "block_actions", "user": 5})
    assert live_bot.post(garbage, FORM_TYPE).status == 400
    assert live_bot.run(_post(live_bot, garbage, {})) == 401


@pytest.mark.postgres
async def test_secrets_never_reach_the_log(tmp_path: Path) -> None:
    signing, token, password = "sEcReT-signing-4242", "xoxb-sEcReT-token-4242", "sEcReT-pw-4242"
    ws = Workspace.seed(users=[{"name": e.split("@")[0], "email": e} for e in (REQUESTER, *IT)])
    runner, api_url = await start_workspace(ws, token=token)
    with postgres_database() as url:
        # The test server trusts local connections, so any password gets in; it must not show.
        with_password = make_url(url).set(password=password).render_as_string(hide_password=False)
        env = {
            "DATABASE_URL": with_password,
            "PROCUREBOT_POLICY": str(EXAMPLE_POLICY),
            "SLACK_BOT_TOKEN": token,
            "SLACK_SIGNING_SECRET": signing,
            "SLACK_API_URL": api_url,
        }
        server = await processes.serve(env=env, log_path=tmp_path / "serve.log")
        sender = SlackSender(f"{server.url}/slack/events", signing, ws)
        try:
            requester, approver = ws.get_user(REQUESTER).id, ws.get_user(IT[0]).id
            await sender.command(requester, "")
            modal = await ws.wait_for(lambda: ws.current_modal(requester), timeout=10)
            await sender.fill_and_submit(requester, modal.id, FORM)
            card = await ws.wait_for(lambda: ws.messages_in(ws.open_im(approver).id), timeout=20)
            ws.fail(method="chat.update", times=2, status=500)  # errors get logged too
            await sender.click(approver, card[-1], ids.action_id(Action.APPROVE))
            await sender.tampered(bad_signature=True).command(requester, "list")
            await sender.command(requester, "status PR-1001")
            await asyncio.sleep(3)  # the retries of the failed updates
        finally:
            await sender.close()
            server.stop()
            await runner.cleanup()
    log = server.log()
    assert "approved" in log.lower() or "outbox" in log  # the log did record the flow
    for secret in (signing, token, password):
        assert secret not in log
