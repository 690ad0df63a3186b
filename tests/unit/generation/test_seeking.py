"""Success-seeking generation: built from what answers showed exists, never from what a target
allocated (a candidate allocates its own), within its budget, the same for the same seed."""

from __future__ import annotations

import orjson

from harness.core.exchange import Exchange, Request, Response
from harness.generation.seeds import SeedPool, allocated_values
from harness.generation.seeking import success_seeking
from harness.openapi import Interface
from tests.unit.openapi.test_links import DOCUMENT

JSON = (("content-type", "application/json"),)


def _exchange(
    number: int, method: str, path: str, status: int, body: object, *headers: tuple[str, str]
) -> Exchange:
    operation = {"GET": "getThing", "POST": "createThing", "PATCH": "changeThing"}[method]
    return Exchange(
        id=f"e{number}",
        service="things",
        operation=operation,
        request=Request(method, path, (), (("X-Request-ID", "x"),)),
        response=Response(status, (*JSON, *headers), orjson.dumps(body)),
    )


RECORDED = [
    _exchange(1, "GET", "/things/t1", 200, {"id": "t1", "name": "one"}, ("ETag", 'W/"1"')),
    _exchange(2, "GET", "/things/t2", 200, {"id": "t2", "name": "two"}, ("ETag", 'W/"4"')),
    _exchange(3, "GET", "/things/nope", 404, {"detail": "none"}),
    _exchange(4, "POST", "/things", 201, {"id": "t900001", "name": "new"}),
    _exchange(5, "GET", "/things/t900001", 200, {"id": "t900001", "name": "new"}),
]


def test_allocated_values_are_what_a_change_gave_first() -> None:
    assert allocated_values(RECORDED) == frozenset({"t900001"})


def test_seeds_are_what_exists_and_chains_carry_each_targets_values() -> None:
    interface = Interface(DOCUMENT)
    pool = SeedPool(interface).feed(RECORDED)
    # A read of what the recording created is no base: the candidate has other ids.
    assert [e.id for e in pool.successes["getThing"]] == ["e1", "e2"]
    cases, chains = success_seeking(interface, pool, 30, seed=1)
    sent = len(cases) + sum(len(chain.steps) for chain in chains)
    assert 0 < sent <= 30
    # Reads that answered 200, varied with each other's values (as cases or as a chain's first
    # request); never what the recording created.
    varied = [c.template.path for c in cases if c.mode == "varied" and c.key == "getThing"]
    varied += [chain.steps[0].template.path for chain in chains if chain.link.source == "getThing"]
    assert varied and set(varied) <= {"/things/t1", "/things/t2"}
    assert not any("t900001" in case.template.path for case in cases)
    changes = [c for c in chains if (c.link.source, c.link.target) == ("getThing", "changeThing")]
    assert changes
    for chain in changes:
        read, change = chain.steps
        assert read.template.method == "GET" and "header:etag" in read.captures.values()
        if_match = dict(change.template.headers)["If-Match"]
        assert if_match.startswith("{{") and if_match.strip("{}") in read.captures
    # A change needs the current version: it is only sent along a link.
    assert not [case for case in cases if case.key == "changeThing"]
    again = success_seeking(interface, SeedPool(interface).feed(RECORDED), 30, seed=1)
    assert again == (cases, chains)
