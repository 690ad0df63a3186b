"""A live HTTP target: the replay and differential hot path.

Requests go out on `harness.transport.http1` (keep-alive HTTP/1.1 on asyncio protocols, parsed
by httptools), one bounded pool per transport and event loop. Nothing is done behind the
caller's back: no cookies are kept between requests, redirects are not followed, no User-Agent
or Accept-Encoding is added, and a compressed body is decoded so that comparisons see content.
Each answer is held to the transport's `AnswerLimits` while it is read. Every connection,
timeout or protocol failure, and every answer past a limit, is raised as `TransportError`.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Mapping
from time import perf_counter
from urllib.parse import quote

from harness.core.exchange import Request, Response
from harness.core.http import CONNECTION_HEADERS, SAFE_METHODS
from harness.transport.base import TransportError
from harness.transport.errors import Http1Error
from harness.transport.http1 import ClientTls, Pool, origin_of, request_head, tls_for
from harness.transport.limits import AnswerLimits, limits_for

# Characters left as they are in a path: everything a recorded, already-encoded path may hold.
_PATH_SAFE = "/:@!$&'()*+,;=-._~%"
_PLAIN_PATH = re.compile(r"[A-Za-z0-9/:@!$&'()*+,;=\-._~%]*")


class LiveTransport:
    """Sends requests to `base_url` (scheme, host, port and an optional base path), each answer
    held to `limits` (default `AnswerLimits()`); `timeout_s`, when given, is the older single
    setting: the whole answer within that time (both of the limits' timeouts)."""

    def __init__(
        self,
        base_url: str,
        *,
        name: str,
        timeout_s: float | None = None,
        max_connections: int = 64,
        headers: Mapping[str, str] | None = None,
        limits: AnswerLimits | None = None,
        tls: ClientTls | None = None,
    ) -> None:
        self.name = name
        self.base_url = base_url.rstrip("/")
        self.limits = limits_for(limits, timeout_s)
        self.max_connections = max_connections
        self.default_headers = [*dict(headers or {}).items()]
        self._origin, self._base_path = origin_of(self.base_url)
        self._tls = tls_for(self._origin, tls)
        self._client_cert = tls.cert if tls is not None and self._tls is not None else None
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
            status, answer_headers, body = await pool.send(
                method,
                wire + request.body if request.body else wire,
                method == "HEAD",
                limits=self.limits,
            )
        except Http1Error as error:
            kind = error.kind
            if kind == "connection":
                raise TransportError(f"{self.name}: cannot connect: {error}") from error
            if kind == "protocol":
                message = f"{self.name}: {error}"
                if self._client_cert and str(error).endswith("without answering"):
                    # TLS 1.3 servers refuse a client certificate after the handshake, by
                    # closing: all the client sees is a connection ended before any answer
                    message += f" (it may not accept the client certificate {self._client_cert})"
            else:  # timeout, too_large, too_slow: which request met the limit
                message = f"{self.name}: {method} {request.path}: {error}"
            if error.sent and method not in SAFE_METHODS:
                message += f" (the {method} was sent: it may have been applied)"
            raise TransportError(message, kind=kind, sent=error.sent) from error
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
