"""The HL7 v3 query payloads of the four SMSP requests, read into typed queries.

Each request element holds a `queryEvent` with optional `Person.*` parameters:
`Person.NHSNumber/value/@extension`, `Person.DateOfBirth/value/@value` (HL7 TS, YYYYMMDD...),
`Person.Gender/value/@code` (0 not known, 1 male, 2 female, 9 not specified),
`Person.Name/value/{given*, family}` and `Person.Postcode/value/postalCode`.
Missing or malformed parameters raise an `SmspFault` naming the parameter.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from lxml import etree

from harness.simulator.population.nhs_numbers import is_valid
from harness.simulator.smsp.codes import INVALID_NHS_NUMBER, INVALID_QUERY, SmspFault
from harness.simulator.smsp.envelope import HL7, first_child

NHS_NUMBER_ROOT = "2.16.840.1.113883.2.1.4.1"
GENDER_CODE_SYSTEM = "2.16.840.1.113883.2.1.3.2.4.16.25"
GENDER_TO_FHIR = {"0": "unknown", "1": "male", "2": "female", "9": "other"}
FHIR_TO_GENDER = {fhir: code for code, fhir in GENDER_TO_FHIR.items()}
_POSTCODE = re.compile(r"^[A-Z0-9]{2,4} ?[0-9][A-Z]{2}$")
_NAME = re.compile(r"^[^\x00-\x1f<>*]{1,35}$")  # no wildcards: SMSP traces are plain


@dataclass(frozen=True, slots=True)
class Query:
    """The person parameters a request carried (None when absent)."""

    nhs_number: str | None = None
    birth_date: date | None = None
    gender: str | None = None  # FHIR gender: male, female, other, unknown
    family: str | None = None
    given: tuple[str, ...] = ()
    postcode: str | None = None

    def require(self, *fields: str) -> Query:
        """Fault when a mandatory parameter is missing (named as on the wire)."""
        for name in fields:
            if getattr(self, name) in (None, ()):
                raise SmspFault(INVALID_QUERY, f"{WIRE_NAMES[name]} is mandatory for this request")
        return self


WIRE_NAMES = {
    "nhs_number": "Person.NHSNumber",
    "birth_date": "Person.DateOfBirth",
    "gender": "Person.Gender",
    "family": "Person.Name/family",
    "given": "Person.Name/given",
    "postcode": "Person.Postcode",
}


def read_query(payload: etree._Element) -> Query:
    """All person parameters of a request payload, each validated when present."""
    event = first_child(payload, f"{{{HL7}}}queryEvent")
    if event is None:
        raise SmspFault(INVALID_QUERY, f"{etree.QName(payload).localname} has no queryEvent")
    values = _values(event)
    family, given = _name(values.get("Person.Name"))
    return Query(
        nhs_number=_nhs_number(values.get("Person.NHSNumber")),
        birth_date=_birth_date(values.get("Person.DateOfBirth")),
        gender=_gender(values.get("Person.Gender")),
        family=family,
        given=given,
        postcode=_postcode(values.get("Person.Postcode")),
    )


_PARAMETER_PREFIX = f"{{{HL7}}}Person."
_VALUE = f"{{{HL7}}}value"


def _values(event: etree._Element) -> dict[str, etree._Element]:
    """`Person.*` parameter name -> its `value` element (first occurrence wins)."""
    values: dict[str, etree._Element] = {}
    for parameter in event:
        tag = parameter.tag
        if isinstance(tag, str) and tag.startswith(_PARAMETER_PREFIX):
            name = tag[len(HL7) + 2 :]
            value = first_child(parameter, _VALUE)
            if value is not None and name not in values:
                values[name] = value
    return values


def _nhs_number(value: etree._Element | None) -> str | None:
    if value is None:
        return None
    number = (value.get("extension") or "").strip()
    if not number:
        raise SmspFault(INVALID_NHS_NUMBER, "Person.NHSNumber/value/@extension is empty")
    if not (len(number) == 10 and number.isascii() and number.isdigit()):
        raise SmspFault(INVALID_NHS_NUMBER, f"{number[:20]!r} is not a 10-digit NHS number")
    if not is_valid(number):
        raise SmspFault(INVALID_NHS_NUMBER, f"{number} fails the Modulus 11 check")
    return number


def _birth_date(value: etree._Element | None) -> date | None:
    if value is None:
        return None
    text = (value.get("value") or "").strip()
    return parse_hl7_date(text, "Person.DateOfBirth/value/@value")


def parse_hl7_date(text: str, where: str) -> date:
    """An HL7 TS (YYYYMMDD, optionally followed by a time) as a date."""
    if len(text) < 8 or not text[:8].isascii() or not text[:8].isdigit():
        raise SmspFault(INVALID_QUERY, f"{where} {text[:20]!r} is not an HL7 date (YYYYMMDD)")
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:8]))
    except ValueError:
        raise SmspFault(INVALID_QUERY, f"{where} {text[:20]!r} is not a valid date") from None


def _gender(value: etree._Element | None) -> str | None:
    if value is None:
        return None
    code = (value.get("code") or "").strip()
    if code not in GENDER_TO_FHIR:
        raise SmspFault(INVALID_QUERY, f"Person.Gender code {code[:20]!r} is not 0, 1, 2 or 9")
    return GENDER_TO_FHIR[code]


def _name(value: etree._Element | None) -> tuple[str | None, tuple[str, ...]]:
    if value is None:
        return None, ()
    family_element = value.find(f"{{{HL7}}}family")
    family = _name_part(family_element, "family") if family_element is not None else None
    given = tuple(_name_part(part, "given") for part in value.findall(f"{{{HL7}}}given"))
    return family, given


def _name_part(element: etree._Element, part: str) -> str:
    text = (element.text or "").strip()
    if not _NAME.match(text):
        raise SmspFault(INVALID_QUERY, f"Person.Name/{part} {text[:40]!r} is not a valid name")
    return text


def _postcode(value: etree._Element | None) -> str | None:
    if value is None:
        return None
    element = value.find(f"{{{HL7}}}postalCode")
    text = " ".join((element.text or "").upper().split()) if element is not None else ""
    if not _POSTCODE.match(text):
        raise SmspFault(INVALID_QUERY, f"Person.Postcode {text[:20]!r} is not a UK postcode")
    return text
