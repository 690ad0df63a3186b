"""A local server that verifies every credential scheme the harness can send, strictly.

`/token` issues OAuth 2 client-credentials tokens (HTTP basic client authentication);
`/jwt-token` issues tokens for a signed-JWT client assertion (RS512, the NHS England platform's
claims: iss = sub = the API key, aud = the token URL, a fresh jti, exp at most five minutes
ahead), refusing an expired assertion or a reused jti; every other path wants one of: the
static header, HTTP basic, a token it issued, or a MESH token whose HMAC verifies and whose
nonce it has never seen. `seen` counts what it verified, by scheme.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from collections import Counter
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

STATIC = "Bearer static-s3cr3t-token"
BASIC = ("alice", "wonder-land-7")
CLIENT = ("harness-client", "client-s3cr3t")
API_KEY = "api-key-0123456789"
KID = "test-1"
MESH_KEY = "TestKey"
MESH_PASSWORD = "mailbox-pw"


class AuthServer:
    def __init__(self, public_key: Any) -> None:
        self.public_key = public_key
        self.tokens: set[str] = set()
        self.jtis: set[str] = set()
        self.nonces: set[tuple[str, str]] = set()
        self.seen: Counter[str] = Counter()
        self.refused: Counter[str] = Counter()
        self.app = Starlette(
            routes=[
                Route("/token", self.token, methods=["POST"]),
                Route("/jwt-token", self.jwt_token, methods=["POST"]),
                Route("/{path:path}", self.protected, methods=["GET", "POST", "PUT"]),
            ]
        )

    def _issue(self, scheme: str) -> JSONResponse:
        token = secrets.token_urlsafe(24)
        self.tokens.add(token)
        self.seen[scheme] += 1
        return JSONResponse({"access_token": token, "expires_in": "599", "token_type": "Bearer"})

    def _refuse(self, scheme: str, why: str, status: int = 401) -> JSONResponse:
        self.refused[scheme] += 1
        return JSONResponse({"error": why}, status_code=status)

    async def token(self, request: Request) -> Response:
        form = await _form(request)
        expected = "Basic " + base64.b64encode(":".join(CLIENT).encode()).decode()
        if form.get("grant_type") != "client_credentials":
            return self._refuse("oauth2", "unsupported_grant_type", 400)
        if request.headers.get("authorization") != expected:
            return self._refuse("oauth2", "invalid_client")
        return self._issue("oauth2")

    async def jwt_token(self, request: Request) -> Response:
        import jwt

        form = await _form(request)
        if form.get("client_assertion_type") != (
            "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
        ):
            return self._refuse("jwt", "invalid_request", 400)
        assertion = str(form.get("client_assertion", ""))
        try:
            header = jwt.get_unverified_header(assertion)
            claims = jwt.decode(
                assertion,
                self.public_key,
                algorithms=["RS512"],
                audience=str(request.url),
                options={"require": ["exp", "jti", "iss", "sub", "aud"]},
            )
        except jwt.ExpiredSignatureError:
            return self._refuse("jwt", "expired assertion", 400)
        except jwt.PyJWTError as error:
            return self._refuse("jwt", f"invalid assertion: {error}", 400)
        if header.get("kid") != KID or claims["iss"] != API_KEY or claims["sub"] != API_KEY:
            return self._refuse("jwt", "unknown client", 400)
        if claims["exp"] > time.time() + 300 or claims["jti"] in self.jtis:
            return self._refuse("jwt", "reused or too long-lived assertion", 400)
        self.jtis.add(claims["jti"])
        return self._issue("jwt")

    async def protected(self, request: Request) -> Response:
        value = request.headers.get("authorization", "")
        path = request.url.path
        if value == STATIC:
            return self._ok("header", path)
        if value == "Basic " + base64.b64encode(":".join(BASIC).encode()).decode():
            return self._ok("basic", path)
        if value.startswith("Bearer ") and value[7:] in self.tokens:
            return self._ok("token", path)
        if value.startswith("NHSMESH "):
            return self._mesh(value[8:], path)
        return self._refuse("any", "unauthorised")

    def _mesh(self, token: str, path: str) -> Response:
        parts = token.split(":")
        if len(parts) != 5:
            return self._refuse("mesh", "malformed", 403)
        mailbox, nonce, count, stamp, digest = parts
        private = f"{mailbox}:{nonce}:{count}:{MESH_PASSWORD}:{stamp}"
        expected = hmac.new(MESH_KEY.encode(), private.encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, digest) or f"/{mailbox}" not in path:
            return self._refuse("mesh", "invalid token", 403)
        if (nonce, count) in self.nonces:
            return self._refuse("mesh", "reused nonce", 403)
        self.nonces.add((nonce, count))
        return self._ok("mesh", path)

    def _ok(self, scheme: str, path: str) -> JSONResponse:
        self.seen[scheme] += 1
        return JSONResponse({"path": path, "ok": True})


async def _form(request: Request) -> dict[str, str]:
    """An application/x-www-form-urlencoded body (what token requests send)."""
    from urllib.parse import parse_qsl

    return dict(parse_qsl((await request.body()).decode("utf-8")))
