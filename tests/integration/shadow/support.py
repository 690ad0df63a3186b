"""The shadow proxy, served for real on loopback, around two targets; and what it stored."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import httpx

from harness.contracts import discover, load_noise
from harness.core.rules import NoiseModel
from harness.monitor.reading import open_store, rows
from harness.serving import serve_in_thread
from harness.shadow.service import ShadowConfig, ShadowService

CONTRACTS = Path(__file__).resolve().parents[3] / "contracts"


@contextlib.contextmanager
def running_shadow(
    primary: str,
    shadow: str,
    *,
    spine_noise: bool = False,
    noise: Mapping[str, NoiseModel] | None = None,
    **config: Any,
) -> Iterator[tuple[str, ShadowService]]:
    """(the proxy's URL, its service); on exit the proxy stops cleanly (queue drained, store
    flushed)."""
    document = None
    with contextlib.suppress(httpx.HTTPError, ValueError):
        answer = httpx.get(f"{primary}/openapi.json", timeout=10)
        if answer.status_code == 200:
            document = answer.json()
    if spine_noise:
        noise = {c.service: load_noise(c) for c in discover(CONTRACTS)}
    service = ShadowService(ShadowConfig(primary, shadow, **config), document=document, noise=noise)
    with serve_in_thread(service.app, lifespan="on") as proxy:
        yield proxy.url, service


def stored_rows(
    store: Path, query: str = "select * from results order by id"
) -> list[dict[str, Any]]:
    return rows(open_store(store), query)
