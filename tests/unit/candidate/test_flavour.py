"""The spine2 presentation changes bytes, never meaning."""

from __future__ import annotations

from xml.etree.ElementTree import canonicalize

import orjson
from lxml import etree

from harness.simulator.buffering import media_kind
from harness.simulator.flavour import (
    SPINE2_SERVER,
    rewrite_body,
    rewrite_headers,
    rewrite_xml,
)

SOAP = (
    b"<?xml version='1.0' encoding='UTF-8'?>\n"
    b'<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/"'
    b' xmlns:wsa="http://www.w3.org/2005/08/addressing">'
    b"<SOAP-ENV:Header><wsa:MessageID>uuid:1</wsa:MessageID></SOAP-ENV:Header>"
    b'<SOAP-ENV:Body><getPatientDetailsResponse xmlns="urn:hl7-org:v3" moodCode="EVN" b="2">'
    b'<value code="SMSP-0000"/><text>mixed <b>bold</b> tail</text><!-- note -->'
    b'<name xml:lang="en"> </name></getPatientDetailsResponse></SOAP-ENV:Body>'
    b"</SOAP-ENV:Envelope>"
)
FAULT = (
    b'<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><s:Fault>'
    b"<faultcode>s:Client</faultcode><detail/></s:Fault></s:Body></s:Envelope>"
)


def canonical(body: bytes) -> str:
    """C14N 2.0 with prefixes rewritten and whitespace-only text stripped: meaning only."""
    return canonicalize(body.decode(), rewrite_prefixes=True, strip_text=True)


def test_json_keys_sorted_but_lists_keep_their_order() -> None:
    document = {"resourceType": "Patient", "id": "9", "b": {"z": [3, {"y": 4, "e": 5}], "f": None}}
    body = orjson.dumps(document)
    new = rewrite_body("application/fhir+json; charset=utf-8", body)
    assert new != body and orjson.loads(new) == document
    rewritten = orjson.loads(new)
    assert list(rewritten) == ["b", "id", "resourceType"]
    assert list(rewritten["b"]["z"][1]) == ["e", "y"]
    assert rewritten["b"]["z"][0] == 3


def test_xml_keeps_meaning_but_changes_prefixes_attribute_order_and_whitespace() -> None:
    new = rewrite_xml(SOAP)
    assert new != SOAP
    assert canonical(new) == canonical(SOAP)
    text = new.decode()
    assert "SOAP-ENV:" not in text and "wsa:" not in text and 'xmlns="' not in text
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    assert "\n   <" in text  # indented, the legacy answer was not
    root = etree.fromstring(new)
    response = root[1][0]
    assert list(response.attrib) == ["b", "moodCode"]
    assert response.find("{urn:hl7-org:v3}name").text == " "  # leaf text is data: kept
    # Indented input comes back compact.
    assert b"\n   <" not in rewrite_xml(new) and canonical(rewrite_xml(new)) == canonical(SOAP)


def test_prefixes_named_inside_qname_content_are_kept() -> None:
    new = rewrite_xml(FAULT)
    assert b"<faultcode>s:Client</faultcode>" in new
    assert canonical(new) == canonical(FAULT)


def test_headers_reverse_title_case_and_name_spine2() -> None:
    headers = [
        (b"server", b"Spine/2013 (legacy)"),
        (b"x-request-id", b"1"),
        (b"content-type", b"application/fhir+json"),
        (b"content-length", b"10"),
    ]
    assert rewrite_headers(headers) == [
        (b"Server", SPINE2_SERVER.encode()),
        (b"Content-Type", b"application/fhir+json"),
        (b"X-Request-Id", b"1"),
    ]


def test_bodies_that_are_neither_json_nor_xml_pass_unchanged() -> None:
    assert media_kind("text/plain") == ""
    assert rewrite_body("text/plain", b"hello") == b"hello"
    assert rewrite_body("application/json", b"{not json") == b"{not json"
    assert rewrite_body("text/xml", b"<not xml") == b"<not xml"
