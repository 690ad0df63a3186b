"""Recorded requests, varied: identifiers swapped for others, query values recombined.

Reaches what schema data cannot build, e.g. a well-formed SOAP envelope for another record, or a
directory search for an organisation and an interaction that exist. The identifiers to swap come
from the domain packs (`harness.domains.Identifier`: a pattern, and the values to try in its
place); the query values are the ones other recorded requests of the same operation used. Only
requests whose template needs no captured value are varied; PATCH, PUT and DELETE are not.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import orjson
from hypothesis import strategies as st

from harness.core.encoding import request_to_dict
from harness.core.exchange import Exchange
from harness.domains import Identifier

TemplateData = dict[str, Any]
_OTHER_PLACEHOLDER = re.compile(r"\{\{\s*(?!\$uuid)[^}]*\}\}|\$\{")
VARIED_METHODS = frozenset({"GET", "POST"})
UNMATCHED = "unmatched"


def recorded_variations(
    exchanges: Iterable[Exchange], identifiers: Sequence[Identifier], per_operation: int = 12
) -> dict[str, st.SearchStrategy[TemplateData]]:
    """Per operation, a strategy varying up to `per_operation` of its recorded requests."""
    bases: dict[str, list[str]] = {}
    values: dict[str, dict[str, set[str]]] = {}
    for exchange in exchanges:
        shape = (
            exchange.template.to_dict()
            if exchange.template is not None
            else request_to_dict(exchange.request)
        )
        if exchange.operation == UNMATCHED or str(shape.get("method")) not in VARIED_METHODS:
            continue
        text = orjson.dumps(shape).decode("utf-8")
        if _OTHER_PLACEHOLDER.search(text):
            continue
        seen = values.setdefault(exchange.operation, {})
        for name, value in shape.get("query") or ():
            seen.setdefault(str(name), set()).add(str(value))
        if not any(kind.pattern.search(text) for kind in identifiers) and not shape.get("query"):
            continue
        found = bases.setdefault(exchange.operation, [])
        if len(found) < per_operation and text not in found:
            found.append(text)

    def vary(texts: list[str], seen: Mapping[str, set[str]]) -> st.SearchStrategy[TemplateData]:
        choices = {name: sorted(options) for name, options in seen.items()}

        @st.composite
        def build(draw: st.DrawFn) -> TemplateData:
            text = draw(st.sampled_from(texts))
            for kind in identifiers:
                value = draw(kind.alternatives)
                text = kind.pattern.sub(lambda _: value, text)  # noqa: B023 - used at once
            varied: TemplateData = orjson.loads(text)
            varied["headers"] = [  # a fresh request id per send: no idempotent replays
                [name, "{{$uuid}}" if name.lower() == "x-request-id" else value]
                for name, value in varied.get("headers") or ()
            ]
            varied["query"] = [
                [name, draw(st.sampled_from(choices[name])) if draw(st.booleans()) else value]
                for name, value in varied.get("query") or ()
            ]
            return varied

        return build()

    return {op: vary(texts, values.get(op, {})) for op, texts in sorted(bases.items())}
