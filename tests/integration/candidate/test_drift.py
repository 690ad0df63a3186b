"""Every drift effect is observed over a real socket, against the plain spine2 answer."""

from __future__ import annotations

import random
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from lxml import etree

from harness.core.operations import OperationIndex
from harness.simulator.drift import load_profile
from harness.simulator.population.sandbox import (
    JANE_SMITH,
    JAYNE_SMYTH,
    MINIMAL,
    MULTI_ADDRESS,
    NOT_FOUND,
    RESTRICTED,
)
from harness.simulator.smsp import request_envelope
from tests.integration.candidate.conftest import DRIFT_SEED, ODS, PARTY

pytestmark = [pytest.mark.integration]

PDS = "/personal-demographics/FHIR/R4/Patient"
SDS = "/spine-directory/FHIR/R4"
SERVICE = "https://fhir.nhs.uk/Id/nhsServiceInteractionId"
REPC = "urn:nhs:names:services:psis:REPC_IN150016UK05"
FIXTURES = Path(__file__).resolve().parents[3] / "fixtures" / "drift"
HL7 = "{urn:hl7-org:v3}"


def read(client: httpx.Client, nhs_number: str) -> httpx.Response:
    return client.get(f"{PDS}/{nhs_number}", headers={"X-Request-ID": str(uuid.uuid4())})


def both(plain: httpx.Client, drifted: httpx.Client, nhs_number: str) -> tuple[Any, Any]:
    return read(plain, nhs_number), read(drifted, nhs_number)


def sds_get(client: httpx.Client, resource: str, *query: tuple[str, str], **headers: str) -> Any:
    return client.get(f"{SDS}/{resource}", params=query, headers=headers)


def soap_read(client: httpx.Client, nhs_number: str) -> httpx.Response:
    return client.post(
        "/smsp/pds",
        content=request_envelope("getPatientDetailsByNHSNumber", nhs_number=nhs_number),
        headers={
            "SOAPAction": '"urn:nhs-itk:services:201005:getPatientDetailsByNHSNumber-v1-0"',
            "Content-Type": "text/xml",
        },
    )


def test_reformat_date_set_and_version(spine2: httpx.Client, drifted: httpx.Client) -> None:
    plain, drift = both(spine2, drifted, JANE_SMITH)
    assert plain.json()["birthDate"].replace("-", "") == drift.json()["birthDate"]
    assert "-" not in drift.json()["birthDate"]
    plain, drift = both(spine2, drifted, JAYNE_SMYTH)
    assert plain.json()["gender"] != "other" and drift.json()["gender"] == "other"
    plain, drift = both(spine2, drifted, MULTI_ADDRESS)
    version = int(plain.json()["meta"]["versionId"])
    assert drift.json()["meta"]["versionId"] == str(version + 1)
    assert plain.headers["etag"] == f'W/"{version}"'
    assert drift.headers["etag"] == f'W/"{version + 1}"'
    plain, drift = both(spine2, drifted, MINIMAL)
    assert plain.status_code == 200 and drift.status_code == 202
    assert plain.json() == drift.json()


def test_restricted_address_leaks(spine2: httpx.Client, drifted: httpx.Client) -> None:
    plain, drift = both(spine2, drifted, RESTRICTED)
    assert plain.status_code == drift.status_code == 200
    assert "address" not in plain.json()
    assert drift.json()["address"][0]["postalCode"]
    assert {k: v for k, v in drift.json().items() if k != "address"} == plain.json()


def test_restricted_address_leaks_in_soap(spine2: httpx.Client, drifted: httpx.Client) -> None:
    plain = etree.fromstring(soap_read(spine2, RESTRICTED).content)
    drift = etree.fromstring(soap_read(drifted, RESTRICTED).content)
    assert plain.find(f".//{HL7}patient/{HL7}addr") is None
    leaked = drift.find(f".//{HL7}patient/{HL7}addr")
    assert leaked is not None and leaked.findtext(f"{HL7}postalCode")
    other = etree.fromstring(soap_read(drifted, MULTI_ADDRESS).content)
    expected = etree.fromstring(soap_read(spine2, MULTI_ADDRESS).content)
    assert len(other.findall(f".//{HL7}addr")) == len(expected.findall(f".//{HL7}addr"))


def test_error_code_changes(spine2: httpx.Client, drifted: httpx.Client) -> None:
    plain, drift = both(spine2, drifted, NOT_FOUND)
    assert plain.status_code == drift.status_code == 404
    coding = drift.json()["issue"][0]["details"]["coding"][0]
    assert plain.json()["issue"][0]["details"]["coding"][0]["code"] == "RESOURCE_NOT_FOUND"
    assert coding["code"] == "INVALID_RESOURCE_ID"
    assert drift.json()["issue"][0]["code"] == "value"


def test_sds_effects(spine2: httpx.Client, drifted: httpx.Client) -> None:
    query = (("organization", f"{ODS}|YES"), ("identifier", f"{SERVICE}|{REPC}"))
    plain, drift = sds_get(spine2, "Device", *query), sds_get(drifted, "Device", *query)
    assert len(plain.json()["entry"][0]["resource"]["identifier"]) == 2
    assert drift.json()["entry"][0]["resource"]["identifier"] == [
        plain.json()["entry"][0]["resource"]["identifier"][0]
    ]
    query = (("organization", f"{ODS}|X26"), ("identifier", f"{PARTY}|X26-822084"))
    plain, drift = sds_get(spine2, "Endpoint", *query), sds_get(drifted, "Endpoint", *query)
    assert plain.json()["total"] == 2 and drift.json()["total"] == "2.0"
    query = (("organization", f"{ODS}|YES"), ("identifier", f"{PARTY}|YES-0000806"))
    plain, drift = sds_get(spine2, "Endpoint", *query), sds_get(drifted, "Endpoint", *query)
    assert plain.json()["total"] > 2 and len(drift.json()["entry"]) == 2
    assert drift.json()["entry"] == plain.json()["entry"][:2]


