"""The shadow proxy on real sockets: consumers get the primary's bytes, whatever the shadow does;
mirrored pairs are judged as in a rehearsal and stored."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from harness.serving import ThreadServer, serve_in_thread
from harness.shadow.source import MirrorRules
from harness.simulator.app import build_app
from harness.simulator.context import SimulatorConfig
from tests.integration.scripted import OK, ScriptedServer
from tests.integration.shadow.support import running_shadow, stored_rows

BASE = "/personal-demographics/FHIR/R4"
FHIR = {"accept": "application/fhir+json"}
READ = {"X-Request-ID": "60f5a1c4-2f05-4c43-9d4f-1d2a6e1b7c3a"}


@pytest.fixture(scope="module")
def legacy() -> Iterator[ThreadServer]:
    with serve_in_thread(build_app(SimulatorConfig(population=300))) as server:
        yield server


@pytest.fixture(scope="module")
def spine2() -> Iterator[ThreadServer]:
    with serve_in_thread(build_app(SimulatorConfig(population=300, flavour="spine2"))) as server:
        yield server


def _raw(
    client: httpx.Client, method: str, path: str, **options: object
) -> tuple[int, list, bytes]:
    request = client.build_request(method, path, **options)  # type: ignore[arg-type]
    answer = client.send(request, stream=True)
    try:
        body = b"".join(answer.iter_raw())
    finally:
        answer.close()
    headers = [(k, v) for k, v in answer.headers.raw if k.lower() != b"date"]
    return answer.status_code, headers, body


def test_consumers_get_the_primarys_answers_byte_for_byte(
    legacy: ThreadServer, spine2: ThreadServer, tmp_path: Path
) -> None:
    calls: list[tuple[str, str, dict[str, object]]] = [
        ("GET", f"{BASE}/Patient/9000000009", {"headers": {**FHIR, "X-Request-ID": "a" * 8}}),
        ("GET", f"{BASE}/Patient", {"params": {"family": "Smith", "_max-results": "3"}}),
        ("GET", f"{BASE}/Patient/9000000084", {}),  # 404 INVALIDATED_RESOURCE
        ("HEAD", f"{BASE}/Patient/9000000009", {}),
        ("GET", "/openapi.json", {"headers": {"accept-encoding": "gzip"}}),
        ("POST", f"{BASE}/Patient", {"json": {"resourceType": "Patient"}}),  # 400, not mirrored
    ]
    with (
        running_shadow(legacy.url, spine2.url, store=tmp_path / "store") as (url, service),
        httpx.Client(base_url=legacy.url, timeout=30) as direct,
        httpx.Client(base_url=url, timeout=30) as proxied,
    ):
        for method, path, options in calls:
            assert _raw(proxied, method, path, **options) == _raw(direct, method, path, **options)
    stats = service.stats()
    assert stats["answered"] == len(calls)
    assert stats["unsafe_skipped"] == 1  # the POST: not configured for mirroring
    rows = stored_rows(tmp_path / "store")
    assert len(rows) == len(calls) - 1 == stats["stored"]
    assert {r["method"] for r in rows} == {"GET", "HEAD"}


SOAP_ANSWER = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<SOAP-ENV:Envelope xmlns:SOAP-ENV='
    b'"http://schemas.xmlsoap.org/soap/envelope/"><SOAP-ENV:Body><r xmlns="urn:hl7-org:v3">'
    b"<v>caf\xc3\xa9</v></r></SOAP-ENV:Body></SOAP-ENV:Envelope>"
)


def test_compressed_chunked_and_soap_answers_pass_through_unchanged(tmp_path: Path) -> None:
    import gzip

    packed = gzip.compress(b'{"a": 1, "b": [true, null]}', mtime=0)
    chunks = b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in (packed[:7], packed[7:]))
    answers = [
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\n"
        b"X-Odd:  two  spaces \r\nTransfer-Encoding: chunked\r\nVary: a, b\r\n\r\n"
        + chunks
        + b"0\r\n\r\n",
        b"HTTP/1.1 500 Internal Server Error\r\nContent-Type: text/xml; charset=utf-8\r\n"
        b"Content-Length: %d\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\n\r\n"
        % len(SOAP_ANSWER)
        + SOAP_ANSWER,
    ]
    primary = ScriptedServer(lambda number, request: answers[number % 2])
    shadow = ScriptedServer(lambda number, request: OK)
    try:
        with (
            running_shadow(primary.url, shadow.url, store=tmp_path / "s") as (url, service),
            httpx.Client(base_url=url, timeout=30) as client,
        ):
            first = _raw(client, "GET", "/a")
            second = _raw(client, "GET", "/b")
    finally:
        primary.close()
        shadow.close()
    assert first[0] == 200 and first[2] == packed  # still compressed, as the primary sent it
    assert first[1] == [
        (b"content-type", b"application/json"),
        (b"content-encoding", b"gzip"),
        (b"x-odd", b"two  spaces"),
        (b"vary", b"a, b"),
        (b"content-length", str(len(packed)).encode()),
    ]
    assert second[0] == 500 and second[2] == SOAP_ANSWER
    assert [v for k, v in second[1] if k == b"set-cookie"] == [b"a=1", b"b=2"]
    rows = stored_rows(tmp_path / "s")
    assert [r["verdict"] for r in rows] == ["mismatch", "mismatch"]  # the shadow said "ok"
    assert service.stats()["stored"] == 2


def test_a_slow_shadow_is_shed_and_consumers_never_wait(
    legacy: ThreadServer, tmp_path: Path
) -> None:
    def slow(number: int, request: bytes) -> bytes:
        time.sleep(0.25)
        return OK

    shadow = ScriptedServer(slow)
    try:
        with (
            running_shadow(
                legacy.url, shadow.url, store=tmp_path / "store", capacity=3, concurrency=1
            ) as (url, service),
            httpx.Client(base_url=url, timeout=30) as client,
        ):
            statuses = [
                client.get(f"{BASE}/Patient/9000000009", headers=READ).status_code
                for _ in range(40)
            ]
            during = service.stats()
    finally:
        shadow.close()
    assert statuses == [200] * 40
    assert during["shed"] >= 20  # the queue held 3 and the shadow took a quarter second each
    stats = service.stats()
    assert stats["queued"] + stats["shed"] == 40
    # a clean stop judged and stored everything that was taken in
    assert stats["judged"] == stats["queued"] == stats["stored"]
    assert len(stored_rows(tmp_path / "store")) == stats["queued"]


def test_a_shadow_that_is_down_costs_consumers_nothing(
    legacy: ThreadServer, tmp_path: Path
) -> None:
    closed = ScriptedServer(lambda n, r: OK)
    closed.close()  # a port nobody listens on any more
    with (
        running_shadow(legacy.url, closed.url, store=tmp_path / "store") as (url, service),
        httpx.Client(base_url=url, timeout=30) as client,
    ):
        statuses = {
            client.get(f"{BASE}/Patient/9000000009", headers=READ).status_code for _ in range(30)
        }
    assert statuses == {200}
    rows = stored_rows(tmp_path / "store")
    assert len(rows) == 30
    assert {(r["verdict"], r["error_kind"]) for r in rows} == {("error", "connection")}
    assert service.stats()["primary_failed"] == 0


def test_pairs_are_judged_with_the_contracts_noise_and_drift_is_clustered(
    legacy: ThreadServer, tmp_path: Path
) -> None:
    drift = Path(__file__).resolve().parents[3] / "fixtures/drift/demo.yaml"
    candidate = build_app(SimulatorConfig(population=300, flavour="spine2", drift_file=drift))
    numbers = ["9000000009", "9000000017", "9000000033", "9000000041"]
    with (
        serve_in_thread(candidate) as shadow,
        running_shadow(legacy.url, shadow.url, store=tmp_path / "s", spine_noise=True) as (url, _),
        httpx.Client(base_url=url, timeout=30) as client,
    ):
        for number in numbers * 3:
            client.get(f"{BASE}/Patient/{number}", headers={"X-Request-ID": str(uuid.uuid4())})
    rows = stored_rows(tmp_path / "s")
    by_number = {r["target"].rsplit("/", 1)[1]: r for r in rows}
    # spine2's legitimate differences (key order, ids, timestamps) are noise; the drift is not:
    # dates without dashes for NHS numbers ending in an even digit
    assert {n: by_number[n]["verdict"] for n in numbers} == {
        "9000000009": "match",
        "9000000017": "match",
        "9000000033": "match",
        "9000000041": "match",
    } or all((by_number[n]["verdict"] == "mismatch") == (int(n[-1]) % 2 == 0) for n in numbers)
    clusters = {r["cluster"] for r in rows if r["verdict"] == "mismatch"}
    assert all(c.startswith("pds.getPatient: changed /birthDate") for c in clusters)


def test_state_changing_requests_are_mirrored_where_configured_with_their_own_ids(
    legacy: ThreadServer, tmp_path: Path
) -> None:
    body = {
        "resourceType": "Patient",
        "name": [{"use": "usual", "given": ["Ada"], "family": "Shadowson"}],
        "gender": "female",
        "birthDate": "2024-01-02",
        "address": [{"use": "home", "line": ["1 Trevelyan Square"], "postalCode": "LS1 6AE"}],
        "extension": [
            {
                "url": "https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-RegisteringAuthority",
                "extension": [
                    {
                        "url": "registeringAuthorityType",
                        "valueCodeableConcept": {
                            "coding": [
                                {
                                    "system": "https://fhir.nhs.uk/CodeSystem/UKCore-RegisteringAuthorityType",
                                    "code": "x",
                                }
                            ]
                        },
                    },
                    {"url": "organisationIdentifier", "valueString": "RGS"},
                ],
            }
        ],
    }
    session = {"NHSD-Session-URID": "555254242106", "X-Request-ID": str(uuid.uuid4())}
    with serve_in_thread(build_app(SimulatorConfig(population=300, flavour="spine2"))) as shadow:
        # the shadow's own state differs: it has already allocated one NHS number
        other = {**body, "name": [{"use": "usual", "given": ["Eve"], "family": "Elsewhere"}]}
        elsewhere = {**session, "X-Request-ID": str(uuid.uuid4())}  # PDS replays a repeated id
        assert (
            httpx.post(f"{shadow.url}{BASE}/Patient", json=other, headers=elsewhere).status_code
            == 201
        )
        rules = MirrorRules(unsafe=("pds.createPatient",))
        with (
            running_shadow(
                legacy.url, shadow.url, store=tmp_path / "s", spine_noise=True, rules=rules
            ) as (url, service),
            httpx.Client(base_url=url, timeout=30, headers=session) as client,
        ):
            created = client.post(f"{BASE}/Patient", json=body)
            assert created.status_code == 201
            number = created.json()["id"]
            read = client.get(f"{BASE}/Patient/{number}")
            assert read.status_code == 200
            client.patch(f"{BASE}/Patient/{number}", json=[], headers={"If-Match": 'W/"1"'})
    stats = service.stats()
    assert stats["unsafe_skipped"] == 1  # the PATCH: updatePatient is not configured
    assert stats["correlated"] > 0  # the shadow's own NHS number read as the same meaning
    rows = stored_rows(tmp_path / "s")
    assert [(r["operation"], r["verdict"]) for r in rows] == [
        ("createPatient", "match"),
        ("getPatient", "match"),
    ]
