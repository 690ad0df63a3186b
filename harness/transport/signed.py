"""Credentials per request: a transport that asks its target's signer before every send.

A `RequestSigner` (an auth provider of `harness.auth`: a static header, HTTP basic, an OAuth 2
token, a signed-JWT assertion, a domain pack's per-request scheme such as MESH's) returns the
request with its credentials added. `provides` names the headers it sets: whatever the request
carried under those names (a recording's `${VAR}` placeholder) is replaced, so no stored
credential is ever needed, and none is ever stored: the results hold the request before signing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from harness.core.exchange import Request, Response
from harness.transport.base import Transport, TransportError
from harness.transport.http1 import ClientTls
from harness.transport.limits import AnswerLimits
from harness.transport.live import LiveTransport


@runtime_checkable
class RequestSigner(Protocol):
    provides: frozenset[str]  # header names it sets (lower case)

    async def sign(self, request: Request) -> Request:
        """The request with its credentials (fresh per call where the scheme wants it)."""
        ...

    async def aclose(self) -> None: ...


class SignedTransport:
    """`inner` with every request signed first; a signer's failure (a token endpoint that
    refuses) is a `TransportError` of kind `auth`, which the judge reports as an error."""

    def __init__(self, inner: Transport, signer: RequestSigner, *, name: str) -> None:
        self.inner = inner
        self.signer = signer
        self.name = name
        self.provides = signer.provides

    def url_for(self, request: Request) -> str:
        url_for = getattr(self.inner, "url_for", None)
        return str(url_for(request)) if url_for is not None else request.target

    async def send(self, request: Request) -> Response:
        try:
            signed = await self.signer.sign(without(request, self.provides))
        except TransportError:
            raise
        except Exception as error:  # an auth provider's own failure: a finding, not a crash
            raise TransportError(f"{self.name}: cannot sign: {error}", kind="auth") from error
        return await self.inner.send(signed)

    async def aclose(self) -> None:
        await self.signer.aclose()
        await self.inner.aclose()


def without(request: Request, names: frozenset[str]) -> Request:
    """The request without the headers named (lower case)."""
    if not names or not any(name.lower() in names for name, _ in request.headers):
        return request
    kept = tuple((k, v) for k, v in request.headers if k.lower() not in names)
    return Request(request.method, request.path, request.query, kept, request.body)


@dataclass(frozen=True, slots=True)
class TargetAccess:
    """How one target is reached beyond its URL: its credentials provider, its client
    certificate (`[targets.<name>.auth]`, `[targets.<name>.tls]`)."""

    signer: RequestSigner | None = None
    tls: ClientTls | None = None


def connect(
    url: str,
    name: str,
    *,
    access: TargetAccess | None = None,
    limits: AnswerLimits | None = None,
    timeout_s: float | None = None,
    max_connections: int = 64,
) -> LiveTransport | SignedTransport:
    """The transport to one named target: live HTTP(S) with its client certificate, signed by
    its provider when it has one."""
    chosen = access or TargetAccess()
    live = LiveTransport(
        url,
        name=name,
        timeout_s=timeout_s,
        limits=limits,
        max_connections=max_connections,
        tls=chosen.tls,
    )
    if chosen.signer is None:
        return live
    return SignedTransport(live, chosen.signer, name=name)
