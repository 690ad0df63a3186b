"""The transport seam: `send(request) -> response`.

Live HTTP, in-process ASGI, recording and contract-backed mocks all implement this.
Record and replay are just transports.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from harness.core.exchange import Request, Response


class TransportError(Exception):
    """The target could not be reached, did not answer in time, or answered past a limit:
    verdict `error`. `kind` says which:

    - `connection`: could not connect;
    - `timeout`: no answer (not one byte) in time;
    - `protocol`: a malformed, truncated or closed answer;
    - `too_large`: an answer past a size limit (body, decoded body, header count or size);
    - `too_slow`: an answer still arriving when its total time was up (a slow drip);
    - `auth`: the target's credentials could not be made (a token endpoint refused).

    For the last two the message names the limit (an `AnswerLimits` field) and the figure.
    `sent`: the request had been written when it failed, so a state-changing one (POST, PATCH,
    PUT, DELETE) may have been applied although no whole answer came back."""

    def __init__(self, message: str, *, kind: str = "connection", sent: bool = False) -> None:
        super().__init__(message)
        self.kind = kind
        self.sent = sent


@runtime_checkable
class Transport(Protocol):
    """Sends one request to one target. Implementations are async and may be shared."""

    name: str

    async def send(self, request: Request) -> Response:
        """Send and return the response; raise TransportError on failure."""
        ...

    async def aclose(self) -> None:
        """Release connections."""
        ...
