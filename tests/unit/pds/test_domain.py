"""PDS domain rules: retrieval, search, update and create, face-independent."""

from __future__ import annotations

import copy

import pytest

from harness.simulator.pds.create import create_patient
from harness.simulator.pds.domain import (
    Access,
    PdsError,
    SearchCriteria,
    read_patient,
    related_people,
    search_patients,
)
from harness.simulator.pds.patch import expected_version, update_patient
from harness.simulator.pds.search import soundex
from harness.simulator.population import Population, build_population
from harness.simulator.population import sandbox as special

pytestmark = pytest.mark.pds
WORKER = Access.HEALTHCARE_WORKER
APPLICATION = Access.APPLICATION_RESTRICTED


@pytest.fixture
def population() -> Population:
    return build_population(seed=1, size=300)


def error_of(call: object, *args: object) -> PdsError:
    assert callable(call)
    with pytest.raises(PdsError) as caught:
        call(*args)
    return caught.value


# -- retrieval ---------------------------------------------------------------------------------


def test_read_returns_the_master_patient(population: Population) -> None:
    patient = read_patient(population, special.JANE_SMITH, WORKER)
    assert patient is population.get(special.JANE_SMITH).resource  # no per-read copy


@pytest.mark.parametrize(
    ("number", "code", "status"),
    [
        ("9000000000", "INVALID_RESOURCE_ID", 400),
        ("90000000", "INVALID_RESOURCE_ID", 400),
        ("abcdefghij", "INVALID_RESOURCE_ID", 400),
        (special.NOT_FOUND, "RESOURCE_NOT_FOUND", 404),
        (special.INVALIDATED, "INVALIDATED_RESOURCE", 404),
    ],
)
def test_read_errors(population: Population, number: str, code: str, status: int) -> None:
    error = error_of(read_patient, population, number, WORKER)
    assert (error.code, error.status) == (code, status)


def test_superseded_number_reads_the_replacing_record(population: Population) -> None:
    assert read_patient(population, special.SUPERSEDED, WORKER)["id"] == special.SUPERSEDING


def test_restricted_patient_is_redacted(population: Population) -> None:
    patient = read_patient(population, special.RESTRICTED, APPLICATION)
    master = population.get(special.RESTRICTED).resource
    for field in ("address", "telecom", "generalPractitioner"):
        assert field in master and field not in patient
    assert patient["meta"]["security"][0]["code"] == "R"


def test_related_people_none_for_restricted(population: Population) -> None:
    assert len(related_people(population, special.JANE_SMITH)) == 2
    assert related_people(population, special.RESTRICTED) == []


# -- search ------------------------------------------------------------------------------------


def search(population: Population, access: Access = WORKER, **criteria: object) -> list[str]:
    found = search_patients(population, SearchCriteria(**criteria), access)  # type: ignore[arg-type]
    return [patient["id"] for patient, _ in found]


def test_sandbox_searches(population: Population) -> None:
    jane = {"family": "Smith", "gender": "female", "birthdate": ("eq2010-10-22",)}
    assert search(population, **jane, email="jane.smith@example.com", phone="01632960587") == [
        special.JANE_SMITH
    ]
    assert search(population, **jane, email="deb.trotter@example.com") == []
    wildcard = dict(jane, family="Sm*")
    assert search(population, **wildcard) == [special.JANE_SMITH, special.JAYNE_SMYTH]
    ranged = dict(jane, birthdate=("ge2010-10-21", "le2010-10-23"))
    assert search(population, **ranged) == [special.JANE_SMITH]
    compound = {"family": "Smith", "given": ("John Paul", "James"), "birthdate": ("eq2010-10-22",)}
    assert search(population, **compound) == [special.COMPOUND_NAME]


def test_wildcard_lowers_the_score(population: Population) -> None:
    found = search_patients(
        population,
        SearchCriteria(family="Sm*", gender="female", birthdate=("eq2010-10-22",)),
        WORKER,
    )
    assert [score for _, score in found] == [0.965, 0.965]


