"""Run the fake Slack server on a local port."""

from __future__ import annotations

from aiohttp import web

from .api import create_api_app
from .sender import SlackSender
from .state import Workspace

# Open event streams would otherwise hold shutdown for aiohttp's default 60 s.
SHUTDOWN_TIMEOUT = 1.0


async def start_workspace(
    workspace: Workspace,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    token: str | None = None,
    sender: SlackSender | None = None,
) -> tuple[web.AppRunner, str]:
    """Serve the workspace; return the runner (cleanup() stops it) and SLACK_API_URL (…/api/)."""
    runner = web.AppRunner(
        create_api_app(workspace, token=token, sender=sender), shutdown_timeout=SHUTDOWN_TIMEOUT
    )
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    bound_host, bound_port = runner.addresses[0][:2]
    workspace.server_url = f"http://{bound_host}:{bound_port}"
    return runner, f"{workspace.server_url}/api/"
