"""Domain strategies: NHS numbers and near-misses, known patients, recorded variations."""

from __future__ import annotations

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from harness.core.exchange import Exchange, Request, Response
from harness.domains.spine.nhs_number import check_digit
from harness.domains.spine.recorded import (
    known_patients,
    near_miss_nhs_numbers,
    nhs_number_identifier,
)
from harness.generation.variations import recorded_variations

NHS_NUMBERS = [nhs_number_identifier([])]


def _valid(number: str) -> bool:
    check = check_digit(number[:9])
    return check is not None and str(check) == number[9]


@settings(max_examples=60, database=None, derandomize=True)
@given(near_miss_nhs_numbers())
def test_near_misses_are_ten_digits_and_never_valid(number: str) -> None:
    assert len(number) == 10 and number.isdigit()
    assert not _valid(number)


def _exchange(method: str, body: object, status: int = 200, path: str = "/Patient/x") -> Exchange:
    return Exchange(
        "e", "pds", "getPatient", Request(method, path),
        Response(status, (("Content-Type", "application/fhir+json"),), orjson.dumps(body)),
    )  # fmt: skip


def test_known_patients_from_recorded_answers_skip_created_ones() -> None:
    jane = {
        "resourceType": "Patient",
        "id": "9000000009",
        "name": [{"use": "usual", "family": "Smith", "given": ["Jane"]}],
        "birthDate": "2010-10-22",
        "gender": "female",
        "address": [{"postalCode": "LS1 6AE"}],
    }
    created = {"resourceType": "Patient", "id": "9700000012", "name": [{"family": "New"}]}
    found = known_patients(
        [
            _exchange("GET", jane),
            _exchange("POST", created, 201),
            _exchange("GET", {"resourceType": "Bundle", "entry": [{"resource": created}]}),
        ]
    )
    assert [(p.nhs_number, p.family, p.given, p.postcode) for p in found] == [
        ("9000000009", "Smith", "Jane", "LS1 6AE")
    ]


def test_recorded_variations_swap_the_nhs_number() -> None:
    soap = '<Envelope><value extension="9000000009"/></Envelope>'
    headers = (("X-Request-ID", "11111111-1111-4111-8111-111111111111"),)
    request = Request("POST", "/smsp/pds", (), headers, soap.encode())
    exchange = Exchange("e", "pds", "getPatientDetailsByNHSNumber", request, Response(200))
    strategies = recorded_variations([exchange], NHS_NUMBERS)
    assert list(strategies) == ["getPatientDetailsByNHSNumber"]
    seen: set[str] = set()

    @settings(max_examples=30, database=None, derandomize=True)
    @given(strategies["getPatientDetailsByNHSNumber"])
    def check(template: dict[str, object]) -> None:
        body = str(template["body"])
        assert body.startswith('<Envelope><value extension="9') and body.endswith("/></Envelope>")
        assert template["headers"] == [["X-Request-ID", "{{$uuid}}"]]
        seen.add(body)

    check()
    assert len(seen) > 3


def test_patch_requests_are_not_varied() -> None:
    exchange = _exchange("PATCH", {"id": "9000000009"}, path="/Patient/9000000009")
    assert recorded_variations([exchange], NHS_NUMBERS) == {}
    assert st is not None
