"""SDS over a real socket: Device and Endpoint searches, tracking headers, and every error."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from lxml import etree

from harness.simulator.sds.fixture import load_fixture, population_practices, practice_records

pytestmark = [pytest.mark.integration, pytest.mark.sds]

BASE = "/spine-directory/FHIR/R4"
PUBLIC = "https://int.api.service.nhs.uk/spine-directory/FHIR/R4"
ODS = "https://fhir.nhs.uk/Id/ods-organization-code"
SERVICE = "https://fhir.nhs.uk/Id/nhsServiceInteractionId"
PARTY = "https://fhir.nhs.uk/Id/nhsMhsPartyKey"
ASID = "https://fhir.nhs.uk/Id/nhsSpineASID"
REPC = "urn:nhs:names:services:psis:REPC_IN150016UK05"
PDS_SYNC = "urn:nhs:names:services:pdsquery:QUPA_IN040000UK32"
GP2GP = "urn:nhs:names:services:gp2gp:RCMR_IN010000UK05"
RELIABILITY = "https://fhir.nhs.uk/StructureDefinition/Extension-SDS-ReliabilityConfiguration"


def search(client: httpx.Client, resource: str, *query: tuple[str, str], **headers: str) -> Any:
    return client.get(f"{BASE}/{resource}", params=query, headers=headers)


def org(code: str) -> tuple[str, str]:
    return ("organization", f"{ODS}|{code}")


def service(interaction: str) -> tuple[str, str]:
    return ("identifier", f"{SERVICE}|{interaction}")


def party(key: str) -> tuple[str, str]:
    return ("identifier", f"{PARTY}|{key}")


def identifiers(resource: dict[str, Any]) -> dict[str, str]:
    return {item["system"]: item["value"] for item in resource["identifier"]}


def reliability(resource: dict[str, Any]) -> dict[str, Any]:
    extension = next(e for e in resource["extension"] if e["url"] == RELIABILITY)
    return {
        item["url"]: item.get("valueString", item.get("valueInteger"))
        for item in extension["extension"]
    }


@pytest.fixture(scope="module")
def practice() -> tuple[str, Any, Any]:
    """A GP practice of the PDS population and the records the directory must hold for it."""
    ods = population_practices(0)[5]
    systems, handlers = practice_records(0, ods, load_fixture())
    return ods, systems, handlers


def test_device_for_a_population_practice(client: httpx.Client, practice: Any) -> None:
    ods, systems, _ = practice
    response = search(client, "Device", org(ods), service(GP2GP))
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/fhir+json"
    bundle = response.json()
    assert bundle["resourceType"] == "Bundle" and bundle["type"] == "searchset"
    assert bundle["total"] == 1 == len(bundle["entry"])
    entry = bundle["entry"][0]
    device = entry["resource"]
    assert entry["fullUrl"] == f"{PUBLIC}/Device/{device['id']}"
    assert entry["search"] == {"mode": "match"}
    assert identifiers(device) == {ASID: systems[0].asid, PARTY: systems[0].party_key}
    assert device["owner"]["identifier"] == {"system": ODS, "value": ods}
    assert bundle["link"] == [
        {
            "relation": "self",
            "url": f"{PUBLIC}/Device?organization={ODS}|{ods}&identifier={SERVICE}|{GP2GP}",
        }
    ]


def test_device_filters(client: httpx.Client, practice: Any) -> None:
    ods, systems, _ = practice
    main = systems[0]
    matched = search(client, "Device", org(ods), service(GP2GP), party(main.party_key))
    assert matched.json()["total"] == 1
    other = search(client, "Device", org(ods), service(GP2GP), party(f"{ods}-000001"))
    assert other.json() == {**other.json(), "total": 0, "entry": []}
    maker = ("manufacturing-organization", f"{ODS}|{main.manufacturer}")
    assert search(client, "Device", org(ods), service(GP2GP), maker).json()["total"] == 1
    nobody = ("manufacturing-organization", f"{ODS}|NOPE1")
    assert search(client, "Device", org(ods), service(GP2GP), nobody).json()["total"] == 0
    assert search(client, "Device", org(ods.lower()), service(GP2GP)).json()["total"] == 1


def test_spine_core_device(client: httpx.Client) -> None:
    bundle = search(client, "Device", org("YES"), service(REPC)).json()
    assert identifiers(bundle["entry"][0]["resource"]) == {
        ASID: "928942012545",
        PARTY: "YES-0000806",
    }


def test_unknown_organisation_is_an_empty_bundle(client: httpx.Client) -> None:
    response = search(client, "Device", org("ZZZ99"), service(REPC))
    assert response.status_code == 200
    assert response.json()["total"] == 0 and response.json()["entry"] == []


def test_endpoint_reliable_messaging(client: httpx.Client) -> None:
    bundle = search(client, "Endpoint", org("YES"), service(REPC)).json()
    assert bundle["total"] == 1
    endpoint = bundle["entry"][0]["resource"]
    assert endpoint["address"] == (
        "https://msg.int.spine2.ncrs.nhs.uk/reliablemessaging/reliablerequest"
    )
    assert endpoint["status"] == "active"
    assert endpoint["managingOrganization"]["identifier"]["value"] == "YES"
    ids = identifiers(endpoint)
    assert ids["https://fhir.nhs.uk/Id/nhsMhsPartyKey"] == "YES-0000806"
    assert ids["https://fhir.nhs.uk/Id/nhsMhsFQDN"] == "msg.int.spine2.ncrs.nhs.uk"
    assert ids["https://fhir.nhs.uk/Id/nhsMhsCPAId"] == ids["https://fhir.nhs.uk/Id/nhsMHSId"]
    assert reliability(endpoint) == {
        "nhsMHSSyncReplyMode": "MSHSignalsOnly",
        "nhsMHSRetryInterval": "PT1M",
        "nhsMHSRetries": 2,
        "nhsMHSPersistDuration": "PT5M",
        "nhsMHSDuplicateElimination": "always",
        "nhsMHSAckRequested": "always",
        "nhsMHSActor": "urn:oasis:names:tc:ebxml-msg:actor:toPartyMSH",
    }


def test_endpoint_sync_interaction_has_no_retries(client: httpx.Client) -> None:
    bundle = search(client, "Endpoint", service(PDS_SYNC), party("YES-0000806")).json()
    settings = reliability(bundle["entry"][0]["resource"])
    assert settings["nhsMHSSyncReplyMode"] == "None"
    assert "nhsMHSRetries" not in settings and "nhsMHSPersistDuration" not in settings
    assert bundle["entry"][0]["resource"]["address"].endswith("/sync-service")


def test_endpoints_of_a_practice(client: httpx.Client, practice: Any) -> None:
    ods, systems, handlers = practice
    key = systems[0].party_key
    bundle = search(client, "Endpoint", org(ods), party(key)).json()
    expected = [h for h in handlers if h.party_key == key]
    assert bundle["total"] == len(expected) >= 5
    addresses = {entry["resource"]["address"] for entry in bundle["entry"]}
    assert addresses == {address for h in expected for address in h.addresses}
    gp2gp = search(client, "Endpoint", org(ods), service(GP2GP)).json()["entry"][0]["resource"]
    assert reliability(gp2gp)["nhsMHSRetryInterval"] == "PT2H"


def test_repeated_identifier_last_wins(client: httpx.Client) -> None:
    bundle = search(client, "Endpoint", org("YES"), service(GP2GP), service(REPC)).json()
    assert bundle["total"] == 1


def test_tracking_headers(client: httpx.Client) -> None:
    correlation, request_id = str(uuid.uuid4()), str(uuid.uuid4())
    response = search(
        client,
        "Endpoint",
        org("YES"),
        service(REPC),
        **{"X-Correlation-ID": correlation, "X-Request-ID": request_id},
    )
    assert response.headers["x-correlation-id"] == correlation
    assert response.headers["x-request-id"] == request_id
    generated = search(client, "Endpoint", org("YES"), service(REPC))
    assert uuid.UUID(generated.headers["x-correlation-id"])
    assert "x-request-id" not in generated.headers
    bad = search(client, "Endpoint", org("YES"), service(REPC), **{"X-Correlation-ID": "nope"})
    assert bad.status_code == 400
    assert "Invalid X-Correlation-ID" in bad.json()["issue"][0]["diagnostics"]
    assert bad.json()["id"] == bad.headers["x-correlation-id"] != "nope"


def test_json_media_types(client: httpx.Client) -> None:
    response = search(client, "Device", org("YES"), service(REPC), Accept="application/json")
    assert response.headers["content-type"] == "application/json"


def outcome(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/fhir+json"
    body: dict[str, Any] = response.json()
    assert body["resourceType"] == "OperationOutcome"
    assert body["id"] == response.headers["x-correlation-id"]
    issue: dict[str, Any] = body["issue"][0]
    return issue


@pytest.mark.parametrize(
    ("resource", "query", "words"),
    [
        ("Device", [service(REPC)], "Missing or invalid 'organization' query parameter"),
        ("Device", [org("YES")], "Missing or invalid 'identifier' query parameter"),
        ("Device", [org("YES"), ("identifier", "REPC")], "Should be one or both of"),
        ("Device", [org("YES"), service(REPC), ("x", "1")], "Illegal query parameter 'x'"),
        ("Device", [("organization", "YES"), service(REPC)], "'organization=https://fhir"),
        (
            "Device",
            [org("YES"), service(REPC), ("manufacturing-organization", "X")],
            "'manufacturing-organization'",
        ),
        ("Endpoint", [org("YES")], "Should one of following combinations"),
        ("Endpoint", [service(REPC)], "Should one of following combinations"),
        ("Endpoint", [], "Should one of following combinations"),
    ],
)
def test_bad_requests(client: httpx.Client, resource: str, query: list[Any], words: str) -> None:
    issue = outcome(search(client, resource, *query), 400)
    assert issue["code"] == "required"
    assert issue["details"]["coding"][0]["code"] == "BAD_REQUEST"
    assert words in issue["diagnostics"]


def test_fhir_xml(client: httpx.Client) -> None:
    query = (org("YES"), service(REPC))
    json = search(client, "Endpoint", *query).json()
    response = search(client, "Endpoint", *query, Accept="application/fhir+xml")
    assert response.headers["content-type"] == "application/fhir+xml; charset=utf-8"
    root = etree.fromstring(response.content)
    fhir = {"f": "http://hl7.org/fhir"}
    assert root.tag == "{http://hl7.org/fhir}Bundle"
    assert root.find("f:total", fhir).get("value") == str(json["total"])
    endpoint = root.find("f:entry/f:resource/f:Endpoint", fhir)
    assert endpoint.find("f:address", fhir).get("value") == json["entry"][0]["resource"]["address"]
    children = [etree.QName(child).localname for child in endpoint]
    assert children.index("extension") < children.index("identifier") < children.index("address")
    retries = endpoint.find("f:extension/f:extension[@url='nhsMHSRetries']/f:valueInteger", fhir)
    assert retries.get("value") == "2"


def test_not_acceptable(client: httpx.Client) -> None:
    response = search(client, "Device", org("YES"), service(REPC), Accept="text/html")
    issue = outcome(response, 406)
    assert issue["details"]["coding"][0]["code"] == "MISSING_OR_INVALID_HEADER"


def test_method_not_allowed(client: httpx.Client) -> None:
    response = client.post(f"{BASE}/Endpoint", content=b"{}")
    issue = outcome(response, 405)
    assert response.headers["allow"] == "GET"
    assert issue["code"] == "not-supported"


@pytest.mark.parametrize("path", ["/Organization", "/Device/123", "/Endpoint/x/y"])
def test_unknown_paths(client: httpx.Client, path: str) -> None:
    issue = outcome(client.get(BASE + path), 404)
    assert issue["code"] == "not-found" and issue["diagnostics"] == "HTTP endpoint not found"
