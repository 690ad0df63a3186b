"""Providers that fetch a bearer token: OAuth 2 client credentials, and a signed-JWT client
assertion (RFC 7523) as NHS England's API platform uses for application-restricted access.

A token is fetched when first needed and again shortly before it expires (`expires_in`, which
some servers send as a string); concurrent requests wait for one fetch. The assertion is signed
afresh for every fetch (a new `jti`, `exp` within `lifetime_s`, at most five minutes on the NHS
platform) with PyJWT, RS512 unless `algorithm` says otherwise. A refused fetch is the request's
error (`TransportError(kind="auth")`), never a crash.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from pathlib import Path
from typing import Any

import httpx

from harness.auth.options import Options
from harness.auth.static import with_header
from harness.core.exchange import Request
from harness.errors import HarnessError
from harness.transport.base import TransportError

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
MARGIN_S = 30.0  # a token is renewed this long before it expires (or at 90% of its life)


class BearerToken:
    """The token cache and its endpoint; subclasses say what the token request sends."""

    provides = frozenset({"authorization"})

    def __init__(self, options: Options) -> None:
        self.token_url = options.require("token_url")
        self.timeout_s = options.number("timeout_s", 30.0)
        self._token: str | None = None
        self._expires = 0.0
        self._lock: asyncio.Lock | None = None
        self._client: httpx.AsyncClient | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self.fetched = 0  # tokens fetched so far

    def form(self) -> tuple[dict[str, str], tuple[str, str] | None]:
        """The token request's form fields, and HTTP basic credentials (or None)."""
        raise NotImplementedError

    async def sign(self, request: Request) -> Request:
        return with_header(request, "Authorization", f"Bearer {await self.token()}")

    async def token(self) -> str:
        loop = asyncio.get_running_loop()
        if self._loop is not loop:  # a new event loop: its own client and lock
            self._loop, self._lock = loop, asyncio.Lock()
            self._client = httpx.AsyncClient(timeout=self.timeout_s)
        assert self._lock is not None
        async with self._lock:
            if self._token is None or time.monotonic() >= self._expires:
                await self._fetch()
        assert self._token is not None
        return self._token

    async def _fetch(self) -> None:
        assert self._client is not None
        form, basic = self.form()
        try:
            answer = await self._client.post(
                self.token_url, data=form, auth=basic or httpx.USE_CLIENT_DEFAULT
            )
        except httpx.HTTPError as error:
            raise TransportError(f"token endpoint {self.token_url}: {error}", kind="auth") from None
        body: Any = None
        try:
            body = answer.json()
        except ValueError:
            body = None
        if answer.status_code != 200 or not isinstance(body, dict) or "access_token" not in body:
            detail = answer.text[:200]
            raise TransportError(
                f"token endpoint {self.token_url} answered {answer.status_code}: {detail}",
                kind="auth",
            )
        try:
            life = float(body.get("expires_in", 300))
        except (TypeError, ValueError):
            life = 300.0
        self._token = str(body["access_token"])
        self._expires = time.monotonic() + max(0.0, life - min(MARGIN_S, life / 10))
        self.fetched += 1

    async def aclose(self) -> None:
        client, self._client = self._client, None
        if client is not None and self._loop is asyncio.get_running_loop():
            await client.aclose()


class ClientCredentials(BearerToken):
    """`provider = "oauth2"`: `token_url`, `client_id`, `client_secret`, optional `scope`,
    `client_auth` basic (default, RFC 6749 2.3.1) or post."""

    def __init__(self, options: Options) -> None:
        super().__init__(options)
        self.client_id = options.require("client_id")
        self.client_secret = options.require("client_secret")
        self.scope = options.get("scope")
        self.client_auth = options.get("client_auth", "basic")
        if self.client_auth not in ("basic", "post"):
            raise HarnessError("must be basic or post", field=f"{options.where}.client_auth")

    def form(self) -> tuple[dict[str, str], tuple[str, str] | None]:
        form = {"grant_type": "client_credentials"}
        if self.scope:
            form["scope"] = self.scope
        if self.client_auth == "post":
            form.update(client_id=self.client_id, client_secret=self.client_secret)
            return form, None
        return form, (self.client_id, self.client_secret)


class JwtAssertion(BearerToken):
    """`provider = "jwt"`: `token_url`, `client_id` (the application's API key: issuer and
    subject), `private_key` (a PEM file, or the PEM itself from `${VAR}`), `kid`, optional
    `algorithm` (RS512) and `lifetime_s` (300)."""

    def __init__(self, options: Options) -> None:
        super().__init__(options)
        self.client_id = options.require("client_id")
        self.kid = options.require("kid")
        self.algorithm = options.get("algorithm", "RS512") or "RS512"
        self.lifetime_s = options.number("lifetime_s", 300.0)
        self.key = _pem(options.require("private_key"), f"{options.where}.private_key")

    def assertion(self) -> str:
        import jwt

        now = int(time.time())
        claims = {
            "iss": self.client_id,
            "sub": self.client_id,
            "aud": self.token_url,
            "jti": str(uuid.uuid4()),
            "iat": now,
            "exp": now + int(self.lifetime_s),
        }
        return jwt.encode(claims, self.key, algorithm=self.algorithm, headers={"kid": self.kid})

    def form(self) -> tuple[dict[str, str], tuple[str, str] | None]:
        return {
            "grant_type": "client_credentials",
            "client_assertion_type": ASSERTION_TYPE,
            "client_assertion": self.assertion(),
        }, None


def _pem(value: str, field: str) -> str:
    """The key itself (from the environment) or the contents of the file it names."""
    if value.lstrip().startswith("-----BEGIN"):
        return value
    try:
        return Path(value).read_text(encoding="utf-8")
    except OSError as error:
        raise HarnessError(
            f"cannot read the private key: {error}", file=value, field=field
        ) from None
