"""A live HTTP target: the replay and differential hot path.

Requests go out on `harness.transport.http1` (keep-alive HTTP/1.1 on asyncio protocols, parsed
by httptools), one bounded pool per transport and event loop. Nothing is done behind the
caller's back: no cookies are kept between requests, redirects are not followed, no User-Agent
or Accept-Encoding is added, and a compressed body is decoded so that comparisons see content.
Every connection, timeout or protocol failure is raised as `TransportError`.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Mapping
from time import perf_counter
from urllib.parse import quote

from harness.core.exchange import Request, Response
from harness.core.http import CONNECTION_HEADERS
from harness.transport.base import TransportError
from harness.transport.http1 import Http1Error, Pool, origin_of, request_head, tls_for

# Characters left as they are in a path: everything a recorded, already-encoded path may hold.
_PATH_SAFE = "/:@!$&'()*+,;=-._~%"
_PLAIN_PATH = re.compile(r"[A-Za-z0-9/:@!$&'()*+,;=\-._~%]*")


class LiveTransport:
    """Sends requests to `base_url` (scheme, host, port and an optional base path)."""

    def __init__(
        self,
        base_url: str,
        *,
        name: str,
        timeout_s: float = 10.0,
        max_connections: int = 64,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.name = name
        self.base_url = base_url.rstrip("/")
        self.timeout_s = timeout_s
        self.max_connections = max_connections
        self.default_headers = [*dict(headers or {}).items()]
        self._origin, self._base_path = origin_of(self.base_url)
        self._tls = tls_for(self._origin)
        self._pool: Pool | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def url_for(self, request: Request) -> str:
        """The absolute URL a request is sent to (also used in reproducers)."""
        return self.base_url + _target_of(request)

    async def send(self, request: Request) -> Response:
        pool = self._pool
        if pool is None or self._loop is not asyncio.get_running_loop():
            pool = self._open()
        headers = self.default_headers + [
            pair for pair in request.headers if pair[0].lower() not in CONNECTION_HEADERS
        ]
        method = request.method
        started = perf_counter()
        try:
            wire = request_head(
                method, self._base_path + _target_of(request), self._origin, headers, request.body
            )
            async with asyncio.timeout(self.timeout_s):
                status, answer_headers, body = await pool.send(
                    method, wire + request.body if request.body else wire, method == "HEAD"
                )
        except TimeoutError as error:
            raise TransportError(
                f"{self.name}: no answer within {self.timeout_s:g}s ({method} {request.path})",
                kind="timeout",
            ) from error
        except Http1Error as error:
            if error.kind == "connection":
                raise TransportError(f"{self.name}: cannot connect: {error}") from error
            raise TransportError(f"{self.name}: {error}", kind=error.kind) from error
        return Response(status, answer_headers, body, (perf_counter() - started) * 1000.0)

    async def aclose(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None and self._loop is asyncio.get_running_loop():
            await pool.aclose()

    def _open(self) -> Pool:
        # Connections of an earlier event loop cannot serve this one (nor be closed from it).
        self._loop = asyncio.get_running_loop()
        self._pool = Pool(self._origin, self.max_connections, self._tls)
        return self._pool


def _target_of(request: Request) -> str:
    """Path and query as sent: a recorded path stays as it is unless it needs escaping."""
    path = request.path
    if not _PLAIN_PATH.fullmatch(path):
        path = quote(path, safe=_PATH_SAFE)
    return path + _query_suffix(request) if request.query else path


def _query_suffix(request: Request) -> str:
    if not request.query:
        return ""
    return "?" + "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in request.query)
