"""Shrinking a divergence to a minimal reproducer with hypothesis.

A divergence is a failing property: "legacy and candidate answer this the same way". The
request (or the script) is cut into parts - query parameters, headers, top-level JSON body
members, or the steps of a script - and `hypothesis.find` searches the subsets for one that
still diverges at one of the original paths; hypothesis shrinks the keep-flags towards False,
so the result is a minimal subset. Sends happen inside the predicate (through a
`DifferentialProbe`), derandomised and without a database, so the same divergence always
shrinks to the same reproducer.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from hypothesis import HealthCheck, Phase, find, settings
from hypothesis import strategies as st
from hypothesis.errors import HypothesisException, NoSuchExample

from harness.core.difference import Verdict
from harness.core.result import ResultRecord

_INDEX = re.compile(r"/\d+(?=/|$)")


def signature(records: Iterable[ResultRecord]) -> frozenset[str]:
    """Where the records diverge: difference paths with list indices as `*`."""
    return frozenset(
        _INDEX.sub("/*", difference.path)
        for record in records
        if record.verdict is Verdict.MISMATCH
        for difference in record.differences
        if difference.waiver is None
    )


class OutOfTime(Exception):
    """The time budget ended while shrinking: the smallest divergence found so far is kept."""


@dataclass(frozen=True, slots=True)
class Shrunk:
    parts: tuple[Any, ...]  # what was kept
    tried: int  # differential sends of candidates (predicate calls)


def shrink_parts(
    parts: Sequence[Any],
    diverges: Callable[[tuple[Any, ...]], bool],
    *,
    max_examples: int = 60,
    out_of_time: Callable[[], bool] = lambda: False,
) -> Shrunk:
    """The smallest subset of `parts` (order kept) for which `diverges` holds.

    Falls back to all the parts when no smaller subset diverges (or time runs out first).
    """
    best: tuple[Any, ...] = tuple(parts)
    calls = 0

    def subset(flags: list[bool]) -> tuple[Any, ...]:
        return tuple(part for part, keep in zip(parts, flags, strict=True) if keep)

    def predicate(flags: list[bool]) -> bool:
        nonlocal best, calls
        if out_of_time():
            raise OutOfTime
        chosen = subset(flags)
        calls += 1
        if not diverges(chosen):
            return False
        if len(chosen) < len(best):
            best = chosen
        return True

    chosen_settings = settings(
        max_examples=max_examples,
        database=None,
        derandomize=True,
        deadline=None,
        phases=[Phase.generate, Phase.shrink],
        suppress_health_check=list(HealthCheck),
        report_multiple_bugs=False,
    )
    strategy = st.lists(st.booleans(), min_size=len(parts), max_size=len(parts))
    try:
        found = find(strategy, predicate, settings=chosen_settings)
        best = subset(found) if len(subset(found)) <= len(best) else best
    except (NoSuchExample, OutOfTime):
        pass
    except HypothesisException:  # unsatisfiable or flaky targets: keep the best seen
        pass
    return Shrunk(best, calls)


# Parts of one request template --------------------------------------------------------------


def template_parts(template: Mapping[str, Any]) -> list[tuple[str, Any]]:
    """("query", [k, v]), ("header", [k, v]) and ("body", key) parts of a template."""
    parts: list[tuple[str, Any]] = [("query", tuple(p)) for p in template.get("query") or ()]
    parts += [("header", tuple(p)) for p in template.get("headers") or ()]
    body = _json_object(template)
    if body is not None:
        parts += [("body", key) for key in body]
    return parts


def rebuild(template: Mapping[str, Any], kept: Iterable[tuple[str, Any]]) -> dict[str, Any]:
    """The template with only the kept parts (a body keeps the kept top-level members)."""
    chosen = list(kept)
    out = dict(template)
    out["query"] = [list(value) for kind, value in chosen if kind == "query"]
    out["headers"] = [list(value) for kind, value in chosen if kind == "header"]
    body = _json_object(template)
    if body is not None:
        keys = [value for kind, value in chosen if kind == "body"]
        out["body"] = orjson.dumps({key: body[key] for key in keys}).decode("utf-8")
    return out


def _json_object(template: Mapping[str, Any]) -> dict[str, Any] | None:
    text = template.get("body")
    if not isinstance(text, str) or template.get("body_encoding", "utf-8") != "utf-8":
        return None
    if not text.lstrip().startswith("{"):
        return None
    try:
        value = orjson.loads(text)
    except orjson.JSONDecodeError:
        return None
    return value if isinstance(value, dict) else None
