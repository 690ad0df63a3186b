"""Plain spine2 answers every request with the same meaning as legacy, in different bytes."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

import httpx
import pytest

from harness.core.compare import compare
from harness.core.exchange import Response
from harness.core.rules import Rule
from harness.simulator.flavour import SPINE2_SERVER
from harness.simulator.population.sandbox import (
    INVALID,
    JANE_SMITH,
    MULTI_ADDRESS,
    NOT_FOUND,
    RESTRICTED,
    SUPERSEDED,
)
from harness.simulator.smsp import request_envelope
from tests.integration.candidate.meaning import meaning

pytestmark = [pytest.mark.integration]

PDS = "/personal-demographics/FHIR/R4"
SDS = "/spine-directory/FHIR/R4"
EPS = "/electronic-prescriptions/FHIR/R4"
ODS = "https://fhir.nhs.uk/Id/ods-organization-code"
SERVICE = "https://fhir.nhs.uk/Id/nhsServiceInteractionId"
PARTY = "https://fhir.nhs.uk/Id/nhsMhsPartyKey"
REPC = "urn:nhs:names:services:psis:REPC_IN150016UK05"
WORKER = {"NHSD-Session-URID": "555254242106"}
# What legitimately differs between two answers to one SOAP request: message ids and times.
SOAP_VOLATILE = (
    "/Envelope/Header/MessageID",
    "/Envelope/Header/Security/Timestamp",
    "/Envelope/Body/Fault/detail/ToolkitErrorInfo/ErrorID",
    "/Envelope/Body/*/id/@root",
    "/Envelope/Body/*/creationTime/@value",
)


@dataclass(frozen=True)
class Case:
    name: str
    method: str
    path: str
    query: tuple[tuple[str, str], ...] = ()
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None
    volatile: tuple[str, ...] = ()
    volatile_headers: tuple[str, ...] = ()


def fhir(name: str, path: str, *query: tuple[str, str], **headers: str) -> Case:
    request_id = str(uuid.uuid5(uuid.NAMESPACE_URL, name))
    return Case(name, "GET", PDS + path, query, {"X-Request-ID": request_id, **headers})


def soap(name: str, operation: str, **parameters: str) -> Case:
    return Case(
        name,
        "POST",
        "/smsp/pds",
        headers={
            "SOAPAction": f'"urn:nhs-itk:services:201005:{operation}-v1-0"',
            "Content-Type": "text/xml",
        },
        body=request_envelope(operation, message_id=name.upper(), payload_id=name, **parameters),
        volatile=SOAP_VOLATILE,
    )


def sds(name: str, resource: str, *query: tuple[str, str], correlate: bool = True) -> Case:
    """An SDS search; the Bundle id (and a generated correlation id) vary per answer."""
    headers = {"X-Correlation-ID": str(uuid.uuid5(uuid.NAMESPACE_URL, name))} if correlate else {}
    return Case(
        name,
        "GET",
        f"{SDS}/{resource}",
        query,
        headers,
        volatile=("/id",),
        volatile_headers=() if correlate else ("x-correlation-id",),
    )


CASES = [
    fhir("pds-read", f"/Patient/{JANE_SMITH}"),
    fhir("pds-read-worker", f"/Patient/{MULTI_ADDRESS}", **WORKER),
    fhir("pds-read-restricted", f"/Patient/{RESTRICTED}"),
    fhir("pds-read-superseded", f"/Patient/{SUPERSEDED}"),
    fhir("pds-not-found", f"/Patient/{NOT_FOUND}"),
    fhir("pds-invalid", f"/Patient/{INVALID}"),
    fhir("pds-related", f"/Patient/{JANE_SMITH}/RelatedPerson"),
    fhir(
        "pds-search",
        "/Patient",
        ("family", "Smith"),
        ("gender", "female"),
        ("birthdate", "eq2010-10-22"),
    ),
    fhir(
        "pds-search-worker",
        "/Patient",
        ("family", "Smith"),
        ("birthdate", "ge1900-01-01"),
        ("_max-results", "10"),
        **WORKER,
    ),
    fhir("pds-search-bad", "/Patient", ("colour", "blue")),
    soap("soap-read", "getPatientDetailsByNHSNumber", nhs_number=JANE_SMITH),
    soap("soap-read-missing", "getPatientDetailsByNHSNumber", nhs_number=NOT_FOUND),
    soap(
        "soap-search",
        "getPatientDetailsBySearch",
        family="Smith",
        gender="female",
        birth_date="2010-10-22",
    ),
    soap("soap-verify", "verifyNHSNumber", nhs_number=JANE_SMITH, birth_date="2010-10-22"),
    sds(
        "sds-device-spine",
        "Device",
        ("organization", f"{ODS}|YES"),
        ("identifier", f"{SERVICE}|{REPC}"),
    ),
    sds(
        "sds-device-practice",
        "Device",
        ("organization", f"{ODS}|A20047"),
        ("identifier", f"{SERVICE}|urn:nhs:names:services:gp2gp:RCMR_IN010000UK05"),
    ),
    sds(
        "sds-endpoint",
        "Endpoint",
        ("organization", f"{ODS}|YES"),
        ("identifier", f"{PARTY}|YES-0000806"),
    ),
    sds(
        "sds-endpoint-no-id",
        "Endpoint",
        ("identifier", f"{SERVICE}|{REPC}"),
        ("identifier", f"{PARTY}|YES-0000806"),
        correlate=False,
    ),
    sds("sds-bad", "Endpoint", ("organization", f"{ODS}|YES")),
    Case(
        "sds-endpoint-xml",
        "GET",
        f"{SDS}/Endpoint",
        (("organization", f"{ODS}|YES"), ("identifier", f"{PARTY}|YES-0000806")),
        {"Accept": "application/fhir+xml", "X-Correlation-ID": str(uuid.uuid4())},
        volatile=("/Bundle/id",),
    ),
    sds("sds-unknown-path", "Foo"),
    Case(
        "eps-task-bad",
        "GET",
        f"{EPS}/Task",
        (("colour", "blue"),),
        {"X-Request-ID": str(uuid.uuid5(uuid.NAMESPACE_URL, "eps-task-bad"))},
    ),
    Case(
        "eps-process-empty",
        "POST",
        f"{EPS}/$process-message",
        headers={
            "X-Request-ID": str(uuid.uuid5(uuid.NAMESPACE_URL, "eps-process-empty")),
            "Content-Type": "application/fhir+json",
        },
        body=b"{}",
    ),
]


def send(client: httpx.Client, case: Case) -> httpx.Response:
    return client.request(
        case.method, case.path, params=case.query, headers=case.headers, content=case.body
    )


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_same_meaning_different_bytes(
    legacy: httpx.Client, spine2: httpx.Client, case: Case
) -> None:
    old = send(legacy, case)
    new = send(spine2, case)
    assert meaning(old, case.volatile, case.volatile_headers) == meaning(
        new, case.volatile, case.volatile_headers
    )
    # (uvicorn may add its own `server: uvicorn` in front of the application's header.)
    assert SPINE2_SERVER in new.headers["server"] and SPINE2_SERVER not in old.headers["server"]
    assert [k for k, _ in old.headers.raw] != [k for k, _ in new.headers.raw]
    if old.content:
        assert old.content != new.content


def test_volatile_fields_really_vary(legacy: httpx.Client) -> None:
    """The volatile lists above hide only what changes between two identical legacy calls."""
    case = next(c for c in CASES if c.name == "soap-read")
    first, second = send(legacy, case), send(legacy, case)
    assert first.content != second.content
    assert meaning(first, case.volatile) == meaning(second, case.volatile)


def as_response(response: httpx.Response) -> Response:
    headers = tuple((k.decode("latin-1"), v.decode("latin-1")) for k, v in response.headers.raw)
    return Response(response.status_code, headers, response.content)


def test_the_harness_comparator_sees_no_divergence(
    legacy: httpx.Client, spine2: httpx.Client
) -> None:
    """harness.core.compare, given only the volatile fields as noise, reports nothing."""
    for case in CASES:
        rules = [Rule(path) for path in case.volatile]
        rules += [Rule(f"header:{name}") for name in case.volatile_headers]
        differences = compare(
            as_response(send(legacy, case)), as_response(send(spine2, case)), rules
        )
        assert differences == [], case.name