def test_reorder(spine2: httpx.Client, drifted: httpx.Client) -> None:
    practice = (("organization", f"{ODS}|A20047"),)
    device = sds_get(spine2, "Device", *practice, ("identifier", f"{SERVICE}|{REPC}"))
    party_key = device.json()["entry"][0]["resource"]["identifier"][1]["value"]
    query = (*practice, ("identifier", f"{PARTY}|{party_key}"))
    plain = sds_get(spine2, "Endpoint", *query, **{"X-Test-Reorder": "1"})
    drift = sds_get(drifted, "Endpoint", *query, **{"X-Test-Reorder": "1"})
    assert len(plain.json()["entry"]) >= 5
    assert drift.json()["entry"] == list(reversed(plain.json()["entry"]))
    unordered = sds_get(drifted, "Endpoint", *query)
    assert unordered.json()["entry"] == plain.json()["entry"]


def test_drop_header_and_latency(spine2: httpx.Client, drifted: httpx.Client) -> None:
    query = (("organization", f"{ODS}|A20047"), ("identifier", f"{SERVICE}|{REPC}"))
    plain = sds_get(spine2, "Device", *query, **{"X-Test-Drop-Header": "1"})
    drift = sds_get(drifted, "Device", *query, **{"X-Test-Drop-Header": "1"})
    assert "x-correlation-id" in plain.headers and "x-correlation-id" not in drift.headers
    assert drift.json()["total"] == plain.json()["total"]
    query = (("organization", f"{ODS}|YES"), ("identifier", f"{SERVICE}|{REPC}"))
    started = time.perf_counter()
    slow = sds_get(drifted, "Endpoint", *query, **{"X-Test-Slow": "1"})
    assert time.perf_counter() - started >= 0.25  # a lower bound: the injected 300 ms
    assert slow.status_code == 200


def test_soap_reformat_date(spine2: httpx.Client, drifted: httpx.Client) -> None:
    plain = etree.fromstring(soap_read(spine2, JAYNE_SMYTH).content)
    drift = etree.fromstring(soap_read(drifted, JAYNE_SMYTH).content)
    old = plain.find(f".//{HL7}birthTime").get("value")
    new = drift.find(f".//{HL7}birthTime").get("value")
    assert len(old) == 8 and new == f"{old[:4]}-{old[4:6]}-{old[6:]}"


def test_intermittent_5xx_follows_the_seeded_stream(drifted: httpx.Client) -> None:
    statuses = [soap_read(drifted, JANE_SMITH).status_code for _ in range(16)]
    stream = random.Random(f"drift:{DRIFT_SEED}:e-flaky")
    assert statuses == [503 if stream.random() < 0.5 else 200 for _ in range(16)]
    failed = next(i for i, s in enumerate(statuses) if s == 503)
    assert failed >= 0
    # Another patient (not matched by the predicate) never fails.
    assert {soap_read(drifted, MULTI_ADDRESS).status_code for _ in range(6)} == {200}


def test_a_failure_is_a_soap_fault_for_soap(drifted: httpx.Client) -> None:
    for _ in range(40):
        response = soap_read(drifted, JANE_SMITH)
        if response.status_code == 503:
            fault = etree.fromstring(response.content)
            assert fault.findtext(".//faultcode") == "SOAP-ENV:Server"
            assert response.headers["content-type"].startswith("text/xml")
            return
    pytest.fail("no injected failure in 40 calls at rate 0.5")


def test_shipped_profiles_name_real_operations(spine2: httpx.Client) -> None:
    operations = {
        op.id for op in OperationIndex.from_openapi(spine2.get("/openapi.json").json()).operations
    }
    for path in sorted(FIXTURES.glob("*.yaml")):
        profile = load_profile(path, operations)
        assert profile.entries


def test_simulate_rejects_a_bad_profile_naming_entry_and_field(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "format_version: 1\ndrift:\n  - id: broken\n    operation: getPatient\n"
        "    effect: {kind: truncate, path: /entry}\n"
    )
    command = [sys.executable, "-m", "harness", "simulate", "--population", "0", "--port", "0"]
    result = subprocess.run(
        [*command, "--flavour", "spine2", "--drift", str(bad)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 2, result.stderr
    output = result.stdout + result.stderr
    assert "Traceback" not in output
    assert str(bad) in output and "entry 'broken'" in output and "effect.keep" in output


def test_drift_applies_after_the_flavour(drifted: httpx.Client) -> None:
    response = read(drifted, JANE_SMITH)
    keys = list(orjson.loads(response.content))
    assert keys[0] != "resourceType"  # spine2 key order survives the drift rewrite
    assert "\n" in response.text


def test_the_harness_comparator_reports_the_drift(
    legacy: httpx.Client, drifted: httpx.Client
) -> None:
    from harness.core.compare import compare
    from tests.integration.candidate.test_parity import as_response

    request_id = str(uuid.uuid4())
    old, new = (
        client.get(f"{PDS}/{JANE_SMITH}", headers={"X-Request-ID": request_id})
        for client in (legacy, drifted)
    )
    differences = compare(as_response(old), as_response(new))
    assert [(d.path, d.legacy, d.candidate) for d in differences] == [
        ("/birthDate", old.json()["birthDate"], new.json()["birthDate"])
    ]
