"""SOAP 1.1 faults of the SMSP face, with the ITK ToolkitErrorInfo detail."""

from __future__ import annotations

from datetime import datetime

from lxml import etree

from harness.simulator.smsp.codes import CLIENT_FAULTSTRING, SERVER_FAULTSTRING, FaultCode
from harness.simulator.smsp.envelope import ITK, SOAP_ENV, render_envelope

FAULT_ACTION = "http://www.w3.org/2005/08/addressing/soap/fault"


def fault_body(fault: FaultCode, diagnostics: str, error_id: str) -> etree._Element:
    """`SOAP-ENV:Fault` with faultcode Client/Server and the ITK error in `detail`."""
    element = etree.Element(f"{{{SOAP_ENV}}}Fault", nsmap={"SOAP-ENV": SOAP_ENV})
    _text(element, "faultcode", f"SOAP-ENV:{fault.faultcode}")
    _text(
        element,
        "faultstring",
        CLIENT_FAULTSTRING if fault.faultcode == "Client" else SERVER_FAULTSTRING,
    )
    detail = etree.SubElement(element, "detail")
    info = etree.SubElement(detail, f"{{{ITK}}}ToolkitErrorInfo", nsmap={"itk": ITK})
    _text(info, f"{{{ITK}}}ErrorID", error_id.upper())
    code = _text(info, f"{{{ITK}}}ErrorCode", fault.code)
    code.set("codeSystem", fault.code_system)
    _text(info, f"{{{ITK}}}ErrorText", fault.text)
    _text(info, f"{{{ITK}}}ErrorDiagnosticText", diagnostics)
    return element


def fault_envelope(
    fault: FaultCode,
    diagnostics: str,
    *,
    error_id: str,
    message_id: str,
    relates_to: str | None,
    reply_address: str | None,
    created: datetime,
) -> etree._Element:
    return render_envelope(
        fault_body(fault, diagnostics, error_id),
        action=FAULT_ACTION,
        message_id=message_id,
        relates_to=relates_to,
        reply_address=reply_address,
        created=created,
    )


def _text(parent: etree._Element, tag: str, value: str) -> etree._Element:
    element = etree.SubElement(parent, tag)
    element.text = xml_safe(value)
    return element


def xml_safe(text: str) -> str:
    """Drop the characters XML 1.0 cannot carry (diagnostics may quote raw input)."""
    return "".join(
        ch
        for ch in text
        if ch in "\t\n\r"
        or ("\x20" <= ch <= "\ud7ff")
        or ("\ue000" <= ch <= "\ufffd")
        or ch >= "\U00010000"
    )
