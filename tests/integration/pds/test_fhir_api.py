"""The PDS FHIR face over a real socket: every operation and every error path."""

from __future__ import annotations

import copy
import uuid
from typing import Any

import httpx
import orjson
import pytest

from harness.simulator.population import sandbox as special
from tests.integration.pds.conftest import headers

pytestmark = [pytest.mark.integration, pytest.mark.pds]


def code_of(response: httpx.Response) -> str:
    body = response.json()
    assert body["resourceType"] == "OperationOutcome", body
    coding = body["issue"][0]["details"]["coding"][0]
    assert coding["system"] == "https://fhir.nhs.uk/R4/CodeSystem/Spine-ErrorOrWarningCode"
    assert coding["version"] == "1"
    return str(coding["code"])


# -- headers -----------------------------------------------------------------------------------


def test_request_and_correlation_ids_are_echoed(client: httpx.Client) -> None:
    sent = headers(**{"X-Correlation-ID": "trace-123"})
    response = client.get(f"/Patient/{special.JANE_SMITH}", headers=sent)
    assert response.status_code == 200
    assert response.headers["x-request-id"] == sent["X-Request-ID"]
    assert response.headers["x-correlation-id"] == "trace-123"
    assert response.headers["content-type"].startswith("application/fhir+json")


@pytest.mark.parametrize(
    ("request_id", "code"), [(None, "MISSING_VALUE"), ("1234", "INVALID_VALUE")]
)
@pytest.mark.parametrize(
    "path", [f"/Patient/{special.JANE_SMITH}", "/Patient?family=Smith", "/Patient/x/RelatedPerson"]
)
def test_request_id_is_required_and_a_uuid(
    client: httpx.Client, path: str, request_id: str | None, code: str
) -> None:
    sent = {} if request_id is None else {"X-Request-ID": request_id}
    response = client.get(path, headers=sent)
    assert (response.status_code, code_of(response)) == (400, code)


def test_repeated_request_id_returns_the_stored_response(client: httpx.Client) -> None:
    sent = headers()
    query = "/Patient?family=Smith&gender=female&birthdate=eq2010-10-22"
    first = client.get(query, headers=sent)
    again = client.get(query, headers=sent)
    fresh = client.get(query, headers=headers())
    assert first.status_code == 200 and again.content == first.content
    assert first.json()["timestamp"] == again.json()["timestamp"]
    assert fresh.json()["entry"] == first.json()["entry"]


# -- GET /Patient/{id} -------------------------------------------------------------------------


def test_get_patient(client: httpx.Client) -> None:
    response = client.get(f"/Patient/{special.JANE_SMITH}", headers=headers())
    patient = response.json()
    assert response.status_code == 200 and patient["id"] == special.JANE_SMITH
    assert response.headers["etag"] == f'W/"{patient["meta"]["versionId"]}"'
    assert response.headers["server"]


@pytest.mark.parametrize(
    ("number", "status", "code"),
    [
        (special.INVALID, 400, "INVALID_RESOURCE_ID"),
        ("12345", 400, "INVALID_RESOURCE_ID"),
        ("not-a-number", 400, "INVALID_RESOURCE_ID"),
        (special.NOT_FOUND, 404, "RESOURCE_NOT_FOUND"),
        (special.INVALIDATED, 404, "INVALIDATED_RESOURCE"),
    ],
)
def test_get_patient_errors(client: httpx.Client, number: str, status: int, code: str) -> None:
    response = client.get(f"/Patient/{number}", headers=headers())
    assert (response.status_code, code_of(response)) == (status, code)


def test_missing_nhs_number(client: httpx.Client) -> None:
    response = client.get("/Patient/", headers=headers())
    assert (response.status_code, code_of(response)) == (400, "UNSUPPORTED_SERVICE")


def test_superseded_and_restricted_patients(client: httpx.Client) -> None:
    replaced = client.get(f"/Patient/{special.SUPERSEDED}", headers=headers()).json()
    assert replaced["id"] == special.SUPERSEDING
    restricted = client.get(f"/Patient/{special.RESTRICTED}", headers=headers()).json()
    assert restricted["meta"]["security"][0]["code"] == "R"
    assert not {"address", "telecom", "generalPractitioner"} & set(restricted)
    minimal = client.get(f"/Patient/{special.MINIMAL}", headers=headers()).json()
    assert set(minimal) == {"resourceType", "id", "identifier", "meta"}


# -- GET /Patient (search) ---------------------------------------------------------------------


def search(client: httpx.Client, query: str, worker: bool = True) -> httpx.Response:
    return client.get(f"/Patient?{query}", headers=headers(worker))


