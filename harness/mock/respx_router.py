"""A respx router answering from contracts, for testing httpx-based clients offline."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import respx

from harness.core.exchange import Exchange, Request
from harness.mock.book import NOT_REPLAYED, ResponseBook


def load_exchanges(
    contracts_dir: Path | str, services: Sequence[str] | None = None
) -> list[Exchange]:
    """Every recorded exchange of the chosen services (all when None)."""
    from harness.contracts import discover, iter_exchanges

    exchanges: list[Exchange] = []
    for contract in discover(Path(contracts_dir)):
        if services is None or contract.service in services:
            exchanges.extend(iter_exchanges(contract))
    return exchanges


def router_from_exchanges(
    exchanges: Iterable[Exchange],
    *,
    base_url: str,
    assert_all_called: bool = False,
) -> respx.MockRouter:
    """A respx router with one catch-all route under `base_url` answering from the exchanges.

    An unmatched request raises `harness.mock.UnmatchedRequest` naming the closest recorded one.
    """
    book = ResponseBook(exchanges)
    prefix = urlsplit(base_url).path.rstrip("/")

    def answer(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if prefix and path.startswith(prefix):
            path = path[len(prefix) :] or "/"
        recorded = book.answer(
            Request(
                method=request.method,
                path=path,
                query=tuple(request.url.params.multi_items()),
                headers=tuple(request.headers.multi_items()),
                body=request.content,
            )
        )
        headers = [
            (name, value) for name, value in recorded.headers if name.lower() not in NOT_REPLAYED
        ]
        return httpx.Response(recorded.status, headers=headers, content=recorded.body)

    router = respx.mock(base_url=base_url, assert_all_called=assert_all_called)
    router.route().mock(side_effect=answer)
    router.book = book  # type: ignore[attr-defined]
    return router


def router_from_contracts(
    contracts_dir: Path | str = "contracts",
    *,
    base_url: str = "http://spine.test",
    services: Sequence[str] | None = None,
    assert_all_called: bool = False,
) -> respx.MockRouter:
    """Use as a context manager or decorator, like any respx router:

    with router_from_contracts("contracts", base_url="http://spine.test"):
        httpx.get("http://spine.test/personal-demographics/FHIR/R4/Patient/9000000009")
    """
    return router_from_exchanges(
        load_exchanges(contracts_dir, services),
        base_url=base_url,
        assert_all_called=assert_all_called,
    )
