"""SMSP response codes, faults and the PDS error mapping."""

from __future__ import annotations

from lxml import etree

from harness.simulator.smsp.codes import (
    FAULT_CODES,
    INVALID_MESSAGE,
    INVALID_NHS_NUMBER,
    INVALID_QUERY,
    INVALIDATED,
    MULTIPLE_MATCHES,
    NO_MATCH,
    SERVER_ERROR,
    SmspFault,
    SmspOutcome,
    translate_pds_error,
)
from harness.simulator.smsp.envelope import ITK, SOAP_ENV
from harness.simulator.smsp.faults import fault_body, xml_safe


def test_client_faults_are_400_and_server_faults_500() -> None:
    for fault in FAULT_CODES:
        assert fault.http_status == (400 if fault.faultcode == "Client" else 500)
    assert SERVER_ERROR.http_status == 500
    assert INVALID_MESSAGE.http_status == 400


def test_pds_errors_map_to_outcomes_and_faults() -> None:
    cases = {
        ("RESOURCE_NOT_FOUND", 404): NO_MATCH,
        ("INVALIDATED_RESOURCE", 404): INVALIDATED,
        ("TOO_MANY_MATCHES", 422): MULTIPLE_MATCHES,
    }
    for (code, status), expected in cases.items():
        answer = translate_pds_error(code, status, "d")
        assert isinstance(answer, SmspOutcome) and answer.code is expected
    invalid_id = translate_pds_error("INVALID_RESOURCE_ID", 400, "bad")
    assert isinstance(invalid_id, SmspFault) and invalid_id.fault is INVALID_NHS_NUMBER
    search = translate_pds_error("INVALID_SEARCH_DATA", 400, "bad")
    assert isinstance(search, SmspFault) and search.fault is INVALID_QUERY
    unknown = translate_pds_error("SOMETHING_NEW", 403, "why")
    assert isinstance(unknown, SmspFault) and unknown.fault is INVALID_QUERY
    assert "SOMETHING_NEW" in unknown.diagnostics
    server = translate_pds_error("SERVICE_UNAVAILABLE", 503, "down")
    assert isinstance(server, SmspFault) and server.fault is SERVER_ERROR


def test_fault_body_carries_the_itk_error() -> None:
    fault = fault_body(INVALID_NHS_NUMBER, "1234 is not\x01 valid", "abc-def")
    assert fault.tag == f"{{{SOAP_ENV}}}Fault"
    assert fault.findtext("faultcode") == "SOAP-ENV:Client"
    assert "client related error" in (fault.findtext("faultstring") or "")
    info = fault.find(f"detail/{{{ITK}}}ToolkitErrorInfo")
    assert info is not None
    assert info.findtext(f"{{{ITK}}}ErrorID") == "ABC-DEF"
    code = info.find(f"{{{ITK}}}ErrorCode")
    assert code is not None and code.text == "DEMOG-0042"
    assert code.get("codeSystem") == INVALID_NHS_NUMBER.code_system
    assert info.findtext(f"{{{ITK}}}ErrorDiagnosticText") == "1234 is not valid"
    etree.tostring(fault)  # serialisable


def test_server_fault_says_server() -> None:
    fault = fault_body(SERVER_ERROR, "boom", "id")
    assert fault.findtext("faultcode") == "SOAP-ENV:Server"


def test_xml_safe_keeps_text_and_drops_control_characters() -> None:
    assert xml_safe("a\tb\nc\x00d\x1fé😀") == "a\tb\ncdé😀"
