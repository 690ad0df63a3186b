"""An in-process ASGI app as a target: the same seam without sockets (tests, quick checks)."""

from __future__ import annotations

import asyncio
from time import perf_counter
from typing import Any

import httpx

from harness.core.exchange import Request, Response
from harness.transport.base import TransportError


class AsgiTransport:
    """Calls an ASGI application directly through httpx's ASGI transport.

    An exception raised by the app becomes a 500 answer (as a server would send), never a crash.
    """

    def __init__(self, app: Any, *, name: str, timeout_s: float = 10.0) -> None:
        self.name = name
        self.timeout_s = timeout_s
        self._client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app, raise_app_exceptions=False),
            base_url="http://asgi.local",
        )

    async def send(self, request: Request) -> Response:
        started = perf_counter()
        try:
            answer = await asyncio.wait_for(
                self._client.request(
                    request.method,
                    request.path,
                    params=list(request.query),
                    headers=list(request.headers),
                    content=request.body or None,
                ),
                timeout=self.timeout_s,
            )
        except TimeoutError as error:
            raise TransportError(
                f"{self.name}: no answer within {self.timeout_s:g}s", kind="timeout"
            ) from error
        except httpx.HTTPError as error:
            raise TransportError(f"{self.name}: {error}", kind="protocol") from error
        headers = tuple(
            (key.decode("latin-1"), value.decode("latin-1")) for key, value in answer.headers.raw
        )
        return Response(
            answer.status_code, headers, answer.content, (perf_counter() - started) * 1000.0
        )

    async def aclose(self) -> None:
        await self._client.aclose()
