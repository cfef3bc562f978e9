"""The one aiohttp server: Slack at /slack/events, Teams at /api/messages, the REST API at
/api/v1, /healthz and /metrics."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from functools import partial
from types import SimpleNamespace

from aiohttp import web
from botbuilder.core import serializer_helper
from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient

from adapters.api import mount_api
from adapters.http_limits import Limits, default_max_connections, run_bounded
from adapters.metrics import ACK, Metrics
from adapters.slack import inbound
from adapters.slack.app import SlackBot
from adapters.slack.digest import SlackChannelPublisher
from adapters.slack.notifier import SlackNotifier
from adapters.teams import inbound as inbound_teams
from adapters.teams.app import TeamsBot
from adapters.teams.digest import TeamsChannelPublisher
from adapters.teams.notifier import TeamsNotifier
from adapters.webhook_poster import AiohttpPoster
from bot.app.outbox import Dispatcher, outbox_counts
from bot.app.ports import ChannelPublisher, Notifier
from bot.app.scheduler import Scheduler
from bot.app.webhooks import WebhookDelivery
from bot.bootstrap import Core, build_core
from bot.domain.errors import StorageUnavailable, UnsafeSettings
from bot.domain.model import Person
from bot.settings import Settings, secret, teams_problem
from storage.stats import read_stats

log = logging.getLogger(__name__)

CORE: web.AppKey[Core] = web.AppKey("core", Core)
DISPATCHER: web.AppKey[Dispatcher] = web.AppKey("dispatcher", Dispatcher)
SLACK: web.AppKey[SlackBot] = web.AppKey("slack", SlackBot)
TEAMS: web.AppKey[TeamsBot] = web.AppKey("teams", TeamsBot)
PUBLISHERS: web.AppKey[list[ChannelPublisher]] = web.AppKey("publishers", list)
METRICS: web.AppKey[Metrics] = web.AppKey("metrics", Metrics)


def slack_client(settings: Settings) -> AsyncWebClient:
    """The Web API client, pointed at SLACK_API_URL when set (tests, the local workspace)."""
    base_url = settings.slack_api_url or AsyncWebClient.BASE_URL
    return AsyncWebClient(token=secret(settings.slack_bot_token), timeout=10, base_url=base_url)


def teams_adapter(settings: Settings) -> CloudAdapter:
    """The Bot Framework adapter; with no MICROSOFT_APP_ID it authenticates nothing (Teams is
    then off, unless PROCUREBOT_TEAMS_DEV_INSECURE asks for it)."""
    configuration = SimpleNamespace(
        APP_ID=settings.microsoft_app_id,
        APP_PASSWORD=secret(settings.microsoft_app_password),
        APP_TYPE=settings.microsoft_app_type,
        APP_TENANTID=settings.microsoft_app_tenant_id,
    )
    return CloudAdapter(ConfigurationBotFrameworkAuthentication(configuration))


def digest_publishers(
    core: Core, *, client: AsyncWebClient | None, adapter: CloudAdapter
) -> list[ChannelPublisher]:
    """Where the digest goes: Slack when it is configured; Teams when the bot is registered
    (MICROSOFT_APP_ID) or the policy names a Teams channel."""
    settings = core.settings
    publishers: list[ChannelPublisher] = []
    if client is not None:
        publishers.append(SlackChannelPublisher(client=client))
    if settings.microsoft_app_id or core.policy.digest.teams_channel:
        publishers.append(
            TeamsChannelPublisher(
                adapter=adapter,
                app_id=settings.microsoft_app_id,
                service_url=settings.teams_service_url,
                tenant_id=settings.microsoft_app_tenant_id,
            )
        )
        if core.policy.digest.teams_channel and not settings.microsoft_app_tenant_id:
            log.warning(
                "digest.teams_channel is set but MICROSOFT_APP_TENANT_ID is not: the digest "
                "cannot be posted in Teams until it is."
            )
    return publishers


def create_app(core: Core, *, background: bool = True) -> web.Application:
    """Build the web application for a wired core (the adapters come from its settings).

    background=False leaves the outbox to the caller (tests drive the dispatcher by hand).
    """
    settings = core.settings
    unsafe = teams_problem(settings)
    if unsafe:
        raise UnsafeSettings(unsafe)
    app = web.Application(client_max_size=1024 * 1024)
    app[CORE] = core
    metrics = Metrics(
        read=partial(read_stats, core.uow), clock=core.clock, token=secret(settings.metrics_token)
    )
    metrics.install(app)
    app[METRICS] = metrics
    client = slack_client(settings) if settings.slack_enabled else None
    notifiers: list[Notifier] = [SlackNotifier(client=client)] if client else []
    adapter = teams_adapter(settings)

    async def person(email: str) -> Person:
        return await asyncio.to_thread(core.service.person, email)

    notifiers.append(
        TeamsNotifier(adapter=adapter, app_id=settings.microsoft_app_id, person=person)
    )
    dispatcher = Dispatcher(
        uow=core.uow,
        service=core.service,
        notifiers=notifiers,
        clock=core.clock,
        max_attempts=settings.outbox_max_attempts,
        observer=metrics,
        webhooks=WebhookDelivery(
            webhooks=core.policy.webhooks, poster=AiohttpPoster(), clock=core.clock
        ),
    )
    app[DISPATCHER] = dispatcher
    mount_api(app, core, on_change=dispatcher.wake)

    if client is not None:
        signing_secret = secret(settings.slack_signing_secret)
        bot = SlackBot(
            service=core.service,
            client=client,
            signing_secret=signing_secret,
            on_change=dispatcher.wake,
        )
        app[SLACK] = bot
        if signing_secret:
            app.router.add_post("/slack/events", _slack_events(bot, signing_secret))
        else:
            # Socket Mode needs no signing secret, and without one nothing can tell a request
            # from Slack over HTTP from anyone else's: the route stays off.
            log.info("Slack over Socket Mode only: no SLACK_SIGNING_SECRET, /slack/events is off.")
    else:
        log.warning("Slack is off: set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET to enable it.")

    if settings.microsoft_app_id or settings.teams_dev_insecure:
        teams = TeamsBot(service=core.service, on_change=dispatcher.wake)
        adapter.on_turn_error = teams.on_error
        app[TEAMS] = teams
        app.router.add_post("/api/messages", _teams_messages(adapter, teams, settings))
    else:
        log.info("Teams is off: set MICROSOFT_APP_ID and MICROSOFT_APP_PASSWORD to enable it.")
    if settings.teams_dev_insecure:
        log.warning(
            "PROCUREBOT_TEAMS_DEV_INSECURE=1: Teams runs WITHOUT authentication. Anyone who "
            "can reach /api/messages can act as anyone and read every request. For local "
            "development only: never in production."
        )

    async def healthz(request: web.Request) -> web.Response:
        try:
            counts = await asyncio.to_thread(outbox_counts, core.uow)
        except StorageUnavailable as error:
            # The driver's words name the host, port and database: for the log, not for
            # whoever can reach /healthz.
            log.warning("healthz: database unavailable: %s", error.detail)
            return web.json_response({"ok": False, "database": "unavailable"}, status=503)
        # Failed messages need an operator, not a restart: the process stays healthy.
        return web.json_response({"ok": True, "outbox": counts})

    app.router.add_get("/healthz", healthz)
    publishers = digest_publishers(core, client=client, adapter=adapter)
    app[PUBLISHERS] = publishers
    if background:
        scheduler = Scheduler(
            service=core.service,
            uow=core.uow,
            publishers=publishers,
            clock=core.clock,
            on_change=dispatcher.wake,
            observer=metrics,
        )
        app.cleanup_ctx.append(_background(dispatcher, settings, scheduler))
    return app


def _slack_events(
    bot: SlackBot, signing_secret: str
) -> Callable[[web.Request], Awaitable[web.Response]]:
    """The /slack/events handler: Slack's signature first, then the body's shape, then Bolt."""
    verifier = SignatureVerifier(signing_secret)

    async def slack_events(request: web.Request) -> web.Response:
        raw = await request.read()
        # Signature first, so that nothing unsigned is even parsed.
        if not _signed_by_slack(verifier, raw, request):
            return web.json_response({"error": "invalid request"}, status=401)
        try:
            bolt_request = AsyncBoltRequest(
                body=raw.decode(), query=request.query_string, headers=dict(request.headers)
            )
        except (ValueError, TypeError, AttributeError, KeyError, IndexError) as error:
            # Bolt reads Slack's shapes while building the request; this body has others.
            return web.json_response({"error": f"malformed body: {error}"}, status=400)
        malformed = inbound.problem(bolt_request.body)
        if malformed:
            return web.json_response({"error": f"malformed body: {malformed}"}, status=400)
        return await to_aiohttp_response(await bot.app.async_dispatch(bolt_request))

    return slack_events


def _teams_messages(
    adapter: CloudAdapter, teams: TeamsBot, settings: Settings
) -> Callable[[web.Request], Awaitable[web.Response]]:
    """The /api/messages handler: the token, the body, the tenant, then the bot."""
    gate = inbound_teams.Gate(
        auth=adapter.bot_framework_authentication,
        secured=bool(settings.microsoft_app_id),
        tenant=settings.microsoft_app_tenant_id,
    )

    async def teams_messages(request: web.Request) -> web.Response:
        try:
            header = gate.header(request)
            await gate.check_token(header)  # before the body is even read
            activity = await inbound_teams.read_activity(request)
            gate.check_tenant(activity)
            authenticated = await gate.authenticate(header, activity)
            if activity.type == "invoke":
                request[ACK] = "teams"  # its answer is the ack the card waits for
        except inbound_teams.Refused as refused:
            return web.json_response({"error": refused.reason}, status=refused.status)
        invoke = await adapter.process_activity(authenticated, activity, teams.on_turn)
        if invoke is None:
            return web.Response(status=201)
        return web.json_response(data=serializer_helper(invoke.body), status=invoke.status)

    return teams_messages


def _signed_by_slack(verifier: SignatureVerifier, body: bytes, request: web.Request) -> bool:
    """Slack's v0 signature, within five minutes; a timestamp that is not a number is no
    signature (slack_sdk's verifier would raise ValueError on it, a 500)."""
    if not request.headers.get("X-Slack-Request-Timestamp", "").isdigit():
        return False
    return verifier.is_valid_request(body, request.headers)


def _background(
    dispatcher: Dispatcher, settings: Settings, scheduler: Scheduler
) -> Callable[[web.Application], AsyncIterator[None]]:
    async def context(app: web.Application) -> AsyncIterator[None]:
        stop = asyncio.Event()
        task = asyncio.create_task(dispatcher.run(stop), name="outbox-dispatcher")
        scheduler.start()
        socket_handler = None
        if settings.slack_app_token is not None and SLACK in app:
            from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler

            socket_handler = AsyncSocketModeHandler(
                app[SLACK].app, secret(settings.slack_app_token)
            )
            await socket_handler.connect_async()
            log.info("Slack Socket Mode connected.")
        yield
        scheduler.shutdown()
        stop.set()
        if socket_handler is not None:
            await socket_handler.close_async()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(task, timeout=5)

    return context


def run_server(*, settings: Settings, host: str, port: int) -> None:
    """Build everything from the settings and serve until interrupted."""
    core = build_core(settings)
    app = create_app(core)
    # What start-up built (modules, the policy, the wired app) lives as long as the
    # process: out of the collector's sight, full collections under load stay short.
    gc.collect()
    gc.freeze()
    limits = Limits(max_connections=settings.max_connections or default_max_connections())
    log.info(
        "procurebot listening on http://%s:%s (policy %s; at most %s connections, each "
        "request whole within %.0f s)",
        host,
        port,
        settings.policy_path,
        limits.max_connections,
        limits.receive_timeout,
    )
    run_bounded(app, host=host, port=port, limits=limits)
