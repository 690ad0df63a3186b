"""`/openapi.json` describes MESH as it behaves: tag, operation ids, and answers that validate."""

from __future__ import annotations

import re
from typing import Any

import httpx
import jsonschema
import pytest
from schemathesis.generation.modes import GenerationMode

from harness.core.exchange import Request
from harness.core.operations import OperationIndex
from tests.integration.mesh.conftest import V2, Send, Simulator
from tests.integration.schemathesis_support import call_generated_cases, published_schema

pytestmark = pytest.mark.integration


def document(http: httpx.Client) -> dict[str, Any]:
    spec: dict[str, Any] = http.get("/openapi.json").json()
    return spec


def resolve(schema: dict[str, Any], spec: dict[str, Any]) -> dict[str, Any]:
    """The schema with its `$ref`s replaced, for jsonschema."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return resolve(spec["components"]["schemas"][name], spec)
    return {
        key: (
            resolve(value, spec)
            if isinstance(value, dict)
            else [resolve(v, spec) if isinstance(v, dict) else v for v in value]
            if isinstance(value, list)
            else value
        )
        for key, value in schema.items()
    }


def test_mesh_operations_are_their_own_service(http: httpx.Client) -> None:
    spec = document(http)
    operations = [op for op in OperationIndex.from_openapi(spec).operations if op.service == "mesh"]
    assert {op.id for op in operations} == {
        "meshPing", "meshLookupEndpoint", "meshSearchWorkflow", "meshHandshake",
        "meshCountInbox", "meshListInbox", "meshDownloadMessage", "meshHeadMessage",
        "meshDownloadChunk", "meshAcknowledgeMessage", "meshSendMessage", "meshSendChunk",
        "meshTrackMessage",
    }  # fmt: skip
    assert {tag["name"] for tag in spec["tags"]} >= {"mesh"}
    assert all(op.path.startswith("/messageexchange") for op in operations)


def test_every_documented_operation_is_served(simulator: Simulator, http: httpx.Client) -> None:
    """A request shaped by each path reaches its handler (never the router's 404/405)."""
    spec = document(http)
    index = OperationIndex.from_openapi(spec)
    for operation in index.operations:
        if operation.service != "mesh":
            continue
        path = re.sub(r"\{chunk_number\}", "2", operation.path)
        path = re.sub(r"\{[^}]+\}", "X26ABC1", path)
        answer = http.request(
            operation.method, path, headers=simulator.headers("X26ABC1"), content=b"x"
        )
        matched = index.match(Request(operation.method, path, (), (), b""))
        assert matched is not None and matched.id == operation.id
        assert answer.status_code not in (405, 500), (operation.id, answer.status_code)
        if answer.status_code == 404 and operation.method != "HEAD":  # the service's own 404
            assert answer.json()["detail"][0]["code"] == "20", operation.id


def test_answers_validate_against_the_documented_schemas(
    simulator: Simulator, http: httpx.Client, send: Send
) -> None:
    spec = document(http)
    sent = send("X26ABC1", "X26ABC2")
    message_id = sent.json()["message_id"]
    exchanges = [
        ("/messageexchange/{mailbox_id}/outbox", "post", sent),
        ("/messageexchange/{mailbox_id}/outbox", "post", send("X26ABC1", "NOBODY")),
        (
            "/messageexchange/{mailbox_id}/inbox",
            "get",
            http.get("/messageexchange/X26ABC2/inbox", headers=simulator.headers("X26ABC2", 1)),
        ),
        (
            "/messageexchange/{mailbox_id}/inbox",
            "get",
            http.get("/messageexchange/X26ABC2/inbox", headers=simulator.headers("X26ABC2")),
        ),
        (
            "/messageexchange/{mailbox_id}/outbox/tracking",
            "get",
            http.get(
                "/messageexchange/X26ABC1/outbox/tracking",
                params={"messageID": message_id},
                headers=simulator.headers("X26ABC1", 1),
            ),
        ),
        (
            "/messageexchange/{mailbox_id}/count",
            "get",
            http.get("/messageexchange/X26ABC2/count", headers=simulator.headers("X26ABC2", 1)),
        ),
        (
            "/messageexchange/endpointlookup/{ods_code}/{workflow_id}",
            "get",
            http.get("/messageexchange/endpointlookup/X26/TEST_WORKFLOW", headers={"Accept": V2}),
        ),
    ]
    for path, method, answer in exchanges:
        documented = spec["paths"][path][method]["responses"][str(answer.status_code)]
        media_type = answer.headers["content-type"].split(";")[0]
        schema = resolve(documented["content"][media_type]["schema"], spec)
        jsonschema.validate(answer.json(), schema)


@pytest.mark.parametrize(
    "path",
    [
        "/messageexchange/endpointlookup/{ods_code}/{workflow_id}",
        "/messageexchange/workflowsearch/{workflow_id}",
    ],
)
def test_lookups_conform_to_generated_traffic(simulator: Simulator, path: str) -> None:
    """Any ODS code and workflow id is a valid search (no negative case can be built)."""
    operation = published_schema(simulator.url)[path]["GET"]
    statuses = call_generated_cases(
        operation, simulator.url, GenerationMode.POSITIVE, max_examples=25
    )
    assert set(statuses) == {200}
