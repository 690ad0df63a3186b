"""The SMSP part of the OpenAPI document."""

from __future__ import annotations

from harness.simulator.smsp.envelope import find_payload, parse_envelope
from harness.simulator.smsp.openapi import SMSP_PATH, openapi_paths
from harness.simulator.smsp.operations import OPERATIONS_BY_ACTION


def test_one_post_operation_with_soap_actions() -> None:
    paths = openapi_paths()
    assert list(paths) == [SMSP_PATH] == ["/smsp/pds"]
    operation = paths[SMSP_PATH]["post"]
    assert operation["tags"] == ["pds"]
    actions = operation["x-soap-actions"]
    assert actions == {action: op.operation_id for action, op in OPERATIONS_BY_ACTION.items()}
    assert sorted(actions.values()) == [
        "getNHSNumber",
        "getPatientDetailsByNHSNumber",
        "getPatientDetailsBySearch",
        "verifyNHSNumber",
    ]
    (header,) = operation["parameters"]
    assert header["name"] == "SOAPAction" and header["in"] == "header" and header["required"]
    assert header["schema"]["enum"] == list(actions)
    assert set(operation["responses"]) == {"200", "400"}
    for response in operation["responses"].values():
        assert response["content"] == {"text/xml": {"schema": {"type": "string"}}}


def test_examples_are_valid_envelopes_for_their_operation() -> None:
    content = openapi_paths()[SMSP_PATH]["post"]["requestBody"]["content"]["text/xml"]
    assert content["schema"] == {"type": "string"}
    for operation in OPERATIONS_BY_ACTION.values():
        example = content["examples"][operation.operation_id]["value"]
        request = parse_envelope(example.encode())
        assert request.addressing.action == operation.action
        assert find_payload(request.body, operation.request_element) is not None


def test_document_is_deterministic() -> None:
    assert openapi_paths() == openapi_paths()
