"""The contract-backed mocks with real httpx clients: a respx router, and `harness mock serve`
over a real socket. The contracts are recorded from the simulator (GET, PATCH, GET again: two
identical reads with different recorded answers), then written with `write_contract`."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from harness.contracts import write_contract
from harness.core.exchange import Exchange, Request, Response
from harness.mock import UnmatchedRequest, router_from_contracts
from harness.serving import serve_in_thread, spawn_harness_server
from harness.simulator.app import build_app
from harness.simulator.context import SimulatorConfig

pytestmark = pytest.mark.integration

BASE = "/personal-demographics/FHIR/R4"
PATIENT = f"{BASE}/Patient/9000000009"
SEARCH = {"family": "Smith", "birthdate": "eq2010-10-22"}
MOCK = "http://spine.test"


def recorded(
    client: httpx.Client, ident: str, operation: str, method: str, path: str, **kwargs: object
) -> Exchange:
    headers = {"X-Request-ID": str(uuid.uuid4()), "NHSD-Session-URID": "555021935107"}
    headers.update(kwargs.pop("headers", {}))  # type: ignore[arg-type]
    answer = client.request(method, path, headers=headers, **kwargs)  # type: ignore[arg-type]
    sent = answer.request
    return Exchange(
        id=ident,
        service="pds",
        operation=operation,
        request=Request(
            method,
            sent.url.path,
            tuple(sent.url.params.multi_items()),
            tuple(sent.headers.multi_items()),
            sent.content,
        ),
        response=Response(answer.status_code, tuple(answer.headers.multi_items()), answer.content),
    )


@pytest.fixture(scope="module")
def contracts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("mock-contracts")
    with (
        serve_in_thread(build_app(SimulatorConfig(population=500))) as simulator,
        httpx.Client(base_url=simulator.url) as client,
    ):
        first = recorded(client, "pds-0001", "getPatient", "GET", PATIENT)
        etag = first.response.header("etag") or ""
        gender = "male" if json.loads(first.response.body)["gender"] == "female" else "female"
        patch = {"patches": [{"op": "replace", "path": "/gender", "value": gender}]}
        update = recorded(
            client,
            "pds-0002",
            "updatePatient",
            "PATCH",
            PATIENT,
            headers={"If-Match": etag, "Content-Type": "application/json-patch+json"},
            content=json.dumps(patch).encode(),
        )
        again = recorded(client, "pds-0003", "getPatient", "GET", PATIENT)
        search = recorded(
            client, "pds-0004", "searchPatients", "GET", f"{BASE}/Patient", params=SEARCH
        )
    assert update.response.status == 200, update.response.body
    assert first.response.header("etag") != again.response.header("etag")
    write_contract(
        root / "pds",
        service="pds",
        openapi={"openapi": "3.0.3", "paths": {}},
        exchanges=[first, update, again, search],
        noise=[],
        provenance={"target": simulator.url, "seed": 0, "command": "tests/plugin/test_mocks.py"},
    )
    return root


def etag_of(response: httpx.Response) -> str | None:
    return response.headers.get("etag")


def test_respx_router_answers_identical_requests_in_recorded_order(contracts: Path) -> None:
    with router_from_contracts(contracts, base_url=MOCK), httpx.Client(base_url=MOCK) as client:
        first, second, third = (client.get(PATIENT) for _ in range(3))
        assert etag_of(first) != etag_of(second)
        assert etag_of(second) == etag_of(third)  # the last recorded answer repeats
        assert first.json()["gender"] != second.json()["gender"]
        reordered = client.get(f"{BASE}/Patient", params=dict(reversed(SEARCH.items())))
        assert reordered.status_code == 200


def test_respx_router_matches_exactly_and_names_the_closest_exchange(contracts: Path) -> None:
    with router_from_contracts(contracts, base_url=MOCK), httpx.Client(base_url=MOCK) as client:
        with pytest.raises(UnmatchedRequest) as miss:
            client.get(f"{BASE}/Patient", params={**SEARCH, "family": "Smyth"})
        message = str(miss.value)
        assert "closest is pds-0004 (pds.searchPatients" in message
        assert "query (sent family=Smyth; recorded family=Smith)" in message
        with pytest.raises(UnmatchedRequest, match=r"closest is pds-0002 .*differs in body"):
            client.patch(
                PATIENT,
                headers={"Content-Type": "application/json-patch+json"},
                content=b'{"patches": [{"op": "replace", "path": "/gender", "value": "unknown"}]}',
            )


@pytest.fixture(scope="module")
def mock_server(contracts: Path) -> Iterator[str]:
    with spawn_harness_server(["mock", "serve", "--contracts", str(contracts)]) as server:
        yield server.url


def test_mock_serve_answers_over_a_real_socket_in_recorded_order(mock_server: str) -> None:
    with httpx.Client(base_url=mock_server) as client:
        client.post("/__harness/reset")
        first, second = client.get(PATIENT), client.get(PATIENT)
        assert first.status_code == second.status_code == 200
        assert first.headers["x-harness-mock"] == "hit"
        assert first.json()["id"] == "9000000009"
        assert etag_of(first) != etag_of(second)
        client.post("/__harness/reset")
        assert etag_of(client.get(PATIENT)) == etag_of(first)


def test_mock_serve_finds_the_contracts_harness_toml_names(contracts: Path, tmp_path: Path) -> None:
    (tmp_path / "harness.toml").write_text(f"contracts = {str(contracts)!r}\n")
    with spawn_harness_server(["mock", "serve"], cwd=tmp_path) as server:
        assert httpx.get(f"{server.url}{PATIENT}").headers["x-harness-mock"] == "hit"


def test_mock_serve_explains_an_unmatched_request(mock_server: str) -> None:
    answer = httpx.get(f"{mock_server}{BASE}/Patient", params={**SEARCH, "family": "Smyth"})
    assert answer.status_code == 501
    assert answer.headers["x-harness-mock"] == "miss"
    assert "closest is pds-0004" in answer.text
    assert "family=Smyth" in answer.text
