"""Recorded requests, varied: identifiers swapped for others, query values recombined.

Reaches what schema data cannot build, e.g. a well-formed SOAP envelope for another record, or a
directory search for an organisation and an interaction that exist. The identifiers to swap come
from the domain packs (`harness.domains.Identifier`: a pattern, and the values to try in its
place); the query values are the ones other recorded requests of the same operation used. Only
requests whose template needs no captured value are varied; PATCH, PUT and DELETE are not.

`success_variations` varies only requests that were answered 2xx, and only with values that
other successful requests of the operation carried (query values, path segments): the
variations stay on the success path, where a consumer's traffic mostly is.
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
        shape = _shape(exchange)
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
            varied = _fresh(orjson.loads(text))
            varied["query"] = [
                [name, draw(st.sampled_from(choices[name])) if draw(st.booleans()) else value]
                for name, value in varied.get("query") or ()
            ]
            return varied

        return build()

    return {op: vary(texts, values.get(op, {})) for op, texts in sorted(bases.items())}


def success_variations(
    exchanges: Iterable[Exchange], route: re.Pattern[str] | None = None
) -> st.SearchStrategy[TemplateData] | None:
    """Requests of one operation that were answered 2xx, varied with what the others carried:
    each query value may become another successful request's value of that parameter, and each
    path parameter another's (`route` matches the operation's paths, a group per parameter).
    None when no request can be varied."""
    bases: list[tuple[TemplateData, re.Match[str] | None]] = []
    query: dict[str, set[str]] = {}
    segments: dict[int, set[str]] = {}
    for exchange in exchanges:
        if not 200 <= exchange.response.status < 300:
            continue
        # A scenario step is sent as its template (a value bound per run, such as a fresh
        # name for a created record, is not to be sent twice): one with such values is skipped.
        shape = _shape(exchange)
        if str(shape["method"]) not in VARIED_METHODS:
            continue
        if _OTHER_PLACEHOLDER.search(orjson.dumps(shape).decode("utf-8")):
            continue
        found = route.fullmatch(exchange.request.path) if route is not None else None
        for name, value in shape["query"]:
            query.setdefault(str(name), set()).add(str(value))
        for position, value in enumerate(found.groups() if found else ()):
            segments.setdefault(position, set()).add(value)
        bases.append((shape, found))
    if not bases:
        return None
    query_choices = {name: sorted(options) for name, options in query.items()}
    segment_choices = {position: sorted(options) for position, options in segments.items()}

    @st.composite
    def build(draw: st.DrawFn) -> TemplateData:
        shape, found = draw(st.sampled_from(bases))
        varied = _fresh(dict(shape))
        if found is not None:
            path, end = [], 0
            for position, value in enumerate(found.groups()):
                start, stop = found.span(position + 1)
                chosen = draw(st.sampled_from(segment_choices[position]))
                path += [found.string[end:start], chosen if draw(st.booleans()) else value]
                end = stop
            varied["path"] = "".join([*path, found.string[end:]])
        varied["query"] = [
            [name, draw(st.sampled_from(query_choices[name])) if draw(st.booleans()) else value]
            for name, value in varied.get("query") or ()
        ]
        return varied

    return build()


def _shape(exchange: Exchange) -> TemplateData:
    """What an exchange sends: its template when it has one, else its stored request."""
    if exchange.template is not None:
        return exchange.template.to_dict()
    return request_to_dict(exchange.request)


def _fresh(template: TemplateData) -> TemplateData:
    """A fresh request id per send: no idempotent replays of the varied request."""
    template["headers"] = [
        [name, "{{$uuid}}" if name.lower() == "x-request-id" else value]
        for name, value in template.get("headers") or ()
    ]
    return template
