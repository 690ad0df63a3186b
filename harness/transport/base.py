"""The transport seam: `send(request) -> response`.

Live HTTP, in-process ASGI, recording and contract-backed mocks all implement this.
Record and replay are just transports.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from harness.core.exchange import Request, Response


class TransportError(Exception):
    """The target could not be reached or did not answer in time: verdict `error`."""

    def __init__(self, message: str, *, kind: str = "connection") -> None:
        super().__init__(message)
        self.kind = kind  # connection | timeout | protocol


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
