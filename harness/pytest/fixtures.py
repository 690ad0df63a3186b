"""Fixtures for hand-written parity tests: clients on both targets and a noise-aware compare."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from harness.core.compare import Comparator
from harness.core.difference import Difference
from harness.core.exchange import Response
from harness.core.rules import NoiseModel
from harness.errors import HarnessError
from harness.pytest.failure import show
from harness.pytest.settings import plugin_settings

SyncClient = httpx.Client  # what the `legacy` and `candidate` fixtures give


@contextmanager
def client_for(config: pytest.Config, side: str) -> Iterator[httpx.Client]:
    settings = plugin_settings(config)
    url = settings.candidate if side == "candidate" else settings.legacy
    if not url:
        pytest.skip(f"no {side} target: pass --harness-{side} URL (or set it in harness.toml)")
    timeout = settings.timeout
    with httpx.Client(base_url=url, timeout=timeout, follow_redirects=False) as client:
        yield client


def as_response(response: httpx.Response | Response) -> Response:
    if isinstance(response, Response):
        return response
    elapsed = response.elapsed.total_seconds() * 1000 if _has_elapsed(response) else 0.0
    return Response(
        response.status_code, tuple(response.headers.multi_items()), response.content, elapsed
    )


def _has_elapsed(response: httpx.Response) -> bool:
    try:
        response.elapsed  # noqa: B018 - raises until the response is closed
    except RuntimeError:
        return False
    return True


class ParityChecker:
    """Compares two answers with the contract's noise model for an operation.

    `compare(legacy, candidate, operation="getPatient")` returns the differences (httpx or
    harness responses); `compare.assert_same(...)` fails with them listed.
    """

    def __init__(self, noise: dict[str, NoiseModel]) -> None:
        self.noise = noise  # by service
        self._comparators: dict[tuple[str, str], Comparator] = {}

    @classmethod
    def from_config(cls, config: pytest.Config) -> ParityChecker:
        from harness.contracts import discover, load_noise

        directory = plugin_settings(config).contracts
        if not directory.is_dir():
            return cls({})
        try:
            return cls({c.service: load_noise(c) for c in discover(Path(directory))})
        except HarnessError as error:
            raise pytest.UsageError(f"harness: {error}") from None

    def rules_service(self, operation: str, service: str | None) -> str | None:
        if service is not None:
            return service
        for name, model in sorted(self.noise.items()):
            if operation in model.operations:
                return name
        return None

    def comparator(self, operation: str, service: str | None = None) -> Comparator:
        chosen = self.rules_service(operation, service)
        key = (chosen or "", operation)
        found = self._comparators.get(key)
        if found is None:
            model = self.noise.get(chosen or "", NoiseModel())
            found = self._comparators[key] = Comparator(model.rules_for(operation))
        return found

    def __call__(
        self,
        legacy: httpx.Response | Response,
        candidate: httpx.Response | Response,
        *,
        operation: str = "*",
        service: str | None = None,
    ) -> list[Difference]:
        return self.comparator(operation, service).compare(
            as_response(legacy), as_response(candidate)
        )

    def assert_same(self, legacy: Any, candidate: Any, **where: Any) -> None:
        __tracebackhide__ = True  # the failure points at the caller's line
        differences = self(legacy, candidate, **where)
        if differences:
            lines = [f"{len(differences)} difference(s) after the noise model:"]
            for difference in differences:
                lines.append(f"  - {difference.path} [{difference.kind.value}]")
                lines.append(f"      legacy:    {show(difference.legacy)}")
                lines.append(f"      candidate: {show(difference.candidate)}")
            raise AssertionError("\n".join(lines))
