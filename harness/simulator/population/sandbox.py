"""The public PDS sandbox's patients, written as code to match the spec's examples.

They are always present (whatever the seed) so that the spec's sandbox scenarios behave as
documented. Numbers 9000000041 and above are ours: the spec's compound-name example uses
9000000015, which fails the Modulus 11 check, so the compound-name patient is 9000000041.
"""

from __future__ import annotations

from typing import Any

from harness.simulator.population import shapes
from harness.simulator.population.records import PatientRecord

JANE_SMITH = "9000000009"
JAYNE_SMYTH = "9000000017"
RESTRICTED = "9000000025"
MINIMAL = "9000000033"
COMPOUND_NAME = "9000000041"
SUPERSEDED = "9000000068"
SUPERSEDING = "9000000076"
INVALIDATED = "9000000084"
MULTI_ADDRESS = "9000000092"
CREATE_SINGLE_MATCH = "9000001005"
CREATE_MULTIPLE_MATCHES = ("9000001013", "9000001021")
NOT_FOUND = "9111231130"  # valid, never present: the spec's "patient does not exist"
INVALID = "9000000000"  # fails the check digit: the spec's "invalid NHS number"

LEEDS = ["1 Trevelyan Square", "Boar Lane", "City Centre", "Leeds", "West Yorkshire"]
EXT = shapes.EXT


def _rich(
    number: str, given: list[str], family: str, email: str, gender: str = "female"
) -> dict[str, Any]:
    """The fully populated sandbox shape of 9000000009 (spec example Patient.json)."""
    home = shapes.address("456", "home", LEEDS, "LS1 6AE", "2020-01-01", "2021-12-31")
    home["extension"] = shapes.address_keys("12345678", "123456789012")
    temp = shapes.address(
        "T456", "temp", LEEDS, "LS1 6AE", "2020-01-01", "2021-12-31", "Student Accommodation"
    )
    temp["extension"] = shapes.address_keys("12345678", "123456789012")
    prefix = "Mrs" if gender == "female" else "Mr"
    gp = shapes.general_practitioner("254406A3", "Y12345", "2020-01-01")
    gp[0]["identifier"]["period"]["end"] = "2021-12-31"
    ods = shapes.ODS_SYSTEM
    return {
        "resourceType": "Patient",
        "id": number,
        "identifier": shapes.identifier(number),
        "meta": shapes.meta(2, False),
        "name": [
            shapes.name("123", "usual", given, family, "2020-01-01", "2021-12-31", prefix=prefix)
        ],
        "gender": gender,
        "birthDate": "2010-10-22",
        "multipleBirthInteger": 1,
        "deceasedDateTime": "2010-10-22T00:00:00+00:00",
        "generalPractitioner": gp,
        "managingOrganization": {
            "type": "Organization",
            "identifier": {
                "system": ods,
                "value": "Y12345",
                "period": shapes.period("2020-01-01", "2021-12-31"),
            },
        },
        "extension": [
            shapes.nominated_pharmacy("Y12345"),
            {
                "url": EXT + "PreferredDispenserOrganization",
                "valueReference": {"identifier": {"system": ods, "value": "Y23456"}},
            },
            {
                "url": EXT + "MedicalApplianceSupplier",
                "valueReference": {"identifier": {"system": ods, "value": "Y34567"}},
            },
            shapes.death_notification("2", "2010-10-22T00:00:00+00:00"),
            shapes.communication("fr", "French", True),
            {
                "url": "http://hl7.org/fhir/StructureDefinition/patient-birthPlace",
                "valueAddress": {
                    "city": "Manchester",
                    "district": "Greater Manchester",
                    "country": "GBR",
                },
            },
        ],
        "telecom": [
            shapes.telecom("789", "phone", "01632960587", "home", "2020-01-01", "2021-12-31"),
            shapes.telecom("790", "email", email, "home", "2019-01-01", "2022-12-31"),
        ],
        "contact": [
            {
                "id": "C123",
                "period": shapes.period("2020-01-01", "2021-12-31"),
                "relationship": [
                    {
                        "coding": [
                            {
                                "system": "http://terminology.hl7.org/CodeSystem/v2-0131",
                                "code": "C",
                                "display": "Emergency Contact",
                            }
                        ]
                    }
                ],
                "telecom": [{"system": "phone", "value": "01632960587"}],
            }
        ],
        "address": [home, temp],
    }


def _guardian(patient: str, related_id: str, details: bool) -> dict[str, Any]:
    person = None
    if details:
        person = {
            "name": [
                {
                    "use": "usual",
                    "period": shapes.period("2020-01-01", "2021-12-31"),
                    "given": ["Jane"],
                    "family": "Smith",
                    "prefix": ["Mrs"],
                    "suffix": ["MBE"],
                }
            ],
            "telecom": [
                {
                    "period": shapes.period("2020-01-01", "2021-12-31"),
                    "system": "phone",
                    "value": "01632960587",
                    "use": "home",
                }
            ],
            "address": [
                {
                    "period": shapes.period("2020-01-01", "2021-12-31"),
                    "use": "home",
                    "line": LEEDS,
                    "postalCode": "LS1 6AE",
                }
            ],
        }
    return shapes.related_person(
        patient, related_id, ("Guardian", "Guardian of patient"), "2020-01-01", person=person
    )


