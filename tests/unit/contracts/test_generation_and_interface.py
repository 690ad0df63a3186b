"""Generated traffic is reproducible and sendable; interfaces split per service."""

from __future__ import annotations

import orjson

from harness.domains.spine.nhs_number import is_valid as is_nhs_number
from harness.domains.spine.realistic import nhs_numbers, realistic_strategies
from harness.generation.cases import generate_templates
from harness.generation.drawing import draw_examples
from harness.record.interface import split_by_service
from tests.books_app import OPENAPI

PDS_LIKE = {
    "openapi": "3.0.3",
    "info": {"title": "t", "version": "1"},
    "paths": {
        "/FHIR/R4/Patient": {
            "get": {"operationId": "searchPatients", "tags": ["pds"], "responses": {"200": {}}}
        },
        "/FHIR/R4/Patient/{id}": {
            "get": {
                "operationId": "getPatient",
                "tags": ["pds"],
                "parameters": [{"$ref": "#/components/parameters/Id"}],
                "responses": {"200": {}},
            }
        },
        "/Device": {"get": {"operationId": "searchDevices", "tags": ["sds"], "responses": {}}},
    },
    "components": {
        "parameters": {
            "Id": {
                "name": "id",
                "in": "path",
                "required": True,
                "schema": {"$ref": "#/components/schemas/Nhs"},
            }
        },
        "schemas": {"Nhs": {"type": "string"}, "Unused": {"type": "integer"}},
    },
}


def test_same_seed_same_requests_and_n_means_n() -> None:
    first = generate_templates(OPENAPI, 6, seed=4)
    again = generate_templates(OPENAPI, 6, seed=4)
    assert first == again
    assert len(first) == 6  # getBook has no invalid input: other slots make up for it
    assert generate_templates(OPENAPI, 2, seed=5) != first[:2]  # createBook, another seed
    assert {case.mode for case in first} == {"positive", "negative"}
    assert len({case.id for case in first}) == 6
    for case in first:
        text = orjson.dumps(case.template.to_dict()).decode()
        assert "{{" not in text.replace("{{$uuid}}", "")
        assert not any(h[0].lower() in ("authorization", "cookie") for h in case.template.headers)
        assert case.service == "books"


def test_realistic_strategies_give_valid_nhs_numbers_and_uk_searches() -> None:
    numbers = draw_examples(nhs_numbers(), 30, seed=1)
    assert all(is_nhs_number(n) and n.startswith("9") for n in numbers)
    strategies = realistic_strategies(PDS_LIKE)
    assert set(strategies) == {"searchPatients", "getPatient"}
    searches = draw_examples(strategies["searchPatients"], 20, seed=2)
    assert all(dict(s["query"]).get("family") for s in searches)
    assert all(["X-Request-ID", "{{$uuid}}"] in s["headers"] for s in searches)
    reads = draw_examples(strategies["getPatient"], 5, seed=2)
    assert all(is_nhs_number(r["path"].rsplit("/", 1)[1]) for r in reads)


def test_interface_split_keeps_referenced_components_only() -> None:
    parts = split_by_service(PDS_LIKE)
    assert set(parts) == {"pds", "sds"}
    assert set(parts["pds"]["paths"]) == {"/FHIR/R4/Patient", "/FHIR/R4/Patient/{id}"}
    assert parts["pds"]["components"] == {
        "parameters": PDS_LIKE["components"]["parameters"],
        "schemas": {"Nhs": {"type": "string"}},
    }
    assert "components" not in parts["sds"]
