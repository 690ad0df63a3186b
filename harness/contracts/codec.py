"""Exchanges to and from plain JSON-compatible dicts (one line of `exchanges.jsonl`).

Requests and responses use the one encoding of `harness.core.encoding` (shared with
`results.jsonl`). Errors name the place (`where`, e.g. `contracts/pds/exchanges.jsonl:12`) and
the field.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from harness.core.encoding import (
    REQUEST_KEYS,
    RESPONSE_KEYS,
    request_from_dict,
    request_to_dict,
    response_from_dict,
    response_to_dict,
)
from harness.core.exchange import Exchange, Request, Response
from harness.core.fields import error_at, mapping_at, refuse_unknown, string_at
from harness.core.later import later_list_from, later_to_dict
from harness.core.template import Template
from harness.errors import HarnessError

SOURCES = ("recorded", "scenario", "generated", "stateful", "proxy", "har", "regression")
# The keys a stored exchange may have (`meta` is the open place for annotations).
EXCHANGE_KEYS = frozenset(
    (
        "id",
        "service",
        "operation",
        "source",
        "scenario",
        "step",
        "request",
        "response",
        "meta",
        "later",
    )
)


def exchange_to_dict(exchange: Exchange) -> dict[str, Any]:
    """The JSON object stored for one exchange (keys are sorted when written)."""
    data: dict[str, Any] = {
        "id": exchange.id,
        "service": exchange.service,
        "operation": exchange.operation,
        "source": exchange.source,
        "scenario": exchange.scenario,
        "step": exchange.step,
        "request": request_to_dict(exchange.request),
        "response": response_to_dict(exchange.response),
    }
    meta = stored_meta(exchange)
    if meta:
        data["meta"] = meta
    if exchange.later:
        data["later"] = [later_to_dict(message) for message in exchange.later]
    return data


def stored_meta(exchange: Exchange) -> dict[str, Any]:
    """The `meta` object stored for an exchange: its template and captures, then the rest."""
    meta = dict(exchange.meta)
    if exchange.template is not None:
        meta["template"] = exchange.template.to_dict()
    if exchange.captures is not None:
        meta["captures"] = dict(exchange.captures)
    return meta


def split_meta(
    meta: Mapping[str, Any], where: str
) -> tuple[Template | None, dict[str, str] | None, dict[str, Any]]:
    """A stored `meta` object as (template, captures, the rest); errors name the field."""
    rest = dict(meta)
    raw_template = rest.pop("template", None)
    template = (
        None if raw_template is None else Template.from_dict(raw_template, where, "meta.template")
    )
    raw_captures = rest.pop("captures", None)
    captures: dict[str, str] | None = None
    if raw_captures is not None:
        if not isinstance(raw_captures, Mapping) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in raw_captures.items()
        ):
            raise error_at("must map names to capture expressions", where, "meta.captures")
        captures = dict(raw_captures)
    return template, captures, rest


def exchange_from_dict(data: object, where: str) -> Exchange:
    """Parse one stored exchange; `where` names the file and line for error messages."""
    well_formed = _well_formed_exchange(data)
    if well_formed is not None:
        return well_formed
    obj = mapping_at(data, where, "exchange")
    refuse_unknown(obj, EXCHANGE_KEYS, where)
    source = obj.get("source", "recorded")
    if source not in SOURCES:
        raise error_at(f"unknown source {source!r} (one of {', '.join(SOURCES)})", where, "source")
    scenario = obj.get("scenario")
    if scenario is not None and not isinstance(scenario, str):
        raise error_at("must be a string or null", where, "scenario")
    step = obj.get("step")
    if step is not None and (not isinstance(step, int) or isinstance(step, bool) or step < 0):
        raise error_at("must be a non-negative integer or null", where, "step")
    meta = obj.get("meta", {})
    if not isinstance(meta, Mapping):
        raise error_at("must be an object", where, "meta")
    template, captures, rest = split_meta(meta, where)
    return Exchange(
        id=string_at(obj, "id", where),
        service=string_at(obj, "service", where),
        operation=string_at(obj, "operation", where),
        request=request_from_dict(obj.get("request"), where),
        response=response_from_dict(obj.get("response"), where),
        source=str(source),
        scenario=scenario,
        step=step,
        template=template,
        captures=captures,
        meta=rest,
        later=later_list_from(obj.get("later"), where),
    )


_SOURCE_SET = frozenset(SOURCES)


def _well_formed_exchange(data: object) -> Exchange | None:
    """The replay hot path: the exchange when every field is plainly valid, else None.

    Accepts exactly what the validating path accepts for UTF-8 bodies (anything unusual, e.g.
    base64 or a wrong type, returns None and goes through the validating path, which also
    produces the error messages). About twice as fast per exchange.
    """
    if type(data) is not dict:
        return None
    request, response = data.get("request"), data.get("response")
    ident, service, operation = data.get("id"), data.get("service"), data.get("operation")
    source, scenario, step = data.get("source", "recorded"), data.get("scenario"), data.get("step")
    meta = data.get("meta", {})
    if "later" in data:
        return None  # read (and checked) by the validating path
    if (
        not data.keys() <= EXCHANGE_KEYS
        or type(request) is not dict
        or type(response) is not dict
        or not request.keys() <= REQUEST_KEYS
        or not response.keys() <= RESPONSE_KEYS
        or type(ident) is not str
        or type(service) is not str
        or type(operation) is not str
        or not (ident and service and operation)
        or type(source) is not str
        or source not in _SOURCE_SET
        or (scenario is not None and type(scenario) is not str)
        or (step is not None and (type(step) is not int or step < 0))
        or type(meta) is not dict
    ):
        return None
    method, path = request.get("method"), request.get("path")
    status, elapsed = response.get("status"), response.get("elapsed_ms", 0.0)
    if (
        type(method) is not str
        or not method
        or type(path) is not str
        or not path.startswith("/")
        or type(status) is not int
        or not 100 <= status <= 599
        or type(elapsed) not in (float, int)
    ):
        return None
    query = _plain_pairs(request.get("query", []))
    headers = _plain_pairs(request.get("headers", []))
    response_headers = _plain_pairs(response.get("headers", []))
    request_body = _plain_body(request)
    response_body = _plain_body(response)
    if (
        query is None
        or headers is None
        or response_headers is None
        or request_body is None
        or response_body is None
    ):
        return None
    template, captures, rest = None, None, meta
    if meta:
        try:
            template, captures, rest = split_meta(meta, "")
        except HarnessError:
            return None  # the validating path says where
    return Exchange(
        ident,
        service,
        operation,
        Request(method.upper(), path, query, headers, request_body),
        Response(status, response_headers, response_body, float(elapsed)),
        source,
        scenario,
        step,
        template,
        captures,
        meta=rest,
    )


def _plain_pairs(value: object) -> tuple[tuple[str, str], ...] | None:
    if type(value) is not list:
        return None
    pairs = []
    for item in value:
        if type(item) is not list or len(item) != 2:
            return None
        name, text = item
        if type(name) is not str or type(text) is not str:
            return None
        pairs.append((name, text))
    return tuple(pairs)


def _plain_body(obj: dict[str, Any]) -> bytes | None:
    text = obj.get("body")
    if text is None:
        return b""
    if type(text) is str and obj.get("body_encoding") in (None, "utf-8"):
        return text.encode("utf-8")
    return None


