"""HL7 v3 / ITK SMSP response payloads, rendered from the PDS FHIR Patient both faces share.

The patient element is a projection of the FHIR resource the PDS domain returns (supersession
resolved, restricted records already redacted), so the two faces can never disagree.
"""

from __future__ import annotations

import copy
import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from typing import Any

from lxml import etree

from harness.simulator.smsp.codes import RESPONSE_CODE_SYSTEM, ResponseCode
from harness.simulator.smsp.envelope import DEFAULT_HL7, HL7
from harness.simulator.smsp.queries import FHIR_TO_GENDER, GENDER_CODE_SYSTEM, NHS_NUMBER_ROOT

INTERACTION_CODE_SYSTEM = "2.16.840.1.113883.2.1.3.2.4.17.284"
ODS_ROOT = "2.16.840.1.113883.2.1.3.2.4.19.1"
CONFIDENTIALITY_CODE_SYSTEM = "2.16.840.1.113883.2.1.3.2.4.16.1"
NHS_NUMBER_SYSTEM = "https://fhir.nhs.uk/Id/nhs-number"
NAME_USE = {"usual": "L", "official": "L", "nickname": "PREFERRED", "maiden": "BR", "old": "OLD"}
ADDRESS_USE = {"home": "H", "temp": "TMP", "work": "WP", "billing": "PST", "old": "OLD"}
TELECOM_USE = {"home": "HP", "work": "WP", "mobile": "MC", "temp": "TMP", "old": "OLD"}
TELECOM_SCHEME = {"phone": "tel:", "email": "mailto:", "fax": "fax:", "other": "tel:"}

Patient = Mapping[str, Any]


def response(name: str, response_id: str, code: ResponseCode) -> etree._Element:
    """The common head of every SMSP response: id, interaction code, response code."""
    root = etree.Element(f"{{{HL7}}}{name}", nsmap=DEFAULT_HL7)
    root.set("classCode", "OBS")
    root.set("moodCode", "EVN")
    _child(root, "id", root=response_id.upper())
    _child(root, "code", code=name, codeSystem=INTERACTION_CODE_SYSTEM)
    _child(root, "value", code=code.code, codeSystem=RESPONSE_CODE_SYSTEM, displayName=code.display)
    return root


def patient_details(root: etree._Element, patient: Patient) -> etree._Element:
    """Append `subject/patient` with the demographics of `patient` (getPatientDetailsResponse)."""
    subject = _RENDERED.subject_of(patient)
    root.append(subject)
    return subject


class _RenderedPatients:
    """Recently rendered `subject` subtrees, by identity of the Patient they were made from.

    The domain's Patients are read-only (an update stores a new dict), so a Patient object
    always renders the same; the entry keeps it alive, so its id cannot be reused meanwhile.
    Callers get a copy: the cached subtree is never attached to a response.
    """

    def __init__(self, size: int = 4096) -> None:
        self._size = size
        self._entries: OrderedDict[int, tuple[Patient, etree._Element]] = OrderedDict()
        self._lock = threading.Lock()  # test servers may run in several threads

    def subject_of(self, patient: Patient) -> etree._Element:
        key = id(patient)
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and entry[0] is patient:
                self._entries.move_to_end(key)
                return copy.deepcopy(entry[1])
        subject = _render_subject(patient)
        with self._lock:
            self._entries[key] = (patient, subject)
            self._entries.move_to_end(key)
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)
        return copy.deepcopy(subject)


_RENDERED = _RenderedPatients()


