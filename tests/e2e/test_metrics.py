"""GET /metrics over HTTP after real Slack and Teams flows, parsed as Prometheus would."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from prometheus_client.parser import text_string_to_metric_families

from adapters.http import METRICS
from adapters.metrics import Metrics
from adapters.slack import ids
from bot.app.clock import SystemClock
from bot.app.observe import FAILED, observe_job
from bot.app.scheduler import DIGEST_JOB, HOUSEKEEPING_JOB, Scheduler
from bot.domain.model import Channel
from bot.domain.workflow import Action
from storage.engine import make_engine
from storage.stats import read_stats
from storage.uow import SqlUnitOfWorkFactory
from tests.e2e.conftest import FORM, Harness, TeamsHarness, running_harness, serve
from tests.e2e.test_teams_flows import EVERYONE, meet
from tests.fakes import IT, REQUESTER, draft

APPROVE = ids.action_id(Action.APPROVE)
REJECT = ids.action_id(Action.REJECT)


@dataclass
class Scrape:
    """One scrape: every sample by name and labels."""

    samples: dict[tuple[str, frozenset[tuple[str, str]]], float]

    def get(self, name: str, **labels: str) -> float:
        """The sample's value; 0 when the series does not exist (a counter never touched)."""
        return self.samples.get((name, frozenset(labels.items())), 0.0)

    def has(self, name: str, **labels: str) -> bool:
        """Whether the series exists."""
        return (name, frozenset(labels.items())) in self.samples


