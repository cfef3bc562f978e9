"""GET /metrics in Prometheus' text format: request and ack latency, deliveries, scheduler
runs (counted in this process), and the outbox and decisions (read from the database at
scrape time, so that every replica reports the same figures).

Each app has its own CollectorRegistry: several apps in one process (tests) never collide.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import time
from collections.abc import Awaitable, Callable, Iterator

from aiohttp import web
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    ProcessCollector,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from bot.app.observe import DEFERRED, DELIVERED
from bot.app.ports import Clock
from bot.domain.errors import StorageUnavailable
from storage.stats import Stats

log = logging.getLogger(__name__)

PATH = "/metrics"
# Set by a handler on a request whose answer is a chat platform's ack (a Teams invoke);
# every request to /slack/events is one.
ACK: web.RequestKey[str] = web.RequestKey("ack", str)
SLACK_EVENTS = "/slack/events"
# Slack gives up after 3 s: the buckets are fine below that.
ACK_BUCKETS = (0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 5.0, 10.0)
# A decision is an approver's (or the policy's) answer on a request; the audit log's actions.
DECISIONS = {"rejected": "Rejected", "asked": "QuestionAsked", "auto_approved": "AutoApproved"}

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class Metrics:
    """The metrics of one app; also the outbox's and the scheduler's observer."""

    def __init__(self, *, read: Callable[[], Stats], clock: Clock, token: str = "") -> None:
        self.registry = CollectorRegistry()
        self._token = token
        self.requests = Histogram(
            "procurebot_http_request_duration_seconds",
            "Time to answer an HTTP request, by route pattern, method and status class.",
            ["route", "method", "status"],
            registry=self.registry,
        )
        self.ack = Histogram(
            "procurebot_ack_duration_seconds",
            "Time from a chat platform's request in to our answer (Slack's 3 s ack).",
            ["platform"],
            buckets=ACK_BUCKETS,
            registry=self.registry,
        )
        self.deliveries = _per_platform(
            "procurebot_deliveries", "Cards and notes sent or updated.", self.registry
        )
        self.retries = _per_platform(
            "procurebot_delivery_retries",
            "Platform calls that failed for a passing reason; the outbox tries again.",
            self.registry,
        )
        self.rate_limited = _per_platform(
            "procurebot_rate_limited", "429 answers (part of the retries).", self.registry
        )
        self.refused = _per_platform(
            "procurebot_delivery_refusals",
            "Platform calls refused for good (unknown person, card refused).",
            self.registry,
        )
        self.jobs = Counter(
            "procurebot_scheduler_runs",
            "Scheduled job runs in this process, by job and outcome (ran, skipped, failed).",
            ["job", "outcome"],
            registry=self.registry,
        )
        ProcessCollector(registry=self.registry)
        self.registry.register(DatabaseCollector(read=read, clock=clock))

    # -- observers (bot.app.observe) ----------------------------------------------------------

    def delivery(self, *, platform: str, outcome: str, rate_limited: bool = False) -> None:
        """Count one platform call of the outbox."""
        if outcome == DELIVERED:
            self.deliveries.labels(platform).inc()
        elif outcome == DEFERRED:
            self.retries.labels(platform).inc()
            if rate_limited:
                self.rate_limited.labels(platform).inc()
        else:
            self.refused.labels(platform).inc()

    def job_run(self, *, job: str, outcome: str) -> None:
        """Count one scheduled job run."""
        self.jobs.labels(job, outcome).inc()

    # -- HTTP ------------------------------------------------------------------------------

    def install(self, app: web.Application) -> None:
        """Time every request of `app` and serve GET /metrics on it."""
        app.middlewares.append(self.middleware)
        app.router.add_get(PATH, self.serve)

    @web.middleware
    async def middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """Observe the request's latency under its route pattern (not its path: bounded
        labels), and Slack's and Teams' acks on their own."""
        started = time.perf_counter()
        status = 500
        try:
            response = await handler(request)
            status = response.status
            return response
        except web.HTTPException as error:
            status = error.status
            raise
        finally:
            elapsed = time.perf_counter() - started
            route = _route(request)
            self.requests.labels(route, request.method, f"{status // 100}xx").observe(elapsed)
            platform = "slack" if route == SLACK_EVENTS else request.get(ACK)
            if platform:
                self.ack.labels(platform).observe(elapsed)

    async def serve(self, request: web.Request) -> web.Response:
        """The registry in Prometheus' text format; a bearer token first when one is set."""
        if self._token and not _bearer_matches(request, self._token):
            return web.json_response(
                {"error": "metrics need Authorization: Bearer <PROCUREBOT_METRICS_TOKEN>"},
                status=401,
                headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
            )
        # The database collector queries: off the event loop.
        body = await asyncio.to_thread(generate_latest, self.registry)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})


