"""Three simulators on loopback (seed 0, population 500): legacy, spine2, and spine2 with a
drift profile exercising every effect kind."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from harness.serving import serve_in_thread
from harness.simulator.app import build_app
from harness.simulator.context import SimulatorConfig
from harness.simulator.population.sandbox import (
    JANE_SMITH,
    JAYNE_SMYTH,
    MINIMAL,
    MULTI_ADDRESS,
    NOT_FOUND,
)

ODS = "https://fhir.nhs.uk/Id/ods-organization-code"
PARTY = "https://fhir.nhs.uk/Id/nhsMhsPartyKey"
DRIFT_SEED = 11

EVERY_EFFECT = f"""\
format_version: 1
seed: {DRIFT_SEED}
drift:
  - id: e-drop
    operation: searchDevices
    when: {{query_equals: {{organization: "{ODS}|YES"}}}}
    effect: {{kind: drop, path: /entry/*/resource/identifier/1}}
  - id: e-set
    operation: getPatient
    when: {{path_matches: "{JAYNE_SMYTH}$"}}
    effect: {{kind: set, path: /gender, value: other}}
  - id: e-date
    operation: getPatient
    when: {{path_matches: "{JANE_SMITH}$"}}
    effect: {{kind: reformat_date, path: /birthDate, format: "%Y%m%d"}}
  - id: e-number
    operation: searchEndpoints
    when: {{query_equals: {{organization: "{ODS}|X26"}}}}
    effect: {{kind: reformat_number, path: /total, format: ".1f"}}
  - id: e-error-code
    operation: getPatient
    when: {{path_matches: "{NOT_FOUND}$"}}
    effect: {{kind: error_code, code: INVALID_RESOURCE_ID, issue_code: value}}
  - id: e-status
    operation: getPatient
    when: {{path_matches: "{MINIMAL}$"}}
    effect: {{kind: status, to: 202}}
  - id: e-truncate
    operation: searchEndpoints
    when: {{query_equals: {{identifier: "{PARTY}|YES-0000806"}}}}
    effect: {{kind: truncate, path: /entry, keep: 2}}
  - id: e-reorder
    operation: searchEndpoints
    when: {{header_present: [X-Test-Reorder]}}
    effect: {{kind: reorder, path: /entry, order: reverse}}
  - id: e-leak
    operation: getPatient
    effect: {{kind: leak_restricted_address}}
  - id: e-version
    operation: getPatient
    when: {{path_matches: "{MULTI_ADDRESS}$"}}
    effect: {{kind: version_off_by_one}}
  - id: e-drop-header
    operation: searchDevices
    when: {{header_present: X-Test-Drop-Header}}
    effect: {{kind: drop_header, name: X-Correlation-ID}}
  - id: e-latency
    operation: searchEndpoints
    when: {{header_present: X-Test-Slow}}
    effect: {{kind: latency, ms: 300}}
  - id: e-flaky
    operation: getPatientDetailsByNHSNumber
    when:
      body_equals: {{"//Person.NHSNumber/value/@extension": "{JANE_SMITH}"}}
    effect: {{kind: intermittent_5xx, rate: 0.5}}
  - id: e-soap-leak
    operation: getPatientDetailsByNHSNumber
    effect: {{kind: leak_restricted_address}}
  - id: e-soap-date
    operation: getPatientDetailsByNHSNumber
    when:
      body_equals: {{"//Person.NHSNumber/value/@extension": "{JAYNE_SMYTH}"}}
    effect: {{kind: reformat_date, path: "//birthTime/@value", format: "%Y-%m-%d"}}
"""


def _serve(config: SimulatorConfig) -> Iterator[str]:
    with serve_in_thread(build_app(config)) as server:
        yield server.url


@pytest.fixture(scope="package")
def legacy_url() -> Iterator[str]:
    yield from _serve(SimulatorConfig(seed=0, population=500, flavour="legacy"))


@pytest.fixture(scope="package")
def spine2_url() -> Iterator[str]:
    yield from _serve(SimulatorConfig(seed=0, population=500, flavour="spine2"))


@pytest.fixture(scope="package")
def drift_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("drift") / "every-effect.yaml"
    path.write_text(EVERY_EFFECT)
    return path


@pytest.fixture(scope="package")
def drifted_url(drift_file: Path) -> Iterator[str]:
    yield from _serve(
        SimulatorConfig(seed=0, population=500, flavour="spine2", drift_file=drift_file)
    )


@pytest.fixture(scope="package")
def legacy(legacy_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=legacy_url, timeout=30) as client:
        yield client


@pytest.fixture(scope="package")
def spine2(spine2_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=spine2_url, timeout=30) as client:
        yield client


@pytest.fixture(scope="package")
def drifted(drifted_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=drifted_url, timeout=30) as client:
        yield client
