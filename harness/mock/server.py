"""`harness mock serve`: contracts answered over HTTP, for clients in any language."""

from __future__ import annotations

from collections.abc import Iterable

from starlette.applications import Starlette
from starlette.requests import Request as StarletteRequest
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from harness.core.exchange import Exchange, Request
from harness.mock.book import NOT_REPLAYED, ResponseBook, UnmatchedRequest

METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]


def mock_app(exchanges: Iterable[Exchange]) -> Starlette:
    """Answers each request with its recorded response; an unmatched one gets 501 and why."""
    book = ResponseBook(exchanges)

    async def answer(incoming: StarletteRequest) -> Response:
        request = Request(
            method=incoming.method,
            path=incoming.url.path,
            query=tuple(incoming.query_params.multi_items()),
            headers=tuple(incoming.headers.items()),
            body=await incoming.body(),
        )
        try:
            recorded = book.answer(request)
        except UnmatchedRequest as miss:
            return PlainTextResponse(str(miss), status_code=501, headers={"X-Harness-Mock": "miss"})
        response = Response(recorded.body, status_code=recorded.status)
        for name, value in recorded.headers:
            if name.lower() not in NOT_REPLAYED:
                response.headers.append(name, value)
        response.headers.append("X-Harness-Mock", "hit")
        return response

    async def reset(_: StarletteRequest) -> Response:
        book.reset()
        return PlainTextResponse("reset\n")

    routes = [
        Route("/__harness/reset", reset, methods=["POST"]),
        Route("/{path:path}", answer, methods=METHODS),
    ]
    return Starlette(routes=routes)