class DatabaseCollector(Collector):
    """The outbox and the audit log, read at each scrape."""

    def __init__(self, *, read: Callable[[], Stats], clock: Clock) -> None:
        self._read = read
        self._clock = clock

    def collect(self) -> Iterator[Metric]:
        """The database's figures, or procurebot_database_up 0 when it does not answer."""
        up = GaugeMetricFamily(
            "procurebot_database_up", "1 when the database answered this scrape, else 0."
        )
        try:
            stats = self._read()
        except (StorageUnavailable, TimeoutError) as error:
            # The scrape still answers (latency, deliveries); the gauge says what is missing.
            log.warning("metrics: database unavailable: %s", error)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield from outbox_metrics(stats, now=self._clock.now().timestamp())
        yield from audit_metrics(stats)


def outbox_metrics(stats: Stats, *, now: float) -> Iterator[Metric]:
    """Messages waiting and given up on, and how long the oldest has waited."""
    depth = GaugeMetricFamily(
        "procurebot_outbox_messages", "Outbox messages by status.", labels=["status"]
    )
    depth.add_metric(["pending"], stats.outbox_pending)
    depth.add_metric(["failed"], stats.outbox_failed)
    yield depth
    oldest = stats.oldest_pending_at
    age = max(0.0, now - oldest.timestamp()) if oldest is not None else 0.0
    yield GaugeMetricFamily(
        "procurebot_outbox_oldest_pending_age_seconds",
        "Seconds since the oldest pending message was queued (0 when none waits).",
        value=age,
    )


def audit_metrics(stats: Stats) -> Iterator[Metric]:
    """Decisions by outcome, and every audit event by action."""
    decisions = CounterMetricFamily(
        "procurebot_decisions",
        "Decisions on requests by outcome, from the audit log (all replicas, since the start).",
        labels=["outcome"],
    )
    # An approver's approval is a step event: "StepApproved" when it completes the step,
    # "Approved" with a step when others must still approve. "Approved" without a step is
    # the request as a whole, after the last one: not a decision of its own.
    approved = stats.events.get("StepApproved", 0) + stats.step_events.get("Approved", 0)
    decisions.add_metric(["approved"], approved)
    for outcome, action in DECISIONS.items():
        decisions.add_metric([outcome], stats.events.get(action, 0))
    yield decisions
    events = CounterMetricFamily(
        "procurebot_audit_events", "Audit log events by action.", labels=["action"]
    )
    for action, count in sorted(stats.events.items()):
        events.add_metric([action], count)
    yield events


def _per_platform(name: str, documentation: str, registry: CollectorRegistry) -> Counter:
    return Counter(name, documentation, ["platform"], registry=registry)


def _route(request: web.Request) -> str:
    resource = request.match_info.route.resource
    # An unknown path is one label, whatever was asked: scanners must not grow the series.
    return resource.canonical if resource is not None else "unmatched"


def _bearer_matches(request: web.Request, token: str) -> bool:
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    given_bytes, token_bytes = given.strip().encode(), token.encode()
    return scheme.lower() == "bearer" and hmac.compare_digest(given_bytes, token_bytes)
