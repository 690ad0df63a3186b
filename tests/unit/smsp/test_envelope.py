"""SOAP envelope parsing (safe against bombs and garbage) and rendering."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from lxml import etree

from harness.simulator.smsp.envelope import (
    HL7,
    SOAP_ENV,
    WSA,
    WSU,
    MalformedEnvelope,
    find_payload,
    parse_envelope,
    payload_name,
    render_envelope,
)
from harness.simulator.smsp.requests import request_envelope

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/">
<SOAP-ENV:Body>&lol3;</SOAP-ENV:Body></SOAP-ENV:Envelope>"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/">
<SOAP-ENV:Body>&xxe;</SOAP-ENV:Body></SOAP-ENV:Envelope>"""


def test_parses_addressing_headers_and_body() -> None:
    data = request_envelope("getNHSNumber", family="Smith", message_id="ABC-1")
    request = parse_envelope(data)
    assert request.addressing.message_id == "uuid:ABC-1"
    assert request.addressing.action == "urn:nhs-itk:services:201005:getNHSNumber-v1-0"
    assert request.addressing.reply_to == "https://client.example.nhs.uk/itk"
    assert request.addressing.sender == "https://client.example.nhs.uk/itk"
    assert find_payload(request.body, "getNHSNumberRequest-v1-0") is not None
    assert find_payload(request.body, "verifyNHSNumberRequest-v1-0") is None
    assert payload_name(request.body) == "getNHSNumberRequest-v1-0"


def test_prefixes_do_not_matter_and_distribution_envelope_is_accepted() -> None:
    data = f"""<s:Envelope xmlns:s="{SOAP_ENV}" xmlns:a="{WSA}">
      <s:Header><a:MessageID>m-1</a:MessageID></s:Header>
      <s:Body><itk:DistributionEnvelope xmlns:itk="urn:nhs-itk:ns:201005"><itk:payloads>
        <itk:payload><h:verifyNHSNumberRequest-v1-0 xmlns:h="{HL7}"/></itk:payload>
      </itk:payloads></itk:DistributionEnvelope></s:Body></s:Envelope>""".encode()
    request = parse_envelope(data)
    assert request.addressing.message_id == "m-1"
    assert request.addressing.action is None
    assert find_payload(request.body, "verifyNHSNumberRequest-v1-0") is not None


def test_header_is_optional() -> None:
    data = f'<Envelope xmlns="{SOAP_ENV}"><Body/></Envelope>'.encode()
    assert parse_envelope(data).addressing.message_id is None


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty"),
        (b"   \n", "empty"),
        (b"not xml at all", "not well-formed"),
        (b"<a><b></a>", "not well-formed"),
        (b"\xff\xfe\x00garbage", "not well-formed"),
        (BILLION_LAUGHS, "document type declaration"),
        (EXTERNAL_ENTITY, "document type declaration"),
        (b"<Envelope/>", "not in the SOAP 1.1 namespace"),
        (f'<x:Other xmlns:x="{SOAP_ENV}"/>'.encode(), "not Envelope"),
        (f'<x:Envelope xmlns:x="{SOAP_ENV}"/>'.encode(), "no Body"),
        (b'<e:Envelope xmlns:e="http://www.w3.org/2003/05/soap-envelope"/>', "SOAP 1.2"),
        (b"<" + b"a" * 300_000 + b"/>", "exceeds"),
    ],
)
def test_rejects_unusable_envelopes(data: bytes, reason: str) -> None:
    with pytest.raises(MalformedEnvelope, match=reason):
        parse_envelope(data)


@pytest.mark.parametrize("document", [BILLION_LAUGHS, EXTERNAL_ENTITY])
def test_rejects_doctype_hidden_in_utf16(document: bytes) -> None:
    text = document.decode().replace('version="1.0"?>', 'version="1.0" encoding="UTF-16"?>', 1)
    with pytest.raises(MalformedEnvelope, match="document type declaration"):
        parse_envelope(text.encode("utf-16"))


def test_renders_fresh_addressing_and_timestamp() -> None:
    content = etree.Element(f"{{{HL7}}}payload")
    created = datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)
    envelope = render_envelope(
        content,
        action="urn:x:Response",
        message_id="NEW-ID",
        relates_to="uuid:OLD-ID",
        reply_address=None,
        created=created,
    )
    text = etree.tostring(envelope).decode()
    assert envelope.findtext(f".//{{{WSA}}}MessageID") == "uuid:NEW-ID"
    assert envelope.findtext(f".//{{{WSA}}}RelatesTo") == "uuid:OLD-ID"
    assert envelope.findtext(f".//{{{WSA}}}Action") == "urn:x:Response"
    assert envelope.findtext(f".//{{{WSA}}}To") == "http://www.w3.org/2005/08/addressing/anonymous"
    assert envelope.findtext(f".//{{{WSU}}}Created") == "2026-01-02T03:04:05.678Z"
    assert envelope.findtext(f".//{{{WSU}}}Expires") == "2026-01-02T03:14:05.678Z"
    assert envelope.find(f"{{{SOAP_ENV}}}Body/{{{HL7}}}payload") is not None
    assert "SOAP-ENV:Envelope" in text


def test_no_relates_to_when_the_request_had_no_message_id() -> None:
    envelope = render_envelope(
        etree.Element("x"),
        action="a",
        message_id="m",
        relates_to=None,
        reply_address="https://caller",
        created=datetime(2026, 1, 1, tzinfo=UTC),
    )
    assert envelope.find(f".//{{{WSA}}}RelatesTo") is None
    assert envelope.findtext(f".//{{{WSA}}}To") == "https://caller"
