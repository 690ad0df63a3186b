"""The SDS directory: fixture, seeded practice records, look-ups and query validation."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from harness.errors import HarnessError
from harness.simulator.sds.directory import handler_from_ldap, handler_to_ldap
from harness.simulator.sds.fixture import (
    SNAPSHOT,
    build_directory,
    load_fixture,
    population_practices,
    practice_records,
    snapshot_document,
)
from harness.simulator.sds.query import (
    SdsError,
    accepted_media_type,
    correlation_id,
    parse_device_query,
    parse_endpoint_query,
)
from harness.simulator.sds.resources import INTERACTION_SYSTEM, ODS_SYSTEM, PARTY_KEY_SYSTEM

REPC = "urn:nhs:names:services:psis:REPC_IN150016UK05"
METADATA = "urn:nhs:names:services:gpconnect:fhir:rest:read:metadata-1"


def test_practice_records_are_deterministic_and_shaped_like_sds() -> None:
    fixture = load_fixture()
    systems, handlers = practice_records(0, "A20047", fixture)
    again = practice_records(0, "A20047", fixture)
    assert (systems, handlers) == again
    assert practice_records(1, "A20047", fixture) != (systems, handlers)
    main = systems[0]
    assert re.fullmatch(r"\d{12}", main.asid)
    assert re.fullmatch(r"A20047-\d{6}", main.party_key)
    assert METADATA in main.interactions and REPC in main.interactions
    assert {h.party_key for h in handlers} <= {s.party_key for s in systems}
    gp2gp = [h for h in handlers if h.reliability is not None]
    assert len(gp2gp) == 4
    assert all(h.reliability and h.reliability.retries == 2 for h in gp2gp)


def test_snapshot_is_what_seed_zero_generates() -> None:
    """The committed review copy must not drift from the generator (rewrite it if so)."""
    expected = snapshot_document(0, population_practices(0), load_fixture())
    assert SNAPSHOT.read_text() == expected, "run: python -m harness.simulator.sds"
    document = json.loads(expected)
    asids = [record["uniqueIdentifier"] for record in document["systems"]]
    assert len(asids) == len(set(asids))


def test_directory_covers_every_population_practice() -> None:
    practices = population_practices(0)
    directory = build_directory(0, practices)
    assert set(practices) <= set(directory.organisations())
    assert "YES" in directory.organisations()


def test_lookups_are_case_insensitive_and_filtered() -> None:
    directory = build_directory(0, ["A20047"])
    systems = directory.find_systems("a20047", METADATA.upper())
    assert len(systems) >= 1
    key = systems[0].party_key
    assert directory.find_systems("A20047", METADATA, party_key=key) == [systems[0]]
    assert directory.find_systems("A20047", METADATA, party_key="A20047-000000") == []
    assert directory.find_systems("A20047", METADATA, manufacturer="NOPE") == []
    spine = directory.find_handlers("YES", REPC)
    assert [h.addresses for h in spine] == [
        ("https://msg.int.spine2.ncrs.nhs.uk/reliablemessaging/reliablerequest",)
    ]
    assert directory.find_handlers(None, REPC, "YES-0000806") == spine
    assert len(directory.find_handlers("A20047", None, key)) >= 5


def test_ldap_round_trip() -> None:
    handler = load_fixture().handlers[0]
    assert handler_from_ldap(handler_to_ldap(handler)) == handler


def test_a_broken_fixture_names_file_and_field(tmp_path: Path) -> None:
    path = tmp_path / "directory.json"
    path.write_text(json.dumps({"format_version": 1, "systems": [{"id": "x"}]}))
    with pytest.raises(HarnessError) as raised:
        load_fixture(path)
    assert raised.value.file == str(path) and raised.value.field == "systems"
    path.write_text(json.dumps({"format_version": 9}))
    with pytest.raises(HarnessError, match="format_version"):
        load_fixture(path)


def org(code: str) -> tuple[str, str]:
    return ("organization", f"{ODS_SYSTEM}|{code}")


def interaction(value: str) -> tuple[str, str]:
    return ("identifier", f"{INTERACTION_SYSTEM}|{value}")


def party(value: str) -> tuple[str, str]:
    return ("identifier", f"{PARTY_KEY_SYSTEM}|{value}")


def test_device_query_takes_the_last_value_of_each_system() -> None:
    query = parse_device_query([org("X"), org("YES"), interaction("a"), interaction(REPC)])
    assert (query.ods_code, query.interaction, query.party_key) == ("YES", REPC, None)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ([interaction(REPC)], "Missing or invalid 'organization' query parameter"),
        ([org("YES")], "Missing or invalid 'identifier' query parameter"),
        ([org("YES"), ("identifier", "urn:x|y")], "Should be one or both of"),
        ([org("YES"), interaction(REPC), ("foo", "1")], "Illegal query parameter 'foo'"),
        ([("organization", "YES"), interaction(REPC)], "organization=https://fhir.nhs.uk"),
        ([org(" "), interaction(REPC)], "Missing or invalid 'organization'"),
    ],
)
def test_device_query_errors(query: list[tuple[str, str]], message: str) -> None:
    with pytest.raises(SdsError) as raised:
        parse_device_query(query)
    assert raised.value.status == 400 and message in raised.value.diagnostics


@pytest.mark.parametrize(
    "query",
    [[org("YES")], [interaction(REPC)], [party("YES-0000806")], []],
)
def test_endpoint_query_needs_a_supported_combination(query: list[tuple[str, str]]) -> None:
    with pytest.raises(SdsError, match="Should one of following combinations"):
        parse_endpoint_query(query)


def test_endpoint_query_combinations() -> None:
    assert parse_endpoint_query([interaction(REPC), party("YES-0000806")]).ods_code is None
    assert parse_endpoint_query([org("YES"), party("YES-0000806")]).interaction is None


def test_headers() -> None:
    assert correlation_id(None) is None
    assert correlation_id("6d3d3674-7ce5-11ec-90d6-0242ac120003")
    with pytest.raises(SdsError, match="X-Correlation-ID"):
        correlation_id("not-a-uuid")
    assert accepted_media_type(None) == "application/fhir+json"
    assert accepted_media_type("application/json") == "application/json"
    assert accepted_media_type("text/html, */*;q=0.8") == "application/fhir+json"
    assert accepted_media_type("application/fhir+xml") == "application/fhir+xml"
    with pytest.raises(SdsError) as raised:
        accepted_media_type("text/html")
    assert raised.value.status == 406
