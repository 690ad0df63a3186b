"""Drift profiles: validation that names the entry and field, and each effect on a response."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import orjson
import pytest
from lxml import etree

from harness.core.exchange import Request
from harness.errors import HarnessError
from harness.simulator.drift import load_profile
from harness.simulator.drift.draft import ResponseDraft
from harness.simulator.drift.effects import EffectEnv
from harness.simulator.drift.paths import xml_xpath
from harness.simulator.drift.spec import parse_effect

FIXTURES = Path(__file__).resolve().parents[3] / "fixtures" / "drift"
OPERATIONS = {"getPatient", "searchPatients", "searchDevices", "getPatientDetailsByNHSNumber"}
PATIENT = {
    "resourceType": "Patient",
    "id": "9000000025",
    "meta": {"versionId": "2", "security": [{"code": "R"}]},
    "birthDate": "1990-04-12",
    "name": [{"family": "Smith"}, {"family": "Jones"}, {"family": "Brown"}],
}


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "drift.yaml"
    path.write_text(text)
    return path


def entry(effect: str, extra: str = "") -> str:
    return (
        "format_version: 1\ndrift:\n  - id: first\n    operation: getPatient\n"
        f"{extra}    effect:\n{effect}"
    )


@pytest.mark.parametrize(
    ("text", "field", "words"),
    [
        ("format_version: 2\ndrift: []\n", "format_version", "format_version must be 1"),
        ("format_version: 1\ndrift: {}\n", "drift", "list"),
        ("format_version: 1\nwhatever: 1\ndrift: []\n", "whatever", "unknown"),
        (entry("      kind: explode\n"), "effect.kind", "entry 'first'"),
        (entry("      kind: drop\n"), "effect.path", "is required"),
        (entry("      kind: drop\n      path: birthDate\n"), "effect.path", "starting with '/'"),
        (entry("      kind: drop\n      path: /a\n      paht: /b\n"), "effect.paht", "not a field"),
        (entry("      kind: status\n      to: 999\n"), "effect.to", "HTTP status"),
        (entry("      kind: status\n      to: '404'\n"), "effect.to", "integer"),
        (entry("      kind: intermittent_5xx\n      rate: 2\n"), "effect.rate", "between 0 and 1"),
        (
            entry("      kind: reformat_date\n      path: /a\n      format: Ymd\n"),
            "effect.format",
            "",
        ),
        (entry("      kind: reorder\n      path: /a\n      order: up\n"), "effect.order", ""),
        (entry("      kind: latency\n      ms: -1\n"), "effect.ms", ""),
        (
            entry("      kind: latency\n      ms: 5\n", "    when:\n      colour: red\n"),
            "when.colour",
            "unknown condition",
        ),
        (
            entry("      kind: latency\n      ms: 5\n", "    when:\n      path_matches: '('\n"),
            "when.path_matches",
            "regular expression",
        ),
        (
            "format_version: 1\ndrift:\n  - id: x\n    operation: nope\n"
            "    effect: {kind: latency, ms: 1}\n",
            "operation",
            "unknown operation 'nope'",
        ),
        (
            "format_version: 1\ndrift:\n  - operation: getPatient\n"
            "    effect: {kind: latency, ms: 1}\n",
            "id",
            "entry #1",
        ),
        (
            "format_version: 1\ndrift:\n  - {id: a, operation: getPatient, effect: {kind: latency,"
            " ms: 1}}\n  - {id: a, operation: getPatient, effect: {kind: latency, ms: 1}}\n",
            "id",
            "used twice",
        ),
    ],
)
def test_bad_files_name_the_entry_and_field(
    tmp_path: Path, text: str, field: str, words: str
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(HarnessError) as raised:
        load_profile(path, OPERATIONS)
    error = raised.value
    assert error.file == str(path)
    assert error.field == field
    assert words in error.describe()


def test_errors_carry_the_line_of_the_entry(tmp_path: Path) -> None:
    path = write(tmp_path, entry("      kind: drop\n"))
    with pytest.raises(HarnessError) as raised:
        load_profile(path, OPERATIONS)
    assert raised.value.line == 3
    assert f"{path}:3" in str(raised.value)


def test_broken_yaml_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(HarnessError, match="not valid YAML"):
        load_profile(write(tmp_path, "drift: [\n"), OPERATIONS)
    with pytest.raises(HarnessError, match="cannot read"):
        load_profile(tmp_path / "absent.yaml", OPERATIONS)


def test_shipped_profiles_are_valid() -> None:
    profiles = sorted(FIXTURES.glob("*.yaml"))
    assert {p.name for p in profiles} >= {"demo.yaml", "errors.yaml", "flaky.yaml"}
    for path in profiles:
        profile = load_profile(path)  # operation names are checked against the app elsewhere
        assert profile.entries, path


def test_predicates(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        entry(
            "      kind: latency\n      ms: 1\n",
            "    when:\n      method: get\n      path_matches: '/Patient/9'\n"
            "      query_equals: {family: Smith}\n      header_present: [X-Request-ID]\n"
            "      body_equals: {/name/0/family: Smith}\n",
        ),
    )
    predicate = load_profile(path, OPERATIONS).entries[0].when
    assert predicate is not None and predicate.needs_body

    def request(**changes: Any) -> Request:
        values: dict[str, Any] = {
            "method": "GET",
            "path": "/Patient/9000000009",
            "query": (("family", "Smith"),),
            "headers": (("x-request-id", "1"),),
            "body": orjson.dumps(PATIENT),
        }
        values.update(changes)
        return Request(**values)

    assert predicate.matches(request())
    assert not predicate.matches(request(method="POST"))
    assert not predicate.matches(request(path="/Patient/1"))
    assert not predicate.matches(request(query=(("family", "Jones"),)))
    assert not predicate.matches(request(headers=()))
    assert not predicate.matches(request(body=b"{}"))


# --- effects -------------------------------------------------------------------------------------


def env(restricted: dict[str, Any] | None = None) -> EffectEnv:
    return EffectEnv("e", random.Random(1), lambda number: restricted)


def apply(effect: dict[str, Any], body: Any, headers: list[tuple[str, str]] | None = None) -> Any:
    draft = ResponseDraft(
        200,
        headers or [("content-type", "application/fhir+json"), ("etag", 'W/"2"')],
        orjson.dumps(body),
    )
    parse_effect(effect).apply(draft, env({"address": [{"postalCode": "LS1 6AE"}]}))
    return draft


def test_json_effects() -> None:
    assert "birthDate" not in orjson.loads(
        apply({"kind": "drop", "path": "/birthDate"}, PATIENT).body()
    )
    body = orjson.loads(
        apply({"kind": "reformat_date", "path": "/birthDate", "format": "%Y%m%d"}, PATIENT).body()
    )
    assert body["birthDate"] == "19900412"
    body = orjson.loads(apply({"kind": "truncate", "path": "/name", "keep": 1}, PATIENT).body())
    assert [n["family"] for n in body["name"]] == ["Smith"]
    body = orjson.loads(apply({"kind": "reorder", "path": "/name"}, PATIENT).body())
    assert [n["family"] for n in body["name"]] == ["Brown", "Jones", "Smith"]
    body = orjson.loads(apply({"kind": "drop", "path": "/name/*/family"}, PATIENT).body())
    assert body["name"] == [{}, {}, {}]
    body = orjson.loads(
        apply({"kind": "reformat_number", "path": "/total", "format": ".1f"}, {"total": 3}).body()
    )
    assert body == {"total": "3.0"}
    body = orjson.loads(
        apply({"kind": "set", "path": "/gender", "value": "x"}, {"gender": "m"}).body()
    )
    assert body == {"gender": "x"}
    draft = apply({"kind": "version_off_by_one"}, PATIENT)
    assert orjson.loads(draft.body())["meta"]["versionId"] == "3"
    assert draft.header("etag") == 'W/"3"'
    body = orjson.loads(apply({"kind": "leak_restricted_address"}, PATIENT).body())
    assert body["address"] == [{"postalCode": "LS1 6AE"}]
    outcome = {
        "resourceType": "OperationOutcome",
        "issue": [{"code": "not-found", "details": {"coding": [{"code": "RESOURCE_NOT_FOUND"}]}}],
    }
    body = orjson.loads(
        apply(
            {"kind": "error_code", "code": "INVALID_RESOURCE_ID", "issue_code": "value"}, outcome
        ).body()
    )
    assert body["issue"][0]["code"] == "value"
    assert body["issue"][0]["details"]["coding"][0]["code"] == "INVALID_RESOURCE_ID"


def test_envelope_effects() -> None:
    draft = apply({"kind": "status", "to": 404}, PATIENT)
    assert draft.status == 404 and draft.changed is False
    draft = apply({"kind": "drop_header", "name": "ETag"}, PATIENT)
    assert draft.header("etag") is None
    draft = apply({"kind": "latency", "ms": 20}, PATIENT)
    assert draft.delay_ms == 20


def test_intermittent_failures_follow_the_seeded_stream() -> None:
    effect = parse_effect({"kind": "intermittent_5xx", "rate": 0.3})
    outcomes = []
    stream = env()
    for _ in range(200):
        draft = ResponseDraft(200, [("content-type", "application/fhir+json")], b"{}")
        effect.apply(draft, stream)
        outcomes.append(draft.status)
    again = []
    stream = env()
    for _ in range(200):
        draft = ResponseDraft(200, [("content-type", "application/fhir+json")], b"{}")
        effect.apply(draft, stream)
        again.append(draft.status)
    assert outcomes == again
    assert 30 < outcomes.count(503) < 90
    assert set(outcomes) == {200, 503}


XML = (
    b'<?xml version="1.0"?><s:Envelope xmlns:s="urn:s" xmlns:h="urn:hl7-org:v3"><s:Body>'
    b'<h:patient><h:birthTime value="19900412"/><h:name>A</h:name><h:name>B</h:name>'
    b"<h:name>C</h:name></h:patient></s:Body></s:Envelope>"
)


def apply_xml(effect: dict[str, Any]) -> etree._Element:
    draft = ResponseDraft(200, [("content-type", "text/xml; charset=utf-8")], XML)
    parse_effect(effect).apply(draft, env())
    body = draft.body()
    assert body.startswith(b"<?xml")
    return etree.fromstring(body)


def test_xml_effects() -> None:
    names = "{urn:hl7-org:v3}name"
    root = apply_xml({"kind": "drop", "path": "/Envelope/Body/patient/birthTime/@value"})
    assert root.find(".//{urn:hl7-org:v3}birthTime").get("value") is None
    root = apply_xml({"kind": "reformat_date", "path": "//birthTime/@value", "format": "%Y-%m-%d"})
    assert root.find(".//{urn:hl7-org:v3}birthTime").get("value") == "1990-04-12"
    root = apply_xml({"kind": "truncate", "path": "//patient/name", "keep": 1})
    assert [n.text for n in root.iter(names)] == ["A"]
    root = apply_xml({"kind": "reorder", "path": "//patient/name"})
    assert [n.text for n in root.iter(names)] == ["C", "B", "A"]
    root = apply_xml({"kind": "drop", "path": "/Envelope/Body/patient/name[2]"})
    assert [n.text for n in root.iter(names)] == ["A", "C"]


def test_xml_paths() -> None:
    assert xml_xpath("/a/*/b[2]/@c") == (
        "/*[local-name()='a']/*/*[local-name()='b'][2]/@*[local-name()='c']"
    )
    assert xml_xpath("//b") == "//*[local-name()='b']"
    with pytest.raises(ValueError):
        xml_xpath("/a/@b/c")


def test_soap_fault_error_code_and_set() -> None:
    fault = (
        b'<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><s:Fault>'
        b"<faultcode>s:Client</faultcode><detail><itk:ToolkitErrorInfo"
        b' xmlns:itk="urn:nhs-itk:ns:201005"><itk:ErrorCode>1000</itk:ErrorCode>'
        b"</itk:ToolkitErrorInfo></detail></s:Fault></s:Body></s:Envelope>"
    )
    draft = ResponseDraft(400, [("content-type", "text/xml")], fault)
    parse_effect({"kind": "error_code", "code": "2000"}).apply(draft, env())
    parse_effect({"kind": "set", "path": "//faultstring", "value": "x"}).apply(draft, env())
    root = etree.fromstring(draft.body())
    assert root.findtext(".//{urn:nhs-itk:ns:201005}ErrorCode") == "2000"
    assert root.findtext(".//faultcode") == "s:Client"
