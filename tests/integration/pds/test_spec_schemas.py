"""The simulator's FHIR answers validate against the public PDS spec's own schemas."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest
import yaml

from harness.simulator.population import build_population
from harness.simulator.population import sandbox as special
from tests.integration.pds.conftest import headers
from tests.reference import REFERENCE as SHARED_REFERENCE

pytestmark = [pytest.mark.integration, pytest.mark.pds]
SPEC = SHARED_REFERENCE / "pds/specification"
SCHEMAS = SPEC / "components" / "schemas"


@functools.cache
def _load(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _inline(node: Any, here: Path) -> Any:
    """The schema at `node` with every $ref (relative files, JSON pointers) replaced inline."""
    if isinstance(node, list):
        return [_inline(item, here) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        target, _, pointer = str(node["$ref"]).partition("#")
        path = (here.parent / target).resolve() if target else here
        found = _load(path)
        for part in filter(None, pointer.split("/")):
            found = found[part]
        return _inline(found, path)
    return {
        key: value if key in ("example", "examples") else _inline(value, here)
        for key, value in node.items()
    }


def validator(name: str) -> jsonschema.Draft4Validator:
    path = SCHEMAS / name
    return jsonschema.Draft4Validator(
        _inline(_load(path), path), format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER
    )


@pytest.fixture(scope="module")
def spec() -> dict[str, jsonschema.Draft4Validator]:
    if not SPEC.is_dir():
        pytest.skip("shared/reference absent: the public PDS spec is not on this machine")
    return {
        name: validator(f"{name}.yaml")
        for name in ("Patient", "PatientSearch", "RelatedPersonBundle", "OperationOutcome")
    }


def conforms(spec: dict[str, jsonschema.Draft4Validator], name: str, body: Any) -> None:
    errors = [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in spec[name].iter_errors(body)
    ]
    assert not errors, errors[:5]


def sample_numbers() -> list[str]:
    population = build_population(seed=0, size=500)  # the served population (same seed/size)
    live = [r.nhs_number for r in population if r.status != "invalidated"]
    return live[:: max(1, len(live) // 60)] + [r.nhs_number for r in special.sandbox_records()]


def test_patients_validate(
    client: httpx.Client, spec: dict[str, jsonschema.Draft4Validator]
) -> None:
    for number in sample_numbers():
        response = client.get(f"/Patient/{number}", headers=headers())
        if response.status_code == 200:
            conforms(spec, "Patient", response.json())
        else:
            conforms(spec, "OperationOutcome", response.json())


def test_related_people_validate(
    client: httpx.Client, spec: dict[str, jsonschema.Draft4Validator]
) -> None:
    for number in sample_numbers():
        response = client.get(f"/Patient/{number}/RelatedPerson", headers=headers())
        name = "RelatedPersonBundle" if response.status_code == 200 else "OperationOutcome"
        conforms(spec, name, response.json())


@pytest.mark.parametrize(
    "query",
    [
        "family=Sm*&gender=female&birthdate=eq2010-10-22",
        "family=Smythe&birthdate=eq2005-06-16",
        "family=Youds&birthdate=eq1971-08-30",
        "family=Smith&given=John&birthdate=eq1980-05-12&_fuzzy-match=true",
        "family=Smith&birthdate=ge1980-01-01&birthdate=le1980-06-30",
        "family=Smith&birthdate=ge1980-01-01&birthdate=le1980-12-31",
        "family=Nobody&birthdate=eq1980-01-01",
    ],
)
def test_searches_validate(
    client: httpx.Client, spec: dict[str, jsonschema.Draft4Validator], query: str
) -> None:
    response = client.get(f"/Patient?{query}", headers=headers())
    assert response.status_code == 200
    conforms(spec, "PatientSearch", response.json())


@pytest.mark.parametrize(
    "path",
    ["/Patient/9000000000", "/Patient/9111231130", "/Patient?family=Smith", "/Patient?x=1"],
)
def test_errors_validate(
    client: httpx.Client, spec: dict[str, jsonschema.Draft4Validator], path: str
) -> None:
    conforms(spec, "OperationOutcome", client.get(path, headers=headers()).json())
    conforms(spec, "OperationOutcome", client.get(path).json())
