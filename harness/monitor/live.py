"""`harness monitor serve`: the dashboard served live, drawn again from the store on each visit
(at most once per `cache_s`), the page refreshing itself every `refresh_s`."""

from __future__ import annotations

import time
from html import escape
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from harness.errors import HarnessError
from harness.monitor.dashboard import gather, render
from harness.monitor.reading import open_store


def dashboard_app(store: Path, refresh_s: int = 30, cache_s: float = 5.0) -> Starlette:
    cached: dict[str, tuple[float, str]] = {}

    def page() -> str:
        hit = cached.get("page")
        if hit is not None and time.monotonic() - hit[0] < cache_s:
            return hit[1]
        try:
            html = render(gather(open_store(store), store), refresh_s=refresh_s)
        except HarnessError as error:  # an empty store while the shadow warms up
            html = (
                f'<!DOCTYPE html><html><head><meta http-equiv="refresh" content="{refresh_s}">'
                f"<title>Shadow monitor</title></head><body>"
                f"<p>{escape(error.describe())}</p></body></html>"
            )
        cached["page"] = (time.monotonic(), html)
        return html

    async def index(request: Request) -> Response:
        return HTMLResponse(page())

    async def health(request: Request) -> Response:
        return Response("ok\n", media_type="text/plain")

    return Starlette(routes=[Route("/", index), Route("/healthz", health)])
