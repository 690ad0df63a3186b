"""PDS requests built from what the recordings show exists, which random schema data rarely hits.

Built on `harness.domains.spine.realistic` (its NHS numbers and templates) and the vocabulary:
near-miss NHS numbers (one digit off, check digit 10), patients that exist in the population
(the simulator's documented special patients, plus every patient seen in the contracts'
recorded answers), searches for them by their own demographics, birth-date ranges around
boundaries, and the search crowds that answer TOO_MANY_MATCHES.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from hypothesis import strategies as st

from harness.core.exchange import Exchange
from harness.domains import Identifier
from harness.domains.spine.nhs_number import SYNTHETIC, check_digit
from harness.domains.spine.realistic import (
    GENDERS,
    Template,
    _template,
    nhs_numbers,
    pds_reads,
)
from harness.domains.spine.vocabulary import vocabulary

# The simulator's fixed special patients (docs/guide/simulator-pds.md), present for every seed.
SPECIAL_NHS_NUMBERS = (
    "9000000009",  # fully populated
    "9000000017",  # Soundex twin of 9000000009
    "9000000025",  # restricted
    "9000000033",  # minimal record
    "9000000041",  # compound first name
    "9000000068",  # superseded by 9000000076
    "9000000076",
    "9000000084",  # invalidated
    "9000000092",  # history, temporary address
    "9000001005",
    "9000001013",
    "9000001021",
    "9111231130",  # valid, absent
)
# Searches that match more patients than the limit (the population's "Smith 1980" crowd).
CROWD_SEARCHES: tuple[tuple[tuple[str, str], ...], ...] = (
    (("family", "Smith"), ("birthdate", "ge1980-01-01"), ("birthdate", "le1980-12-31")),
    (("family", "Smith"), ("given", "John"), ("birthdate", "eq1980-05-12")),
    (
        ("family", "Smith"),
        ("given", "John"),
        ("birthdate", "eq1980-05-12"),
        ("_fuzzy-match", "true"),
    ),
    (("family", "Sm*"), ("gender", "female"), ("birthdate", "eq2010-10-22")),
)
# Birth dates on the edges: leap days, year ends, the population's range, impossible dates.
BOUNDARY_DATES = (
    "1925-01-01", "1924-12-31", "1980-12-31", "1981-01-01", "2000-02-29", "2024-02-29",
    "2024-12-31", "2023-02-29", "1900-01-01", "2010-10-22", "2099-01-01",
)  # fmt: skip
HEALTHCARE_WORKER = ["NHSD-Session-URID", "555254242106"]


@dataclass(frozen=True, slots=True)
class KnownPatient:
    """Demographics of a patient that exists in the legacy target's population."""

    nhs_number: str
    family: str | None = None
    given: str | None = None
    birth_date: str | None = None
    gender: str | None = None
    postcode: str | None = None


def known_patients(exchanges: Iterable[Exchange]) -> list[KnownPatient]:
    """Patients seen in recorded 200 Patient answers (reads and searches), in first-seen order."""
    found: dict[str, KnownPatient] = {}
    allocated: set[str] = set()  # created by a recorded POST: the candidate has other numbers
    for exchange in exchanges:
        response = exchange.response
        if exchange.request.method == "POST" and response.status == 201:
            allocated.update(p.nhs_number for p in map(_patient_of, _created(response.body)) if p)
            continue
        if response.status != 200 or b'"Patient"' not in response.body:
            continue
        try:
            body = orjson.loads(response.body)
        except orjson.JSONDecodeError:
            continue
        for resource in _patients_in(body):
            patient = _patient_of(resource)
            if patient is not None and patient.nhs_number not in found:
                found[patient.nhs_number] = patient
    return [patient for patient in found.values() if patient.nhs_number not in allocated]


def _created(body: bytes) -> list[Mapping[str, Any]]:
    try:
        return list(_patients_in(orjson.loads(body)))
    except orjson.JSONDecodeError:
        return []


def _patients_in(body: Any) -> Iterable[Mapping[str, Any]]:
    if not isinstance(body, Mapping):
        return ()
    if body.get("resourceType") == "Patient":
        return (body,)
    entries = body.get("entry") if body.get("resourceType") == "Bundle" else None
    return [
        e["resource"]
        for e in entries or ()
        if isinstance(e, Mapping)
        and isinstance(e.get("resource"), Mapping)
        and e["resource"].get("resourceType") == "Patient"
    ]


def _patient_of(resource: Mapping[str, Any]) -> KnownPatient | None:
    number = resource.get("id")
    if not isinstance(number, str) or not re.fullmatch(r"\d{10}", number):
        return None
    names = [n for n in resource.get("name") or () if isinstance(n, Mapping)]
    usual = next((n for n in names if n.get("use") == "usual"), names[0] if names else {})
    given = usual.get("given") or [None]
    addresses = [a for a in resource.get("address") or () if isinstance(a, Mapping)]
    postcode = next((a.get("postalCode") for a in addresses if a.get("postalCode")), None)
    return KnownPatient(
        number,
        usual.get("family"),
        given[0] if isinstance(given, list) else None,
        resource.get("birthDate"),
        resource.get("gender"),
        postcode,
    )


