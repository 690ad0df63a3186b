"""Shrinking: the smallest subset that still diverges, deterministically."""

from __future__ import annotations

import orjson

from harness.core.difference import DiffKind, Verdict
from harness.core.exchange import Request
from harness.core.result import ResultDifference, ResultRecord
from harness.generation.shrink import rebuild, shrink_parts, signature, template_parts


def test_shrinks_to_the_single_part_that_matters() -> None:
    parts = list(range(12))
    calls: list[tuple[int, ...]] = []

    def diverges(kept: tuple[int, ...]) -> bool:
        calls.append(kept)
        return 7 in kept

    first = shrink_parts(parts, diverges)
    assert first.parts == (7,)
    again = shrink_parts(parts, lambda kept: 7 in kept)
    assert again.parts == (7,)  # derandomised: the same answer every time


def test_shrinks_to_a_pair_that_must_stay_together() -> None:
    result = shrink_parts(list("abcdefgh"), lambda kept: "b" in kept and "g" in kept)
    assert result.parts == ("b", "g")


def test_keeps_everything_when_no_subset_diverges() -> None:
    parts = ["x", "y"]
    assert shrink_parts(parts, lambda kept: len(kept) == 2).parts == ("x", "y")


def test_stops_when_out_of_time_and_keeps_the_smallest_seen() -> None:
    budget = iter(range(3))

    def out_of_time() -> bool:
        return next(budget, None) is None

    result = shrink_parts(list(range(6)), lambda kept: bool(kept), out_of_time=out_of_time)
    assert 0 < len(result.parts) <= 6


def test_template_parts_and_rebuild() -> None:
    template = {
        "method": "POST",
        "path": "/x",
        "query": [["a", "1"], ["b", "2"]],
        "headers": [["X-Request-ID", "{{$uuid}}"]],
        "body": orjson.dumps({"keep": 1, "drop": 2}).decode(),
        "body_encoding": "utf-8",
    }
    parts = template_parts(template)
    assert ("query", ("a", "1")) in parts and ("body", "drop") in parts
    kept = [p for p in parts if p in (("query", ("b", "2")), ("body", "keep"))]
    rebuilt = rebuild(template, kept)
    assert rebuilt["query"] == [["b", "2"]]
    assert rebuilt["headers"] == []
    assert orjson.loads(rebuilt["body"]) == {"keep": 1}


def test_signature_ignores_list_indices_and_matches() -> None:
    def record(verdict: Verdict, *paths: str) -> ResultRecord:
        differences = tuple(ResultDifference(p, DiffKind.CHANGED, 1, 2) for p in paths)
        return ResultRecord(
            "i", "generated", "pds", "op", Request("GET", "/"), verdict, differences
        )

    found = signature([record(Verdict.MISMATCH, "/entry/3/resource/id", "status")])
    assert found == frozenset({"/entry/*/resource/id", "status"})
    assert signature([record(Verdict.MATCH)]) == frozenset()
