"""`/openapi.json` describes the MHS from the directory: its addresses, actions and answers."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from harness.core.exchange import Request
from harness.core.operations import OperationIndex
from harness.simulator.mhs.interactions import INTERACTIONS
from harness.simulator.mhs.reliability import spine_handler
from harness.simulator.sds import directory_of
from tests.integration.mhs.conftest import Spine

pytestmark = pytest.mark.integration


def test_every_interaction_is_an_operation_at_its_sds_address(spine: Spine) -> None:
    document = spine.http.get("/openapi.json").json()
    index = OperationIndex.from_openapi(document)
    directory = directory_of(spine.context)
    assert "mhs" in {tag["name"] for tag in document["tags"]}
    for interaction in INTERACTIONS:
        path = urlsplit(spine_handler(directory, interaction.interaction_id).addresses[0]).path
        operation = document["paths"][path]["post"]
        assert operation["tags"] == ["mhs"]
        assert operation["x-soap-actions"][interaction.soap_action] == interaction.operation_id
        request = Request("POST", path, (), (("SOAPAction", interaction.soap_action),), b"")
        matched = index.match(request)
        assert matched is not None and matched.id == interaction.operation_id
        assert matched.service == "mhs"


def test_every_documented_address_answers_as_documented(spine: Spine) -> None:
    document = spine.http.get("/openapi.json").json()
    for path, item in document["paths"].items():
        operation = item.get("post", {})
        if operation.get("tags") != ["mhs"]:
            continue
        action = next(iter(operation["x-soap-actions"]))
        answer = spine.http.post(path, content=b"garbage", headers={"SOAPAction": action})
        assert str(answer.status_code) in operation["responses"], (path, answer.status_code)
        assert answer.headers["content-type"].startswith("text/xml")
