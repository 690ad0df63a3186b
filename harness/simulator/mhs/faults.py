"""SOAP faults with the Spine's `nasp:errorList`, written and read; which ones are retriable.

The Spine answers a message it cannot take with a SOAP fault whose detail lists error codes
(`urn:nhs:names:error:tms`). Codes 200 (system failure to process the message), 206 (routing
delivery failure) and 208 (failure storing a variable in memo) are transient: the sender
retries, after the directory's retry interval and at most its retry count. Any other code is
final. A reply is retriable only when every code it lists is.
"""

from __future__ import annotations

from lxml import etree
from starlette.responses import Response

from harness.simulator.mhs.ebxml import SOAP
from harness.simulator.render import LEGACY_SERVER

NASP = "http://national.carerecords.nhs.uk/schema/"
TMS_CONTEXT = "urn:nhs:names:error:tms"
SYSTEM_FAILURE = 200
NOT_WELL_FORMED = 201
ROUTING_FAILURE = 206
MEMO_FAILURE = 208
RETRIABLE = frozenset({SYSTEM_FAILURE, ROUTING_FAILURE, MEMO_FAILURE})


def fault(code: int, description: str, fault_code: str = "Server") -> bytes:
    """A SOAP fault envelope listing one error."""
    envelope = etree.Element(f"{{{SOAP}}}Envelope", nsmap={"SOAP": SOAP})
    body = etree.SubElement(envelope, f"{{{SOAP}}}Body")
    element = etree.SubElement(body, f"{{{SOAP}}}Fault")
    etree.SubElement(element, "faultcode").text = f"SOAP:{fault_code}"
    etree.SubElement(element, "faultstring").text = "Application Exception"
    errors = etree.SubElement(
        etree.SubElement(element, "detail"), f"{{{NASP}}}errorList", nsmap={"nasp": NASP}
    )
    error = etree.SubElement(errors, f"{{{NASP}}}error")
    for name, value in (
        ("codeContext", TMS_CONTEXT),
        ("errorCode", str(code)),
        ("severity", "Error"),
        ("location", "Not Supported"),
        ("description", description),
    ):
        etree.SubElement(error, f"{{{NASP}}}{name}").text = value
    return etree.tostring(envelope, xml_declaration=True, encoding="UTF-8")


def fault_codes(envelope: etree._Element) -> list[int] | None:
    """The error codes of a SOAP fault (None when the envelope is not a fault)."""
    found = envelope.find(f"{{{SOAP}}}Body/{{{SOAP}}}Fault")
    if found is None:
        return None
    codes = []
    for code in found.iterfind(f".//{{{NASP}}}error/{{{NASP}}}errorCode"):
        text = (code.text or "").strip()
        codes.append(int(text) if text.isdigit() else -1)
    return codes


def is_retriable(codes: list[int] | None) -> bool:
    """A fault whose every listed code is transient (a fault listing none is not)."""
    return bool(codes) and all(code in RETRIABLE for code in codes or ())


def soap_response(body: bytes, status: int = 500) -> Response:
    """A SOAP answer (faults, MessageErrors, acknowledgements) as the Spine sends it."""
    return Response(
        body, status_code=status, headers={"Server": LEGACY_SERVER}, media_type=SOAP_XML
    )


SOAP_XML = "text/xml; charset=utf-8"