def _simple(
    number: str,
    given: list[str],
    family: str,
    gender: str,
    birth: str,
    postcode: str,
    version: int = 1,
) -> dict[str, Any]:
    return {
        "resourceType": "Patient",
        "id": number,
        "identifier": shapes.identifier(number),
        "meta": shapes.meta(version, False),
        "name": [shapes.name("8F1A21BC", "usual", given, family, "2020-01-01", prefix="Mrs")],
        "gender": gender,
        "birthDate": birth,
        "generalPractitioner": shapes.general_practitioner("CC7DB7E2", "A20047", "2020-01-01"),
        "address": [
            shapes.address("651757E6", "home", LEEDS[:2] + LEEDS[3:4], postcode, "2020-01-01")
        ],
    }


def sandbox_records() -> list[PatientRecord]:
    """The spec's sandbox patients and our documented special numbers (see the README)."""
    jane = _rich(JANE_SMITH, ["Jane"], "Smith", "jane.smith@example.com")
    jayne = _rich(JAYNE_SMYTH, ["Jayne"], "Smyth", "jayne.smyth@example.com")
    janet = _rich(RESTRICTED, ["Janet"], "Smythe", "janet.smythe@example.com")
    janet["meta"] = shapes.meta(2, True)
    janet["birthDate"] = "2005-06-16"
    janet["deceasedDateTime"] = "2005-06-16T00:00:00+00:00"
    janet["name"][0]["suffix"] = ["MBE"]
    janet["extension"] = [shapes.death_notification("2", "2005-06-16T00:00:00+00:00")]
    del janet["managingOrganization"], janet["contact"]
    compound = _rich(
        COMPOUND_NAME, ["John Paul", "James"], "Smith", "johnp.smith@example.com", "male"
    )
    minimal = {
        "resourceType": "Patient",
        "id": MINIMAL,
        "identifier": shapes.identifier(MINIMAL),
        "meta": shapes.meta(2, False),
    }
    superseding = _simple(SUPERSEDING, ["Pauline"], "Attison", "female", "1963-03-14", "DN18 5DW")
    superseded = _simple(SUPERSEDED, ["Pauline"], "Attison", "female", "1963-03-14", "DN18 5DW")
    invalidated = _simple(INVALIDATED, ["Martha"], "Massam", "female", "1948-11-02", "DN17 4AA")
    multi = _simple(MULTI_ADDRESS, ["Rowena", "Ann"], "Youds", "female", "1971-08-30", "DN16 3BA")
    multi["name"].append(
        shapes.name("1D5E0A9C", "nickname", ["Ro"], "Youds", "2020-01-01"),
    )
    multi["name"].append(
        shapes.name("6B0C77E1", "old", ["Rowena"], "Godsoe", "1971-08-30", "1995-06-17")
    )
    multi["address"].append(
        shapes.address(
            "T7A2B01C",
            "temp",
            ["Flat 2", "14 Quay Street", "Grimsby"],
            "DN31 3HT",
            "2025-01-06",
            "2025-03-31",
            "Temporary Residence Address",
        )
    )
    multi["telecom"] = [
        shapes.telecom("3C4D5E6F", "phone", "01632960123", "home", "2020-01-01"),
        shapes.telecom("3C4D5E70", "phone", "07700900123", "mobile", "2020-01-01"),
        shapes.telecom("3C4D5E71", "email", "rowena.youds@example.com", "home", "2020-01-01"),
    ]
    single = _simple(
        CREATE_SINGLE_MATCH, ["Jane"], "McMatch-Single", "female", "1982-07-10", "BAP 4WG"
    )
    multiples = [
        _simple(number, ["Louisa"], "McMatch-Multiple", "female", "1982-07-10", "DN19 7UD")
        for number in CREATE_MULTIPLE_MATCHES
    ]
    records = [
        PatientRecord(
            JANE_SMITH,
            jane,
            version=2,
            related=(
                _guardian(JANE_SMITH, "507B7621", True),
                _guardian(JANE_SMITH, "B3380E98", False),
            ),
            note="sandbox: patient exists, fully populated; two related people",
        ),
        PatientRecord(
            JAYNE_SMYTH,
            jayne,
            version=2,
            related=(_guardian(JAYNE_SMYTH, "F4CF8B96", True),),
            note="sandbox: Jayne Smyth (fuzzy match for Jane Smith); one related person",
        ),
        PatientRecord(
            RESTRICTED,
            janet,
            restricted=True,
            version=2,
            note="sandbox: restricted (sensitive) patient; no related people",
        ),
        PatientRecord(MINIMAL, minimal, version=2, note="sandbox: minimal data"),
        PatientRecord(COMPOUND_NAME, compound, version=2, note="compound given name John Paul"),
        PatientRecord(SUPERSEDING, superseding, note=f"replaces superseded {SUPERSEDED}"),
        PatientRecord(
            SUPERSEDED,
            superseded,
            status="superseded",
            superseded_by=SUPERSEDING,
            note=f"superseded by {SUPERSEDING}",
        ),
        PatientRecord(INVALIDATED, invalidated, status="invalidated", note="invalidated"),
        PatientRecord(
            MULTI_ADDRESS,
            multi,
            previous_postcodes=("DN20 0PQ",),
            note="home + temporary address, nickname, previous name, three telecoms",
        ),
        PatientRecord(CREATE_SINGLE_MATCH, single, note="POST /Patient single-match example"),
    ] + [
        PatientRecord(number, resource, note="POST /Patient multiple-matches example")
        for number, resource in zip(CREATE_MULTIPLE_MATCHES, multiples, strict=True)
    ]
    return records