async def scrape(base: str, *, token: str | None = None) -> Scrape:
    """GET /metrics and parse it with prometheus_client's own parser."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"{base}/metrics", headers=headers) as response,
    ):
        assert response.status == 200, await response.text()
        assert response.headers["Content-Type"].startswith("text/plain; version=")
        text = await response.text()
    samples = {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }
    return Scrape(samples)


def base_of(h: Harness) -> str:
    return h.sender.transport.bot_url.removesuffix("/slack/events")


async def test_an_approval_and_its_deliveries_move_the_figures(harness: Harness) -> None:
    h = harness
    before = await scrape(base_of(h))
    assert before.get("procurebot_database_up") == 1
    assert before.has("procurebot_decisions_total", outcome="approved")
    assert before.get("procurebot_decisions_total", outcome="approved") == 0
    assert before.get("procurebot_outbox_messages", status="pending") == 0
    await h.buy(REQUESTER, FORM)
    await h.click(IT[0], h.last_card(IT[0], "PR-1001"), APPROVE)
    after = await scrape(base_of(h))
    assert after.get("procurebot_decisions_total", outcome="approved") == 1
    assert after.get("procurebot_decisions_total", outcome="rejected") == 0
    assert after.get("procurebot_audit_events_total", action="Submitted") == 1
    assert after.get("procurebot_audit_events_total", action="StepApproved") == 1
    assert after.get("procurebot_outbox_messages", status="pending") == 0
    assert after.get("procurebot_outbox_oldest_pending_age_seconds") == 0
    # Cards to the requester and both IT approvers, then their updates: all went out.
    assert after.get("procurebot_deliveries_total", platform="slack") >= 5
    assert after.get("procurebot_delivery_retries_total", platform="slack") == 0
    # /buy, the modal's submission, the click (and what the workspace sends besides): each
    # request into /slack/events is one ack, timed in both histograms.
    posts = after.get(
        "procurebot_http_request_duration_seconds_count",
        route="/slack/events",
        method="POST",
        status="2xx",
    )
    assert posts >= 3
    assert after.get("procurebot_ack_duration_seconds_count", platform="slack") == posts
    assert after.get("procurebot_ack_duration_seconds_bucket", platform="slack", le="3.0") == posts
    # The first scrape itself was timed (the second is still running when it is read).
    assert (
        after.get(
            "procurebot_http_request_duration_seconds_count",
            route="/metrics",
            method="GET",
            status="2xx",
        )
        == 1
    )


async def test_a_429_from_slack_is_counted_and_retried(harness: Harness) -> None:
    h = harness
    h.ws.fail(method="chat.postMessage", status=429, retry_after=0, times=1)
    await h.buy(REQUESTER, FORM)
    figures = await scrape(base_of(h))
    assert figures.get("procurebot_rate_limited_total", platform="slack") == 1
    assert figures.get("procurebot_delivery_retries_total", platform="slack") == 1
    assert figures.get("procurebot_outbox_messages", status="pending") == 0
    assert not h.ws.faults.pending  # the 429 was really answered


async def test_a_rejection_and_the_waiting_outbox(harness: Harness) -> None:
    h = harness
    await h.buy(REQUESTER, FORM)
    await h.click(IT[0], h.last_card(IT[0], "PR-1001"), REJECT)
    await h.submit(IT[0], {"Why reject PR-1001?": "We already have a design tool."})
    # Queued but not delivered yet (nobody runs the dispatcher): depth and age show it.
    for n in range(3):
        h.core.service.submit(
            requester=REQUESTER, draft=draft(title=f"Seats {n}"), channel=Channel.SLACK
        )
    figures = await scrape(base_of(h))
    assert figures.get("procurebot_decisions_total", outcome="rejected") == 1
    assert figures.get("procurebot_decisions_total", outcome="approved") == 0
    assert figures.get("procurebot_outbox_messages", status="pending") >= 3
    assert 0 <= figures.get("procurebot_outbox_oldest_pending_age_seconds") < 60


async def test_unknown_paths_share_one_label(harness: Harness) -> None:
    base = base_of(harness)
    async with aiohttp.ClientSession() as session:
        for path in ("/wp-admin", "/.env", "/x/y/z"):
            async with session.get(f"{base}{path}") as response:
                assert response.status == 404
    figures = await scrape(base)
    assert (
        figures.get(
            "procurebot_http_request_duration_seconds_count",
            route="unmatched",
            method="GET",
            status="4xx",
        )
        == 3
    )
    assert not any("wp-admin" in str(labels) for _, labels in figures.samples)


async def test_the_token_guards_metrics_when_set(tmp_path: Path) -> None:
    async with running_harness("sqlite", tmp_path, PROCUREBOT_METRICS_TOKEN="s3cret-scrape") as h:
        base = base_of(h)
        async with aiohttp.ClientSession() as session:
            for headers in (
                {},
                {"Authorization": "Bearer wrong"},
                {"Authorization": "s3cret-scrape"},
            ):
                async with session.get(f"{base}/metrics", headers=headers) as response:
                    assert response.status == 401
                    assert response.headers["WWW-Authenticate"].startswith("Bearer")
                    assert "procurebot_" not in await response.text()
        figures = await scrape(base, token="s3cret-scrape")
        assert figures.get("procurebot_database_up") == 1


async def test_scheduler_runs_by_job_and_outcome(harness: Harness) -> None:
    h = harness
    metrics = h.app[METRICS]
    scheduler = Scheduler(
        service=h.core.service, uow=h.core.uow, publishers=[], clock=h.core.clock, observer=metrics
    )
    await scheduler.tick()
    await scheduler.tick()  # the same five minutes: the slot is taken

    async def broken() -> bool:
        raise RuntimeError("the job broke")

    with pytest.raises(RuntimeError):
        await observe_job(metrics, HOUSEKEEPING_JOB, broken)
    figures = await scrape(base_of(h))
    runs = "procurebot_scheduler_runs_total"
    assert figures.get(runs, job=HOUSEKEEPING_JOB, outcome="ran") == 1
    assert figures.get(runs, job=HOUSEKEEPING_JOB, outcome="skipped") == 1
    assert figures.get(runs, job=HOUSEKEEPING_JOB, outcome=FAILED) == 1
    assert figures.get(runs, job=DIGEST_JOB, outcome="skipped") == 2  # nowhere to post it


async def test_teams_invokes_are_acks_and_its_deliveries_counted(
    teams_harness: TeamsHarness,
) -> None:
    h = teams_harness
    await meet(h, *EVERYONE)
    await h.buy(REQUESTER, FORM)  # "buy" is a message; the form's Submit an invoke
    await h.click(IT[0], h.teams.last_card(IT[0], "PR-1001"), "Approve")
    base = h.teams.bot_url.removesuffix("/api/messages")
    figures = await scrape(base)
    assert figures.get("procurebot_ack_duration_seconds_count", platform="teams") == 2
    assert figures.get("procurebot_ack_duration_seconds_count", platform="slack") == 0
    assert figures.get("procurebot_decisions_total", outcome="approved") == 1
    assert figures.get("procurebot_deliveries_total", platform="teams") >= 3


async def test_a_database_that_does_not_answer_is_reported_not_fatal() -> None:
    # Nothing listens on port 1: every query fails as a stopped server's would.
    engine = make_engine("postgresql+psycopg://postgres@127.0.0.1:1/none?connect_timeout=2")
    metrics = Metrics(read=lambda: read_stats(SqlUnitOfWorkFactory(engine)), clock=SystemClock())
    app = web.Application()
    metrics.install(app)
    runner, base = await serve(app)
    try:
        figures = await scrape(base)
    finally:
        await runner.cleanup()
        engine.dispose()
    assert figures.get("procurebot_database_up") == 0
    assert not figures.has("procurebot_outbox_messages", status="pending")