def test_restricted_patients_never_found_by_postcode(population: Population) -> None:
    janet = {"family": "Smythe", "birthdate": ("eq2005-06-16",)}
    found = search_patients(population, SearchCriteria(**janet), WORKER)  # type: ignore[arg-type]
    assert [p["id"] for p, _ in found] == [special.RESTRICTED]
    assert "address" not in found[0][0] and "telecom" not in found[0][0]
    assert search(population, **janet, postcode="LS1 6AE") == []
    assert search(population, family="Smith", birthdate=("eq2010-10-22",), postcode="ls16ae") == [
        special.JANE_SMITH,
        special.COMPOUND_NAME,
    ]


def test_search_returns_only_current_names_and_home_address(population: Population) -> None:
    found = search_patients(
        population, SearchCriteria(family="Youds", birthdate=("eq1971-08-30",)), WORKER
    )
    patient = found[0][0]
    assert {n["use"] for n in patient["name"]} == {"usual", "nickname"}
    assert [a["use"] for a in patient["address"]] == ["home"]


def test_history_finds_previous_names_and_postcodes(population: Population) -> None:
    previous = {"family": "Godsoe", "birthdate": ("eq1971-08-30",)}
    assert search(population, **previous) == []
    assert search(population, **previous, history=True) == [special.MULTI_ADDRESS]
    moved = {"family": "Youds", "birthdate": ("eq1971-08-30",), "postcode": "DN20 0PQ"}
    assert search(population, **moved) == []
    assert search(population, **moved, history=True) == [special.MULTI_ADDRESS]


def test_fuzzy_matches_homophones_and_transpositions(population: Population) -> None:
    assert soundex("Smith") == soundex("Smythe") == "S530"
    plain = {"family": "Smith", "given": ("John",), "birthdate": ("eq1980-05-12",)}
    assert len(search(population, **plain)) == 2
    fuzzy = search_patients(population, SearchCriteria(**plain, fuzzy=True), WORKER)  # type: ignore[arg-type]
    assert len(fuzzy) == 6
    assert fuzzy[0][1] == 1.0 and fuzzy[-1][1] < 1.0
    swapped = {"family": "Jane", "given": ("Smith",), "birthdate": ("eq2010-10-22",), "fuzzy": True}
    assert special.JANE_SMITH in search(population, **swapped)
    exact = search(population, **plain, fuzzy=True, exact=True)
    assert len(exact) == 2


def test_too_many_matches_depends_on_access(population: Population) -> None:
    smiths = SearchCriteria(family="Smith", birthdate=("ge1980-01-01", "le1980-12-31"))
    error = error_of(search_patients, population, smiths, WORKER)
    assert (error.code, error.status) == ("TOO_MANY_MATCHES", 200)
    two = SearchCriteria(family="Sm*", gender="female", birthdate=("eq2010-10-22",))
    assert len(search_patients(population, two, WORKER)) == 2
    assert error_of(search_patients, population, two, APPLICATION).code == "TOO_MANY_MATCHES"
    one = SearchCriteria(family="Smythe", birthdate=("eq2005-06-16",))
    assert len(search_patients(population, one, APPLICATION)) == 1
    limited = SearchCriteria(
        family="Sm*", gender="female", birthdate=("eq2010-10-22",), max_results=1
    )
    assert error_of(search_patients, population, limited, WORKER).code == "TOO_MANY_MATCHES"


@pytest.mark.parametrize(
    ("criteria", "code", "status"),
    [
        (SearchCriteria(email="j.smith@example.com", phone="0163"), "INVALID_SEARCH_DATA", 400),
        (SearchCriteria(family="Smith"), "INVALID_SEARCH_DATA", 400),
        (SearchCriteria(family="*mith", birthdate=("eq2010-10-22",)), "INVALID_SEARCH_DATA", 400),
        (SearchCriteria(family="S*", birthdate=("eq2010-10-22",)), "INVALID_SEARCH_DATA", 400),
        (
            SearchCriteria(family="Sm*", given=("Jane",), birthdate=("eq2010-10-22",), fuzzy=True),
            "INVALID_SEARCH_DATA",
            400,
        ),
        (SearchCriteria(family="Smith", birthdate=("2010/10/22",)), "INVALID_SEARCH_DATA", 400),
        (SearchCriteria(family="Smith", birthdate=("eq2010-13-22",)), "INVALID_SEARCH_DATA", 400),
        (
            SearchCriteria(family="Smith", birthdate=("ge2010-10-22", "ge2010-10-23")),
            "INVALID_SEARCH_DATA",
            400,
        ),
        (
            SearchCriteria(family="Smith", birthdate=("eq2010-10-22",), gender="mal"),
            "INVALID_VALUE",
            400,
        ),
        (
            SearchCriteria(family="Smith", birthdate=("eq2010-10-22",), max_results=51),
            "INVALID_VALUE",
            400,
        ),
        (SearchCriteria(family="Smith", given=("Jane",), fuzzy=True), "INVALID_SEARCH_DATA", 400),
        (SearchCriteria(family="x" * 36, birthdate=("eq2010-10-22",)), "INVALID_VALUE", 400),
    ],
)
def test_invalid_searches(
    population: Population, criteria: SearchCriteria, code: str, status: int
) -> None:
    error = error_of(search_patients, population, criteria, WORKER)
    assert (error.code, error.status) == (code, status)