def _render_subject(patient: Patient) -> etree._Element:
    subject = etree.Element(f"{{{HL7}}}subject", {"typeCode": "SUBJ"}, nsmap=DEFAULT_HL7)
    element = _child(subject, "patient", classCode="PAT")
    _child(element, "id", root=NHS_NUMBER_ROOT, extension=nhs_number_of(patient))
    for label in patient.get("meta", {}).get("security", []):
        _child(
            element,
            "confidentialityCode",
            code=label["code"],
            codeSystem=CONFIDENTIALITY_CODE_SYSTEM,
        )
    for address in patient.get("address", []):
        _address(element, address)
    for telecom in patient.get("telecom", []):
        scheme = TELECOM_SCHEME.get(telecom.get("system", "phone"), "tel:")
        _child(
            element,
            "telecom",
            use=TELECOM_USE.get(telecom.get("use", "home"), "HP"),
            value=f"{scheme}{telecom.get('value', '')}",
        )
    person = _child(element, "patientPerson", classCode="PSN", determinerCode="INSTANCE")
    for name in patient.get("name", []):
        _name(person, name)
    if "gender" in patient:
        code = FHIR_TO_GENDER.get(patient["gender"], "0")
        _child(person, "administrativeGenderCode", code=code, codeSystem=GENDER_CODE_SYSTEM)
    if "birthDate" in patient:
        _child(person, "birthTime", value=hl7_date(patient["birthDate"]))
    if "deceasedDateTime" in patient:
        _child(person, "deceasedTime", value=hl7_date(patient["deceasedDateTime"]))
    for practice in patient.get("generalPractitioner", []):
        ods = practice.get("identifier", {}).get("value")
        if ods:
            location = _child(person, "gPPractice", classCode="SDLOC")
            organisation = _child(
                location, "locationOrganization", classCode="ORG", determinerCode="INSTANCE"
            )
            _child(organisation, "id", root=ODS_ROOT, extension=ods)
    return subject


def patient_identifier(root: etree._Element, nhs_number: str) -> etree._Element:
    """Append `subject/patient/id` (getNHSNumberResponse)."""
    subject = _child(root, "subject", typeCode="SUBJ")
    patient = _child(subject, "patient", classCode="PAT")
    _child(patient, "id", root=NHS_NUMBER_ROOT, extension=nhs_number)
    return patient


def verification(root: etree._Element, verified: bool, nhs_number: str | None) -> etree._Element:
    """Append `component/validIdentifier` (verifyNHSNumberResponse)."""
    component = _child(root, "component", typeCode="COMP")
    valid = _child(component, "validIdentifier", classCode="OBS", moodCode="EVN")
    _child(valid, "code", code="VI", codeSystem=INTERACTION_CODE_SYSTEM)
    _child(valid, "value", value="true" if verified else "false")
    if nhs_number is not None:
        subject = _child(valid, "subject", typeCode="SUBJ")
        patient = _child(subject, "patient", classCode="PAT")
        _child(patient, "id", root=NHS_NUMBER_ROOT, extension=nhs_number)
    return valid


def nhs_number_of(patient: Patient) -> str:
    for identifier in patient.get("identifier", []):
        if identifier.get("system") == NHS_NUMBER_SYSTEM:
            return str(identifier["value"])
    return str(patient.get("id", ""))


def hl7_date(fhir_date: str) -> str:
    """FHIR date or dateTime -> HL7 TS: 2010-10-22 -> 20101022 (time kept as HHMMSS)."""
    day, _, time = fhir_date.partition("T")
    digits = day.replace("-", "")
    if time:
        digits += "".join(ch for ch in time[:8] if ch.isdigit())
    return digits


def _address(parent: etree._Element, address: Mapping[str, Any]) -> None:
    element = _child(parent, "addr", use=ADDRESS_USE.get(address.get("use", "home"), "H"))
    for line in address.get("line", []):
        _text(element, "streetAddressLine", line)
    if "postalCode" in address:
        _text(element, "postalCode", address["postalCode"])


def _name(parent: etree._Element, name: Mapping[str, Any]) -> None:
    element = _child(parent, "name", use=NAME_USE.get(name.get("use", "usual"), "L"))
    parts: Sequence[tuple[str, Sequence[str]]] = (
        ("prefix", name.get("prefix", [])),
        ("given", name.get("given", [])),
        ("family", [name["family"]] if "family" in name else []),
        ("suffix", name.get("suffix", [])),
    )
    for tag, values in parts:
        for value in values:
            _text(element, tag, value)


def _child(parent: etree._Element, tag: str, **attributes: str) -> etree._Element:
    return etree.SubElement(parent, f"{{{HL7}}}{tag}", attributes)


def _text(parent: etree._Element, tag: str, value: str) -> etree._Element:
    element = etree.SubElement(parent, f"{{{HL7}}}{tag}")
    element.text = value
    return element
