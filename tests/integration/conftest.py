"""Fixtures shared by the integration tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.integration.scripted import Script, ScriptedServer


@pytest.fixture
def scripted() -> Iterator[Callable[..., ScriptedServer]]:
    """Start scripted servers (`scripted(script, **options)`); all are closed after the test."""
    servers: list[ScriptedServer] = []

    def start(script: Script, **options: Any) -> ScriptedServer:
        servers.append(ScriptedServer(script, **options))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


@pytest.fixture
def two_httpbins() -> Iterator[tuple[str, ...]]:
    """Two httpbins (Flask, from PyPI) on loopback: a real service this project did not write."""
    pytest.importorskip("httpbin")
    from tests.integration.httpbin_support import httpbin_servers

    with httpbin_servers(2) as urls:
        yield urls
