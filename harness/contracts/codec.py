"""Exchanges to and from plain JSON-compatible dicts (one line of `exchanges.jsonl`).

The `request` object is shared with `results.jsonl`: `{"method", "path", "query": [[k, v]...],
"headers": [[k, v]...], "body": str | null, "body_encoding": "utf-8" | "base64"}`. Bodies that are
valid UTF-8 (JSON, XML, text) are kept as text so that a reviewer can read them; anything else is
base64. Errors name the place (`where`, e.g. `contracts/pds/exchanges.jsonl:12`) and the field.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from typing import Any

from harness.core.exchange import Exchange, Request, Response
from harness.errors import HarnessError

SOURCES = ("recorded", "scenario", "generated", "stateful", "proxy", "har", "regression")


def encode_body(body: bytes) -> tuple[str | None, str]:
    """(text, encoding): UTF-8 text when the bytes decode, else base64; None for no body."""
    if not body:
        return None, "utf-8"
    try:
        return body.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return base64.b64encode(body).decode("ascii"), "base64"


def decode_body(text: object, encoding: object, where: str, field: str) -> bytes:
    if text is None:
        return b""
    if not isinstance(text, str):
        raise _error("must be a string or null", where, field)
    if encoding in (None, "utf-8"):
        return text.encode("utf-8")
    if encoding == "base64":
        try:
            return base64.b64decode(text.encode("ascii"), validate=True)
        except (binascii.Error, UnicodeEncodeError) as error:
            raise _error(f"is not valid base64 ({error})", where, field) from None
    raise _error(f"unknown body_encoding {encoding!r} (utf-8 or base64)", where, field)


def request_to_dict(request: Request) -> dict[str, Any]:
    body, encoding = encode_body(request.body)
    return {
        "method": request.method,
        "path": request.path,
        "query": [[k, v] for k, v in request.query],
        "headers": [[k, v] for k, v in request.headers],
        "body": body,
        "body_encoding": encoding,
    }


def response_to_dict(response: Response) -> dict[str, Any]:
    body, encoding = encode_body(response.body)
    return {
        "status": response.status,
        "headers": [[k, v] for k, v in response.headers],
        "body": body,
        "body_encoding": encoding,
        "elapsed_ms": round(response.elapsed_ms, 1),
    }


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
    if exchange.meta:
        data["meta"] = dict(exchange.meta)
    return data


def request_from_dict(data: object, where: str, field: str = "request") -> Request:
    obj = _mapping(data, where, field)
    return Request(
        method=_string(obj, "method", where, field).upper(),
        path=_path(obj, where, field),
        query=_pairs(obj.get("query", []), where, f"{field}.query"),
        headers=_pairs(obj.get("headers", []), where, f"{field}.headers"),
        body=decode_body(obj.get("body"), obj.get("body_encoding"), where, f"{field}.body"),
    )


def response_from_dict(data: object, where: str, field: str = "response") -> Response:
    obj = _mapping(data, where, field)
    status = obj.get("status")
    if not isinstance(status, int) or isinstance(status, bool) or not 100 <= status <= 599:
        raise _error("must be an HTTP status code (100-599)", where, f"{field}.status")
    elapsed = obj.get("elapsed_ms", 0.0)
    if not isinstance(elapsed, int | float) or isinstance(elapsed, bool):
        raise _error("must be a number", where, f"{field}.elapsed_ms")
    return Response(
        status=status,
        headers=_pairs(obj.get("headers", []), where, f"{field}.headers"),
        body=decode_body(obj.get("body"), obj.get("body_encoding"), where, f"{field}.body"),
        elapsed_ms=float(elapsed),
    )


def exchange_from_dict(data: object, where: str) -> Exchange:
    """Parse one stored exchange; `where` names the file and line for error messages."""
    well_formed = _well_formed_exchange(data)
    if well_formed is not None:
        return well_formed
    obj = _mapping(data, where, "exchange")
    source = obj.get("source", "recorded")
    if source not in SOURCES:
        raise _error(f"unknown source {source!r} (one of {', '.join(SOURCES)})", where, "source")
    scenario = obj.get("scenario")
    if scenario is not None and not isinstance(scenario, str):
        raise _error("must be a string or null", where, "scenario")
    step = obj.get("step")
    if step is not None and (not isinstance(step, int) or isinstance(step, bool) or step < 0):
        raise _error("must be a non-negative integer or null", where, "step")
    meta = obj.get("meta", {})
    if not isinstance(meta, Mapping):
        raise _error("must be an object", where, "meta")
    return Exchange(
        id=_string(obj, "id", where),
        service=_string(obj, "service", where),
        operation=_string(obj, "operation", where),
        request=request_from_dict(obj.get("request"), where),
        response=response_from_dict(obj.get("response"), where),
        source=str(source),
        scenario=scenario,
        step=step,
        meta=dict(meta),
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
    if (
        type(request) is not dict
        or type(response) is not dict
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
    return Exchange(
        ident,
        service,
        operation,
        Request(method.upper(), path, query, headers, request_body),
        Response(status, response_headers, response_body, float(elapsed)),
        source,
        scenario,
        step,
        dict(meta),
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


def _error(message: str, where: str, field: str) -> HarnessError:
    file, _, line = where.rpartition(":")
    if file and line.isdigit():
        return HarnessError(message, file=file, line=int(line), field=field)
    return HarnessError(message, file=where, field=field)


def _mapping(data: object, where: str, field: str) -> Mapping[str, Any]:
    if not isinstance(data, Mapping):
        raise _error("must be an object", where, field)
    return data


def _string(obj: Mapping[str, Any], key: str, where: str, parent: str = "") -> str:
    value = obj.get(key)
    field = f"{parent}.{key}" if parent else key
    if not isinstance(value, str) or not value:
        raise _error("is missing or not a non-empty string", where, field)
    return value


def _path(obj: Mapping[str, Any], where: str, parent: str) -> str:
    path = _string(obj, "path", where, parent)
    if not path.startswith("/"):
        raise _error("must start with '/'", where, f"{parent}.path")
    return path


def _pairs(value: object, where: str, field: str) -> tuple[tuple[str, str], ...]:
    if not isinstance(value, list):
        raise _error("must be a list of [name, value] pairs", where, field)
    pairs = []
    for index, item in enumerate(value):
        if (
            not isinstance(item, list | tuple)
            or len(item) != 2
            or not all(isinstance(part, str) for part in item)
        ):
            raise _error("must be a [name, value] pair of strings", where, f"{field}[{index}]")
        pairs.append((item[0], item[1]))
    return tuple(pairs)
