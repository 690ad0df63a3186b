"""schemathesis against the SDS part of /openapi.json: no 5xx, no schema violation."""

from __future__ import annotations

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

pytestmark = [pytest.mark.integration, pytest.mark.sds]


@pytest.mark.parametrize(
    "path", ["/spine-directory/FHIR/R4/Device", "/spine-directory/FHIR/R4/Endpoint"]
)
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_sds_conforms(simulator_url: str, path: str, mode: GenerationMode) -> None:
    document = httpx.get(f"{simulator_url}/openapi.json").json()
    operation = schemathesis.openapi.from_dict(document)[path]["GET"]
    statuses: list[int] = []

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=30,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def check(case: schemathesis.Case) -> None:
        response = case.call(base_url=simulator_url)
        statuses.append(response.status_code)
        assert response.status_code < 500, response.text
        # The published interface cannot say "one identifier must be a service interaction"
        # (OpenAPI 3.0 has no `contains`), so some schema-valid searches are rightly refused.
        case.validate_response(response, excluded_checks=[positive_data_acceptance])

    check()
    assert statuses
    if mode == GenerationMode.POSITIVE:
        assert 200 in statuses
