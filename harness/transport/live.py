"""A live HTTP target over aiohttp: the replay and differential hot path.

One `ClientSession` per transport (opened lazily inside the running event loop) with a bounded,
keep-alive connection pool. Nothing is done behind the caller's back: no cookies are kept between
requests, redirects are not followed, no User-Agent or Accept-Encoding is added, and a compressed
body is decoded so that comparisons see content. Every connection, timeout or protocol failure is
raised as `TransportError`.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Mapping
from time import perf_counter
from urllib.parse import quote

import aiohttp
from yarl import URL

from harness.core.exchange import Request, Response
from harness.transport.base import TransportError

# Characters left as they are in a path: everything a recorded, already-encoded path may hold.
_PATH_SAFE = "/:@!$&'()*+,;=-._~%"
# Set by the client library for the connection it uses; never copied from a recording.
_HOP_BY_HOP = frozenset({"host", "content-length", "transfer-encoding", "connection"})
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
        self.default_headers = dict(headers or {})
        self._session: aiohttp.ClientSession | None = None

    def _open(self) -> aiohttp.ClientSession:
        connector = aiohttp.TCPConnector(
            limit=self.max_connections, keepalive_timeout=30, ttl_dns_cache=300
        )
        self._session = aiohttp.ClientSession(
            connector=connector,
            timeout=aiohttp.ClientTimeout(total=self.timeout_s),
            cookie_jar=aiohttp.DummyCookieJar(),
            skip_auto_headers=("User-Agent", "Accept-Encoding", "Accept"),
            auto_decompress=True,
            raise_for_status=False,
        )
        return self._session

    def url_for(self, request: Request) -> str:
        """The absolute URL a request is sent to (also used in reproducers)."""
        path = request.path
        if not _PLAIN_PATH.fullmatch(path):
            path = quote(path, safe=_PATH_SAFE)
        return (
            self.base_url + path + _query_suffix(request) if request.query else self.base_url + path
        )

    async def send(self, request: Request) -> Response:
        session = self._session or self._open()
        headers = [*self.default_headers.items()]
        for key, value in request.headers:
            if key.lower() not in _HOP_BY_HOP:
                headers.append((key, value))
        url = URL(self.url_for(request), encoded=True)
        started = perf_counter()
        try:
            async with session.request(
                request.method,
                url,
                headers=headers,
                data=request.body or None,
                allow_redirects=False,
            ) as answer:
                body = await answer.read()
                response_headers = tuple(answer.headers.items())
                status = answer.status
        except TimeoutError as error:
            raise TransportError(
                f"{self.name}: no answer within {self.timeout_s:g}s ({request.method} "
                f"{request.path})",
                kind="timeout",
            ) from error
        except (aiohttp.ClientConnectorError, ConnectionError) as error:
            raise TransportError(f"{self.name}: cannot connect: {error}") from error
        except (aiohttp.ClientError, OSError, ValueError) as error:
            raise TransportError(
                f"{self.name}: {type(error).__name__}: {error}", kind="protocol"
            ) from error
        return Response(status, response_headers, body, (perf_counter() - started) * 1000.0)

    async def aclose(self) -> None:
        if self._session is not None:
            session, self._session = self._session, None
            await session.close()
            # Let the connector's transports finish closing (avoids ResourceWarnings).
            await asyncio.sleep(0)


def _query_suffix(request: Request) -> str:
    if not request.query:
        return ""
    return "?" + "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in request.query)
