"""Realistic PDS requests from the interface alone: valid NHS numbers, UK names and postcodes.

Names and postcodes are sampled from lists drawn once from faker `en_GB` with a fixed seed, so the
strategies are fast and reproducible. Each strategy yields a request template for one operation
(found by its operationId in the interface document, so base paths come from the document).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from datetime import date, timedelta
from typing import Any

import orjson
from hypothesis import strategies as st

from harness.core.operations import iter_operations, server_base_path
from harness.domains.spine.nhs_number import complete
from harness.domains.spine.vocabulary import vocabulary

SANDBOX_NHS_NUMBERS = ("9000000009", "9000000017", "9000000025", "9000000033")
GENDERS = ("male", "female", "other", "unknown")
Template = dict[str, Any]


@st.composite
def nhs_numbers(draw: st.DrawFn) -> str:
    """A Modulus 11 valid NHS number in the never-issued 9000000000-9999999999 range."""
    if draw(st.integers(0, 3)) == 0:
        return draw(st.sampled_from(SANDBOX_NHS_NUMBERS))
    while True:
        number = complete("9" + "".join(str(draw(st.integers(0, 9))) for _ in range(8)))
        if number is not None:
            return number


def _headers(draw: st.DrawFn) -> list[list[str]]:
    headers = [["X-Request-ID", "{{$uuid}}"]]
    if draw(st.booleans()):
        headers.append(["X-Correlation-ID", "{{$uuid}}"])
    return headers


def _read(path: str) -> st.SearchStrategy[Template]:
    @st.composite
    def build(draw: st.DrawFn) -> Template:
        number = draw(nhs_numbers())
        return _template("GET", path.replace("{id}", number), [], _headers(draw))

    return build()


def _search(path: str) -> st.SearchStrategy[Template]:
    surnames, given, postcodes = vocabulary()

    @st.composite
    def build(draw: st.DrawFn) -> Template:
        query: list[list[str]] = [["family", draw(st.sampled_from(surnames))]]
        if draw(st.booleans()):
            query.append(["given", draw(st.sampled_from(given))])
        if draw(st.integers(0, 3)) > 0:
            query.append(["gender", draw(st.sampled_from(GENDERS))])
        if draw(st.integers(0, 9)) > 0:
            day = date(1930, 1, 1) + timedelta(days=draw(st.integers(0, 33_000)))
            prefix = draw(st.sampled_from(("eq", "ge", "le")))
            query.append(["birthdate", f"{prefix}{day.isoformat()}"])
        if draw(st.integers(0, 3)) == 0:
            query.append(["address-postcode", draw(st.sampled_from(postcodes))])
        if draw(st.integers(0, 4)) == 0:
            query.append(["_fuzzy-match", "true"])
        if draw(st.integers(0, 3)) == 0:
            query.append(["_max-results", str(draw(st.integers(1, 50)))])
        return _template("GET", path, query, _headers(draw))

    return build()


def _related(path: str) -> st.SearchStrategy[Template]:
    @st.composite
    def build(draw: st.DrawFn) -> Template:
        number = draw(nhs_numbers())
        return _template("GET", path.replace("{id}", number), [], _headers(draw))

    return build()


def _template(
    method: str, path: str, query: list[list[str]], headers: list[list[str]], body: Any = None
) -> Template:
    return {
        "method": method,
        "path": path,
        "query": query,
        "headers": headers,
        "body": None if body is None else orjson.dumps(body).decode("utf-8"),
        "body_encoding": "utf-8",
    }


# The PDS FHIR operations by their operationIds: the simulator's and NHS England's published
# document's (`get-patient`...), so that both interfaces get realistic requests.
PDS_READ = frozenset({"getPatient", "get-patient"})
PDS_SEARCH = frozenset({"searchPatients", "search-patient"})
PDS_RELATED = frozenset({"getRelatedPersons", "get-related-people"})
BUILDERS: dict[str, Callable[[str], st.SearchStrategy[Template]]] = {
    **dict.fromkeys(PDS_READ, _read),
    **dict.fromkeys(PDS_SEARCH, _search),
    **dict.fromkeys(PDS_RELATED, _related),
}


_KINDS = (("read", PDS_READ), ("search", PDS_SEARCH), ("related", PDS_RELATED))


def pds_reads(document: Mapping[str, Any]) -> Iterator[tuple[str, str, str]]:
    """(operationId, kind, path with `{id}`) of the document's PDS FHIR reads, searches and
    related-people reads (kind: read, search, related), paths under the server base path."""
    base = server_base_path(document)
    for operation in iter_operations(document):
        if operation.soap_action is not None or operation.method != "GET":
            continue
        kind = next((name for name, ids in _KINDS if operation.id in ids), None)
        if kind is not None:
            yield operation.id, kind, base + re.sub(r"\{[^}]+\}", "{id}", operation.path)


def realistic_strategies(document: Mapping[str, Any]) -> dict[str, st.SearchStrategy[Template]]:
    """Strategies for the operations of the document that have a realistic builder."""
    return {key: BUILDERS[key](path) for key, _, path in pds_reads(document)}
