"""The baseline: a bare Bolt AsyncApp making the same Slack calls as procurebot, no database.

/buy acks and opens a modal (views.open); a view submission acks and posts a message
(chat.postMessage); an approve click acks and updates the card (chat.update). Served by the
same aiohttp adapter as procurebot, so the two differ only in what procurebot does besides.

    SLACK_API_URL=… SLACK_BOT_TOKEN=… SLACK_SIGNING_SECRET=… \
        python -m benchmarks.bare_bolt --port N
"""

from __future__ import annotations

import argparse
import os
from typing import Any

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.render import intake_modal

# The same form procurebot opens, built once: the fake Web API checks every block it gets, so
# a smaller modal would make the bare app look faster for a reason that is not procurebot's.
MODAL = intake_modal(values={}, currencies=["USD", "EUR", "GBP"])


def build_app() -> AsyncApp:
    """The bare app, configured from the same environment variables as procurebot."""
    client = AsyncWebClient(
        token=os.environ["SLACK_BOT_TOKEN"],
        base_url=os.environ.get("SLACK_API_URL") or AsyncWebClient.BASE_URL,
        timeout=10,
    )
    app = AsyncApp(
        client=client,
        signing_secret=os.environ["SLACK_SIGNING_SECRET"],
        process_before_response=False,
    )

    @app.command("/buy")
    async def buy(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        await client.views_open(trigger_id=body["trigger_id"], view=MODAL)

    @app.view("pb_intake")
    async def submitted(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        await client.chat_postMessage(channel=body["user"]["id"], text="Request received.")

    @app.action("pb_approve")
    async def approve(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        container = body["container"]
        await client.chat_update(
            channel=container["channel_id"], ts=container["message_ts"], text="Approved."
        )

    return app


def web_app(bolt: AsyncApp) -> web.Application:
    """aiohttp app: POST /slack/events and GET /healthz, as procurebot serves them."""
    app = web.Application()

    async def events(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await bolt.async_dispatch(await to_bolt_request(request)))

    async def healthz(request: web.Request) -> web.Response:
        return web.json_response({"ok": True})

    app.router.add_post("/slack/events", events)
    app.router.add_get("/healthz", healthz)
    return app


def main() -> None:
    """Serve the bare app on --port."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    web.run_app(web_app(build_app()), host="127.0.0.1", port=args.port, print=None)


if __name__ == "__main__":
    main()
