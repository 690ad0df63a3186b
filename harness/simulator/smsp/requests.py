"""Build SMSP request envelopes (for examples in the OpenAPI document, tests and scenarios)."""

from __future__ import annotations

import uuid
from datetime import date

from lxml import etree

from harness.simulator.smsp.envelope import DEFAULT_HL7, HL7, SOAP_ENV, WSA
from harness.simulator.smsp.operations import ITK_SERVICES
from harness.simulator.smsp.queries import FHIR_TO_GENDER, GENDER_CODE_SYSTEM, NHS_NUMBER_ROOT

INTERACTION_CODE_SYSTEM = "2.16.840.1.113883.2.1.3.2.4.17.284"
CLIENT_ADDRESS = "https://client.example.nhs.uk/itk"


def request_envelope(
    operation_id: str,
    *,
    nhs_number: str | None = None,
    birth_date: date | str | None = None,
    gender: str | None = None,
    family: str | None = None,
    given: tuple[str, ...] = (),
    postcode: str | None = None,
    message_id: str | None = None,
    payload_id: str | None = None,
) -> bytes:
    """A SOAP 1.1 request for `operation_id` with the given person parameters.

    `gender` is a FHIR gender (male, female, other, unknown); `birth_date` a date or YYYY-MM-DD.
    The wsa:MessageID and the payload id are fresh UUIDs unless given.
    """
    action = f"{ITK_SERVICES}:{operation_id}-v1-0"
    envelope = etree.Element(
        f"{{{SOAP_ENV}}}Envelope", nsmap={"SOAP-ENV": SOAP_ENV, "wsa": WSA, **DEFAULT_HL7}
    )
    header = etree.SubElement(envelope, f"{{{SOAP_ENV}}}Header")
    message = message_id or str(uuid.uuid4()).upper()
    _text(header, f"{{{WSA}}}MessageID", f"uuid:{message}")
    _text(header, f"{{{WSA}}}Action", action)
    _text(header, f"{{{WSA}}}To", "https://spine.nhs.uk/smsp/pds")
    _text(etree.SubElement(header, f"{{{WSA}}}From"), f"{{{WSA}}}Address", CLIENT_ADDRESS)
    _text(etree.SubElement(header, f"{{{WSA}}}ReplyTo"), f"{{{WSA}}}Address", CLIENT_ADDRESS)
    body = etree.SubElement(envelope, f"{{{SOAP_ENV}}}Body")
    name = f"{operation_id}Request-v1-0"
    payload = etree.SubElement(body, f"{{{HL7}}}{name}", classCode="CACT", moodCode="EVN")
    etree.SubElement(payload, f"{{{HL7}}}id", root=payload_id or str(uuid.uuid4()).upper())
    etree.SubElement(payload, f"{{{HL7}}}code", code=name, codeSystem=INTERACTION_CODE_SYSTEM)
    event = etree.SubElement(payload, f"{{{HL7}}}queryEvent")
    if birth_date is not None:
        text = birth_date.isoformat() if isinstance(birth_date, date) else birth_date
        _parameter(event, "Person.DateOfBirth").set("value", text.replace("-", ""))
    if gender is not None:
        value = _parameter(event, "Person.Gender")
        value.set("code", FHIR_TO_GENDER.get(gender, gender))
        value.set("codeSystem", GENDER_CODE_SYSTEM)
    if family is not None or given:
        value = _parameter(event, "Person.Name")
        for part in given:
            _text(value, f"{{{HL7}}}given", part)
        if family is not None:
            _text(value, f"{{{HL7}}}family", family)
    if nhs_number is not None:
        value = _parameter(event, "Person.NHSNumber")
        value.set("root", NHS_NUMBER_ROOT)
        value.set("extension", nhs_number)
    if postcode is not None:
        _text(_parameter(event, "Person.Postcode"), f"{{{HL7}}}postalCode", postcode)
    return etree.tostring(envelope, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _parameter(event: etree._Element, name: str) -> etree._Element:
    parameter = etree.SubElement(event, f"{{{HL7}}}{name}")
    value = etree.SubElement(parameter, f"{{{HL7}}}value")
    _text(parameter, f"{{{HL7}}}semanticsText", name)
    return value


def _text(parent: etree._Element, tag: str, value: str) -> etree._Element:
    element = etree.SubElement(parent, tag)
    element.text = value
    return element