def test_search_bundle(client: httpx.Client) -> None:
    response = search(client, "family=Sm%2A&gender=female&birthdate=eq2010-10-22")
    bundle = response.json()
    assert response.status_code == 200
    assert (bundle["resourceType"], bundle["type"], bundle["total"]) == ("Bundle", "searchset", 2)
    assert bundle["timestamp"].endswith("+00:00")
    entry = bundle["entry"][0]
    assert entry["fullUrl"].endswith(f"/Patient/{special.JANE_SMITH}")
    assert entry["search"]["score"] == 0.965


def test_search_range_given_and_max_results(client: httpx.Client) -> None:
    ranged = search(
        client, "family=Smith&gender=female&birthdate=ge2010-10-21&birthdate=le2010-10-23"
    )
    assert [e["resource"]["id"] for e in ranged.json()["entry"]] == [special.JANE_SMITH]
    compound = search(
        client, "family=Smith&given=John%20Paul&given=James&gender=male&birthdate=eq2010-10-22"
    )
    assert compound.json()["entry"][0]["search"]["score"] == 1
    limited = search(client, "family=Sm*&gender=female&birthdate=eq2010-10-22&_max-results=1")
    assert code_of(limited) == "TOO_MANY_MATCHES" and limited.status_code == 200


def test_search_options(client: httpx.Client) -> None:
    fuzzy = search(client, "family=Smith&given=John&birthdate=eq1980-05-12&_fuzzy-match=true")
    assert fuzzy.json()["total"] == 6
    exact = search(
        client, "family=Smith&given=John&birthdate=eq1980-05-12&_fuzzy-match=true&_exact-match=true"
    )
    assert exact.json()["total"] == 2
    history = search(client, "family=Godsoe&birthdate=eq1971-08-30&_history=true")
    assert history.json()["entry"][0]["resource"]["id"] == special.MULTI_ADDRESS
    gp = search(client, "family=Smith&birthdate=eq2010-10-22&general-practitioner=Y12345")
    assert gp.json()["total"] == 2
    dead = search(client, "family=Smith&birthdate=eq2010-10-22&death-date=eq2010-10-22")
    assert dead.json()["total"] == 2
    postcode = search(client, "family=Smythe&birthdate=eq2005-06-16&address-postalcode=LS1%206AE")
    assert postcode.json()["total"] == 0  # restricted patients never found by postcode
    by_name = search(client, "family=Smythe&birthdate=eq2005-06-16")
    assert "address" not in by_name.json()["entry"][0]["resource"]


def test_too_many_matches_and_access_limits(client: httpx.Client) -> None:
    crowd = search(client, "family=Smith&birthdate=ge1980-01-01&birthdate=le1980-12-31")
    assert (crowd.status_code, code_of(crowd)) == (200, "TOO_MANY_MATCHES")
    pair = "family=Sm*&gender=female&birthdate=eq2010-10-22"
    assert search(client, pair).json()["total"] == 2
    assert code_of(search(client, pair, worker=False)) == "TOO_MANY_MATCHES"
    single = search(client, "family=Smith&gender=female&birthdate=eq2010-10-22", worker=False)
    assert single.json()["total"] == 1
    many = search(client, pair + "&_max-results=10", worker=False)
    assert (many.status_code, code_of(many)) == (403, "INVALID_VALUE")


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("", "UNSUPPORTED_SERVICE"),
        (
            "family=Sm*&gender=female&invalidParam=123&birthdate=eq2010-10-22",
            "ADDITIONAL_PROPERTIES",
        ),
        ("email=j.smith@example.com&phone=0163", "INVALID_SEARCH_DATA"),
        ("family=Smith&birthdate=2010-1022", "INVALID_SEARCH_DATA"),
        ("family=Smith&birthdate=eq2010-10-22&death-date=yesterday", "INVALID_SEARCH_DATA"),
        ("family=Smith", "INVALID_SEARCH_DATA"),
        ("family=S*&birthdate=eq2010-10-22", "INVALID_SEARCH_DATA"),
        ("family=Sm*&given=Jane&birthdate=eq2010-10-22&_fuzzy-match=true", "INVALID_SEARCH_DATA"),
        (
            "family=Smith&birthdate=eq2010-10-22&address-postcode=LS1&address-postalcode=LS1",
            "INVALID_SEARCH_DATA",
        ),
        ("family=Smith&family=Jones&birthdate=eq2010-10-22", "INVALID_SEARCH_DATA"),
        ("family=Smith&birthdate=eq2010-10-22&gender=mal", "INVALID_VALUE"),
        ("family=Smith&birthdate=eq2010-10-22&_max-results=0", "INVALID_VALUE"),
        ("family=Smith&birthdate=eq2010-10-22&_max-results=ten", "INVALID_VALUE"),
        ("family=Smith&birthdate=eq2010-10-22&_history=maybe", "INVALID_VALUE"),
    ],
)
def test_invalid_searches(client: httpx.Client, query: str, code: str) -> None:
    response = search(client, query)
    assert (response.status_code, code_of(response)) == (400, code)


