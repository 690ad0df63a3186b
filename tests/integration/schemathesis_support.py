"""Generated cases against one operation of a simulator's /openapi.json, for the service tests."""

from __future__ import annotations

from typing import Any

import httpx
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import CheckFunction
from schemathesis.generation.modes import GenerationMode

BOTH_MODES = [GenerationMode.POSITIVE, GenerationMode.NEGATIVE]


def published_schema(base_url: str) -> Any:
    """The schemathesis schema of the document a server publishes at /openapi.json."""
    return schemathesis.openapi.from_dict(httpx.get(f"{base_url}/openapi.json").json())


def call_generated_cases(
    operation: Any,
    base_url: str,
    mode: GenerationMode,
    *,
    max_examples: int,
    derandomize: bool = False,
    checks: list[CheckFunction] | None = None,
    excluded_checks: list[CheckFunction] | None = None,
) -> list[int]:
    """Call the operation with generated cases; each answer must be below 500 and pass the checks.

    Returns the status codes seen, in order.
    """
    statuses: list[int] = []

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=max_examples,
        deadline=None,
        database=None,
        derandomize=derandomize,
        suppress_health_check=list(HealthCheck),
    )
    def check(case: schemathesis.Case) -> None:
        response = case.call(base_url=base_url)
        statuses.append(response.status_code)
        assert response.status_code < 500, response.text
        case.validate_response(response, checks=checks, excluded_checks=excluded_checks)

    check()
    return statuses