def test_application_access_cannot_ask_for_many(population: Population) -> None:
    criteria = SearchCriteria(family="Smith", birthdate=("eq2010-10-22",), max_results=5)
    error = error_of(search_patients, population, criteria, APPLICATION)
    assert (error.code, error.status) == ("INVALID_VALUE", 403)


# -- update ------------------------------------------------------------------------------------


def patch(population: Population, *patches: dict[str, object], version: int = 2) -> object:
    return update_patient(
        population, special.JANE_SMITH, version, {"patches": list(patches)}, WORKER
    )


def test_update_increments_version_and_persists(population: Population) -> None:
    before = copy.deepcopy(population.get(special.JANE_SMITH).resource)
    updated = patch(population, {"op": "replace", "path": "/gender", "value": "male"})
    record = population.get(special.JANE_SMITH)
    assert record is updated and record.version == 3
    assert record.resource["meta"]["versionId"] == "3" and record.resource["gender"] == "male"
    assert before["gender"] == "female"
    error = error_of(patch, population, {"op": "replace", "path": "/gender", "value": "female"})
    assert (error.code, error.status) == ("RESOURCE_VERSION_MISMATCH", 409)


def test_failed_patch_changes_nothing(population: Population) -> None:
    before = copy.deepcopy(population.get(special.JANE_SMITH).resource)
    error_of(
        patch,
        population,
        {"op": "replace", "path": "/gender", "value": "male"},
        {"op": "test", "path": "/name/0/id", "value": "nope"},
    )
    assert population.get(special.JANE_SMITH).resource == before


def test_added_list_items_get_an_id_and_period(population: Population) -> None:
    name = {"use": "nickname", "given": ["Janey"], "family": "Smith"}
    record = patch(population, {"op": "add", "path": "/name/-", "value": name})
    added = record.resource["name"][-1]  # type: ignore[attr-defined]
    assert len(added["id"]) == 8 and "start" in added["period"]


def test_removal_needs_a_preceding_test(population: Population) -> None:
    error = error_of(patch, population, {"op": "remove", "path": "/telecom/0"})
    assert error.code == "INVALID_UPDATE"
    record = patch(
        population,
        {"op": "test", "path": "/telecom/0/id", "value": "789"},
        {"op": "remove", "path": "/telecom/0"},
    )
    assert [t["id"] for t in record.resource["telecom"]] == ["790"]  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("operation", "code", "status"),
    [
        ({"op": "replace", "path": "/pets", "value": "cat"}, "INVALID_UPDATE", 400),
        ({"op": "move", "path": "/gender", "from": "/x"}, "INVALID_UPDATE", 400),
        ({"op": "replace", "path": "/gender"}, "INVALID_UPDATE", 400),
        ({"op": "remove", "path": "/gender"}, "INVALID_UPDATE", 400),
        (
            {"op": "add", "path": "/name/0", "value": {"use": "temp", "family": "X"}},
            "INVALID_UPDATE",
            400,
        ),
        ({"op": "replace", "path": "/name/7/family", "value": "X"}, "INVALID_UPDATE", 400),
        ({"op": "replace", "path": "/gender", "value": "other"}, "UNSUPPORTED_VALUE", 400),
        ({"op": "replace", "path": "/gender", "value": "mal"}, "INVALID_VALUE", 400),
        ({"op": "replace", "path": "/birthDate", "value": "2999-01-01"}, "INVALID_UPDATE", 400),
        ({"op": "replace", "path": "/name/0", "value": "Jane"}, "INVALID_UPDATE", 400),
        ({"op": "replace", "path": "/id", "value": "9000000017"}, "FORBIDDEN_UPDATE", 403),
        (
            {"op": "replace", "path": "/deceasedDateTime", "value": "2011-01-01"},
            "FORBIDDEN_UPDATE",
            403,
        ),
    ],
)
def test_invalid_patches(
    population: Population, operation: dict[str, object], code: str, status: int
) -> None:
    error = error_of(patch, population, operation)
    assert (error.code, error.status) == (code, status)


