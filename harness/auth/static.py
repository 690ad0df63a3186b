"""Providers whose credentials do not change per request: a header, HTTP basic."""

from __future__ import annotations

import base64

from harness.auth.options import Options
from harness.core.exchange import Request


class StaticHeader:
    """`provider = "header"`: `name` (default Authorization) set to `value` (e.g.
    `"Bearer ${HARNESS_AUTH_TOKEN}"`, `"${API_KEY}"`)."""

    def __init__(self, options: Options) -> None:
        self.name = options.get("name", "Authorization") or "Authorization"
        self.value = options.require("value")
        self.provides = frozenset({self.name.lower()})

    async def sign(self, request: Request) -> Request:
        return with_header(request, self.name, self.value)

    async def aclose(self) -> None:
        return None


class Basic(StaticHeader):
    """`provider = "basic"`: `username` and `password` (RFC 7617)."""

    def __init__(self, options: Options) -> None:
        pair = f"{options.require('username')}:{options.require('password')}"
        self.name = "Authorization"
        self.value = "Basic " + base64.b64encode(pair.encode("utf-8")).decode("ascii")
        self.provides = frozenset({"authorization"})


def with_header(request: Request, name: str, value: str) -> Request:
    """The request with one more header (the transport removed any of that name before)."""
    return Request(
        request.method, request.path, request.query, (*request.headers, (name, value)), request.body
    )
