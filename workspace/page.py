"""The browser page: index.html and its static files, served by the workspace's own app."""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

STATIC = Path(__file__).resolve().parent / "static"


def add_page_routes(app: web.Application) -> None:
    """Serve the page at / and its assets under /static/; permalinks open the page."""
    app.router.add_get("/", get_index)
    app.router.add_get("/archives/{channel}/{ts}", get_permalink)
    app.router.add_static("/static/", STATIC, append_version=True)


async def get_index(request: web.Request) -> web.FileResponse:
    """GET /: the workspace page."""
    return web.FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-cache"})


async def get_permalink(request: web.Request) -> web.Response:
    """GET /archives/{channel}/p{digits}: open the page on that channel."""
    raise web.HTTPFound(f"/#channel={request.match_info['channel']}")