@pytest.mark.parametrize("body", [{}, {"patches": []}, {"patches": "x"}, [], "x"])
def test_patch_body_without_patches(population: Population, body: object) -> None:
    error = error_of(update_patient, population, special.JANE_SMITH, 2, body, WORKER)
    assert error.code == "INVALID_UPDATE"


def test_restricted_and_application_updates_are_refused(population: Population) -> None:
    body = {"patches": [{"op": "replace", "path": "/gender", "value": "male"}]}
    error = error_of(update_patient, population, special.RESTRICTED, 2, body, WORKER)
    assert (error.code, error.status) == ("FORBIDDEN_UPDATE", 403)
    error = error_of(update_patient, population, special.JANE_SMITH, 2, body, APPLICATION)
    assert error.status == 403


@pytest.mark.parametrize("header", [None, "", '"2"', "W/2", 'W/"two"'])
def test_if_match_must_be_weak_etag(header: str | None) -> None:
    error = error_of(expected_version, header)
    assert (error.code, error.status) == ("PRECONDITION_FAILED", 412)
    assert expected_version('W/"12"') == 12


# -- create ------------------------------------------------------------------------------------

NEW_PATIENT = {
    "resourceType": "Patient",
    "name": [
        {"use": "usual", "given": ["Ada"], "family": "Lovelace", "period": {"start": "2020-01-01"}}
    ],
    "gender": "female",
    "birthDate": "1990-12-10",
    "address": [{"use": "home", "line": ["1 High Street", "Leeds"], "postalCode": "LS1 1AA"}],
    "extension": [
        {
            "url": "https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-RegisteringAuthority",
            "extension": [{"url": "organisationIdentifier", "valueString": "RGS"}],
        }
    ],
}


def test_create_allocates_then_matches(population: Population) -> None:
    record = create_patient(population, copy.deepcopy(NEW_PATIENT), WORKER)
    assert record.version == 1 and population.get(record.nhs_number) is record
    assert read_patient(population, record.nhs_number, WORKER)["name"][0]["family"] == "Lovelace"
    error = error_of(create_patient, population, copy.deepcopy(NEW_PATIENT), WORKER)
    assert (error.code, error.status) == ("SINGLE_MATCH", 200)
    assert record.nhs_number in (error.diagnostics or "")


def test_create_multiple_matches(population: Population) -> None:
    body = copy.deepcopy(NEW_PATIENT)
    body["name"][0].update(given=["Louisa"], family="McMatch-Multiple")  # type: ignore[index]
    body.update(birthDate="1982-07-10", address=[{"use": "home", "postalCode": "DN19 7UD"}])
    error = error_of(create_patient, population, body, WORKER)
    assert (error.code, error.status) == ("MULTIPLE_MATCHES", 200)


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"pets": ["cat"]}, "ADDITIONAL_PROPERTIES"),
        ({"name": []}, "TOO_FEW_VALUES_SUBMITTED"),
        (
            {"name": [{"use": "usual", "family": "A"}, {"use": "usual", "family": "B"}]},
            "TOO_MANY_VALUES_SUBMITTED",
        ),
        ({"gender": "other"}, "UNSUPPORTED_VALUE"),
        ({"birthDate": "10/12/1990"}, "INVALID_VALUE"),
        ({"extension": []}, "INVALID_CREATE"),
        ({"address": [{"use": "home", "line": "not a list"}]}, "INVALID_CREATE"),
    ],
)
def test_invalid_creates(population: Population, change: dict[str, object], code: str) -> None:
    body = {**copy.deepcopy(NEW_PATIENT), **change}
    error = error_of(create_patient, population, body, WORKER)
    assert (error.code, error.status) == (code, 400)


def test_create_needs_healthcare_worker_access(population: Population) -> None:
    assert (
        error_of(create_patient, population, copy.deepcopy(NEW_PATIENT), APPLICATION).status == 403
    )
