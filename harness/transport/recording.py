"""A pass-through transport that hands every exchange it carries to a sink (recording)."""

from __future__ import annotations

from collections.abc import Callable
from itertools import count

from harness.core.exchange import Exchange, Request, Response
from harness.transport.base import Transport, TransportError

# Names the exchange's (service, operation); e.g. backed by an OperationIndex.
Classifier = Callable[[Request], tuple[str, str]]
Sink = Callable[[Exchange], None]


def _unclassified(request: Request) -> tuple[str, str]:
    return "", ""


class RecordingTransport:
    """Wraps `inner`; each successful send yields an `Exchange` to `sink` (failures propagate).

    Ids are `<prefix>-<n>` in send order (6 digits, from 1).
    """

    def __init__(
        self,
        inner: Transport,
        sink: Sink,
        *,
        name: str | None = None,
        classify: Classifier = _unclassified,
        source: str = "recorded",
        id_prefix: str = "x",
    ) -> None:
        self.inner = inner
        self.name = name or inner.name
        self.sink = sink
        self.classify = classify
        self.source = source
        self.id_prefix = id_prefix
        self._numbers = count(1)

    async def send(self, request: Request) -> Response:
        response = await self.inner.send(request)
        service, operation = self.classify(request)
        self.sink(
            Exchange(
                id=f"{self.id_prefix}-{next(self._numbers):06d}",
                service=service,
                operation=operation,
                request=request,
                response=response,
                source=self.source,
            )
        )
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()


class RememberingTransport:
    """Wraps `inner`; remembers each request sent and its answer (None when it failed)."""

    def __init__(self, inner: Transport) -> None:
        self.inner = inner
        self.name = inner.name
        self.seen: list[tuple[Request, Response | None]] = []

    async def send(self, request: Request) -> Response:
        try:
            response = await self.inner.send(request)
        except TransportError:
            self.seen.append((request, None))
            raise
        self.seen.append((request, response))
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()