# -- PATCH /Patient/{id} -----------------------------------------------------------------------


def patch(
    client: httpx.Client,
    number: str,
    body: Any,
    if_match: str | None,
    content_type: str = "application/json-patch+json",
    worker: bool = True,
) -> httpx.Response:
    sent = headers(worker, **{"Content-Type": content_type})
    if if_match is not None:
        sent["If-Match"] = if_match
    content = body if isinstance(body, bytes) else orjson.dumps(body)
    return client.patch(f"/Patient/{number}", content=content, headers=sent)


def gender_to(value: str) -> dict[str, Any]:
    return {"patches": [{"op": "replace", "path": "/gender", "value": value}]}


def test_patch_versions_persist(client: httpx.Client) -> None:
    number = special.MULTI_ADDRESS
    read = client.get(f"/Patient/{number}", headers=headers())
    etag = read.headers["etag"]
    updated = patch(client, number, gender_to("unknown"), etag)
    assert updated.status_code == 200 and updated.json()["gender"] == "unknown"
    version = int(read.json()["meta"]["versionId"]) + 1
    assert (
        updated.headers["etag"] == f'W/"{version}"' == f'W/"{updated.json()["meta"]["versionId"]}"'
    )
    again = client.get(f"/Patient/{number}", headers=headers())
    assert again.json()["gender"] == "unknown" and again.headers["etag"] == f'W/"{version}"'
    stale = patch(client, number, gender_to("female"), etag)
    assert (stale.status_code, code_of(stale)) == (409, "RESOURCE_VERSION_MISMATCH")


def test_retried_patch_is_not_applied_twice(client: httpx.Client) -> None:
    number = special.CREATE_SINGLE_MATCH
    etag = client.get(f"/Patient/{number}", headers=headers()).headers["etag"]
    sent = headers(**{"Content-Type": "application/json-patch+json", "If-Match": etag})
    body = orjson.dumps(gender_to("unknown"))
    first = client.patch(f"/Patient/{number}", content=body, headers=sent)
    retry = client.patch(f"/Patient/{number}", content=body, headers=sent)
    assert first.status_code == retry.status_code == 200
    assert retry.content == first.content


@pytest.mark.parametrize(
    ("if_match", "content_type", "body", "status", "code"),
    [
        (None, "application/json-patch+json", gender_to("male"), 412, "PRECONDITION_FAILED"),
        ('"2"', "application/json-patch+json", gender_to("male"), 412, "PRECONDITION_FAILED"),
        (
            'W/"1"',
            "application/json-patch+json",
            gender_to("male"),
            409,
            "RESOURCE_VERSION_MISMATCH",
        ),
        ('W/"2"', "application/json", gender_to("male"), 400, "INVALID_VALUE"),
        ('W/"2"', "application/json-patch+json", {"nopatches": []}, 400, "INVALID_UPDATE"),
        ('W/"2"', "application/json-patch+json", b"{not json", 400, "INVALID_UPDATE"),
        (
            'W/"2"',
            "application/json-patch+json",
            {"patches": [{"op": "jump", "path": "/x"}]},
            400,
            "INVALID_UPDATE",
        ),
        (
            'W/"2"',
            "application/json-patch+json",
            {"patches": [{"op": "add", "path": "/pets", "value": 1}]},
            400,
            "INVALID_UPDATE",
        ),
        ('W/"2"', "application/json-patch+json", gender_to("other"), 400, "UNSUPPORTED_VALUE"),
    ],
)
def test_patch_errors(
    client: httpx.Client, if_match: str | None, content_type: str, body: Any, status: int, code: str
) -> None:
    response = patch(client, special.JANE_SMITH, body, if_match, content_type)
    assert (response.status_code, code_of(response)) == (status, code)


@pytest.mark.parametrize(
    ("number", "status", "code"),
    [
        (special.INVALID, 400, "INVALID_RESOURCE_ID"),
        (special.NOT_FOUND, 404, "RESOURCE_NOT_FOUND"),
        (special.INVALIDATED, 404, "INVALIDATED_RESOURCE"),
        (special.RESTRICTED, 403, "FORBIDDEN_UPDATE"),
    ],
)
def test_patch_record_errors(client: httpx.Client, number: str, status: int, code: str) -> None:
    response = patch(client, number, gender_to("male"), 'W/"2"')
    assert (response.status_code, code_of(response)) == (status, code)