@st.composite
def near_miss_nhs_numbers(draw: st.DrawFn) -> str:
    """Numbers that look right but are not: one digit off, or a check digit that would be 10."""
    if draw(st.booleans()):
        number = draw(nhs_numbers())
        position = draw(st.integers(0, 9))
        digit = (int(number[position]) + draw(st.integers(1, 9))) % 10
        return number[:position] + str(digit) + number[position + 1 :]
    return _check_digit_ten("9" + "".join(str(draw(st.integers(0, 9))) for _ in range(7))) + str(
        draw(st.integers(0, 9))
    )


def _check_digit_ten(first_eight: str) -> str:
    """Nine digits whose Modulus 11 check digit would be 10 (so no valid number starts so)."""
    for last_two in range(100):
        body = first_eight[:7] + f"{(int(first_eight[7]) + last_two // 10) % 10}{last_two % 10}"
        if check_digit(body) is None:
            return body
    raise AssertionError("unreachable: one in eleven nine-digit prefixes has check digit 10")


def _headers(draw: st.DrawFn) -> list[list[str]]:
    headers = [["X-Request-ID", "{{$uuid}}"]]
    if draw(st.booleans()):
        headers.append(list(HEALTHCARE_WORKER))
    if draw(st.integers(0, 3)) == 0:
        headers.append(["X-Correlation-ID", "{{$uuid}}"])
    return headers


def _numbers(known: Sequence[KnownPatient]) -> st.SearchStrategy[str]:
    existing = sorted({*SPECIAL_NHS_NUMBERS, *(p.nhs_number for p in known)})
    return st.one_of(st.sampled_from(existing), near_miss_nhs_numbers(), nhs_numbers())


def _by_number(path: str, known: Sequence[KnownPatient]) -> st.SearchStrategy[Template]:
    @st.composite
    def build(draw: st.DrawFn) -> Template:
        return _template("GET", path.replace("{id}", draw(_numbers(known))), [], _headers(draw))

    return build()


def _search(path: str, known: Sequence[KnownPatient]) -> st.SearchStrategy[Template]:
    surnames, given_names, postcodes = vocabulary()
    people = [p for p in known if p.family and p.birth_date]

    @st.composite
    def own_demographics(draw: st.DrawFn) -> list[list[str]]:
        person = draw(st.sampled_from(people))
        query = [["family", str(person.family)], ["birthdate", f"eq{person.birth_date}"]]
        if person.given and draw(st.booleans()):
            query.append(["given", person.given])
        if person.gender and draw(st.booleans()):
            query.append(["gender", person.gender])
        if person.postcode and draw(st.booleans()):
            query.append(["address-postcode", person.postcode])
        if draw(st.integers(0, 3)) == 0:
            query.append(["_fuzzy-match", "true"])
        return query

    @st.composite
    def boundary_dates(draw: st.DrawFn) -> list[list[str]]:
        query = [["family", draw(st.sampled_from(surnames))]]
        low = draw(st.sampled_from(BOUNDARY_DATES))
        if draw(st.booleans()):
            high = draw(st.sampled_from(BOUNDARY_DATES))
            query += [["birthdate", f"ge{low}"], ["birthdate", f"le{high}"]]
        else:
            query.append(["birthdate", f"{draw(st.sampled_from(('eq', 'ge', 'le')))}{low}"])
        if draw(st.booleans()):
            query.append(["given", draw(st.sampled_from(given_names))])
        if draw(st.integers(0, 2)) == 0:
            query.append(["gender", draw(st.sampled_from(GENDERS))])
        if draw(st.integers(0, 2)) == 0:
            query.append(["address-postcode", draw(st.sampled_from(postcodes))])
        return query

    crowds = st.sampled_from(CROWD_SEARCHES).map(lambda pairs: [list(p) for p in pairs])
    shapes = [crowds, boundary_dates()] + ([own_demographics()] if people else [])

    @st.composite
    def build(draw: st.DrawFn) -> Template:
        shape = draw(st.integers(0, len(shapes) - 1))
        query = draw(shapes[shape])
        headers = _headers(draw)
        if shape == 0 and HEALTHCARE_WORKER not in headers and draw(st.booleans()):
            headers.append(list(HEALTHCARE_WORKER))  # crowds page for healthcare workers
        if draw(st.booleans()):
            query.append(["_max-results", str(draw(st.sampled_from((1, 2, 10, 50, 51, 0))))])
        return _template("GET", path, query, headers)

    return build()


def domain_strategies(
    document: Mapping[str, Any], known: Sequence[KnownPatient]
) -> dict[str, st.SearchStrategy[Template]]:
    """Strategies per operationId of the document (PDS FHIR reads, searches, related people)."""
    return {
        key: _search(path, known) if kind == "search" else _by_number(path, known)
        for key, kind, path in pds_reads(document)
    }


def nhs_number_identifier(known: Sequence[KnownPatient]) -> Identifier:
    """NHS numbers in recorded requests, varied with existing, near-miss and fresh valid ones."""
    return Identifier("nhs-number", SYNTHETIC, _numbers(known))
