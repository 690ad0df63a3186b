"""Mocks served from contracts: the recorded legacy behaviour, offline.

- `router_from_contracts(...)` gives a respx router for any httpx-based client.
- `harness mock serve` serves the same contracts over HTTP for clients in any language.
"""

from harness.mock.book import ResponseBook, UnmatchedRequest
from harness.mock.respx_router import router_from_contracts

__all__ = ["ResponseBook", "UnmatchedRequest", "router_from_contracts"]