def test_patch_needs_healthcare_worker(client: httpx.Client) -> None:
    response = patch(client, special.JANE_SMITH, gender_to("male"), 'W/"2"', worker=False)
    assert response.status_code == 403


# -- POST /Patient -----------------------------------------------------------------------------

NEW = {
    "resourceType": "Patient",
    "name": [{"use": "usual", "given": ["Grace"], "family": "Hopper"}],
    "gender": "female",
    "birthDate": "1986-12-09",
    "address": [{"use": "home", "line": ["1 Trevelyan Square", "Leeds"], "postalCode": "LS1 6AE"}],
    "extension": [
        {
            "url": "https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-RegisteringAuthority",
            "extension": [{"url": "organisationIdentifier", "valueString": "RGS"}],
        }
    ],
}


def create(client: httpx.Client, body: Any, worker: bool = True) -> httpx.Response:
    content = body if isinstance(body, bytes) else orjson.dumps(body)
    sent = headers(worker, **{"Content-Type": "application/json"})
    return client.post("/Patient", content=content, headers=sent)


def test_create_then_read_then_single_match(client: httpx.Client) -> None:
    created = create(client, NEW)
    assert created.status_code == 201
    number = created.json()["id"]
    assert created.json()["meta"]["versionId"] == "1"
    read = client.get(f"/Patient/{number}", headers=headers())
    assert read.status_code == 200 and read.json()["name"][0]["family"] == "Hopper"
    again = create(client, NEW)
    assert (again.status_code, code_of(again)) == (200, "SINGLE_MATCH")
    assert number in again.json()["issue"][0]["diagnostics"]


def test_create_multiple_matches(client: httpx.Client) -> None:
    body = copy.deepcopy(NEW)
    body["name"] = [{"use": "usual", "given": ["Louisa"], "family": "McMatch-Multiple"}]
    body.update(birthDate="1982-07-10", address=[{"use": "home", "postalCode": "DN19 7UD"}])
    response = create(client, body)
    assert (response.status_code, code_of(response)) == (200, "MULTIPLE_MATCHES")


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b"[1,", "INVALID_CREATE"),
        ({**NEW, "pets": "cat"}, "ADDITIONAL_PROPERTIES"),
        ({**NEW, "extension": []}, "INVALID_CREATE"),
        ({**NEW, "name": []}, "TOO_FEW_VALUES_SUBMITTED"),
        ({**NEW, "birthDate": "09/12/1986"}, "INVALID_VALUE"),
        (["not", "an", "object"], "INVALID_CREATE"),
    ],
)
def test_create_errors(client: httpx.Client, body: Any, code: str) -> None:
    response = create(client, body)
    assert (response.status_code, code_of(response)) == (400, code)


def test_create_needs_healthcare_worker(client: httpx.Client) -> None:
    assert create(client, NEW, worker=False).status_code == 403


# -- GET /Patient/{id}/RelatedPerson -----------------------------------------------------------


def test_related_people(client: httpx.Client) -> None:
    bundle = client.get(f"/Patient/{special.JANE_SMITH}/RelatedPerson", headers=headers()).json()
    assert bundle["resourceType"] == "Bundle" and bundle["total"] == 2
    assert bundle["entry"][0]["fullUrl"].endswith(
        f"/Patient/{special.JANE_SMITH}/RelatedPerson/507B7621"
    )
    one = client.get(f"/Patient/{special.JAYNE_SMYTH}/RelatedPerson", headers=headers()).json()
    assert one["total"] == 1
    none = client.get(f"/Patient/{special.RESTRICTED}/RelatedPerson", headers=headers()).json()
    assert none["total"] == 0 and "entry" not in none


@pytest.mark.parametrize(
    ("number", "status", "code"),
    [
        (special.INVALID, 400, "INVALID_RESOURCE_ID"),
        (special.NOT_FOUND, 404, "RESOURCE_NOT_FOUND"),
        (special.INVALIDATED, 404, "INVALIDATED_RESOURCE"),
    ],
)
def test_related_people_errors(client: httpx.Client, number: str, status: int, code: str) -> None:
    response = client.get(f"/Patient/{number}/RelatedPerson", headers=headers())
    assert (response.status_code, code_of(response)) == (status, code)


def test_openapi_lists_the_pinned_operations(client: httpx.Client, simulator_url: str) -> None:
    document = httpx.get(f"{simulator_url}/openapi.json").json()
    ids = {
        operation["operationId"]
        for path, item in document["paths"].items()
        if path.startswith("/personal-demographics/")
        for operation in item.values()
    }
    assert ids == {
        "getPatient",
        "searchPatients",
        "updatePatient",
        "createPatient",
        "getRelatedPersons",
    }
    assert uuid.UUID(headers()["X-Request-ID"])
