"""The one encoding of requests and responses as JSON-compatible objects.

Shared by contract lines (`exchanges.jsonl`), result lines (`results.jsonl`) and templates:
`{"method", "path", "query": [[k, v]...], "headers": [[k, v]...], "body": str | null,
"body_encoding": "utf-8" | "base64"}` for a request; `status`, `headers`, `body`,
`body_encoding`, `elapsed_ms` for a response. Bodies that are valid UTF-8 (JSON, XML, text) are
kept as text so that a reviewer can read them; anything else is base64. Errors name the place
(`where`, e.g. `contracts/pds/exchanges.jsonl:12`) and the field.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from harness.core.exchange import Request, Response
from harness.core.fields import error_at, mapping_at, pairs_at, path_at, refuse_unknown, string_at
from harness.core.template import Template

REQUEST_KEYS = frozenset(("method", "path", "query", "headers", "body", "body_encoding"))
RESPONSE_KEYS = frozenset(("status", "headers", "body", "body_encoding", "elapsed_ms"))


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
        raise error_at("must be a string or null", where, field)
    if encoding in (None, "utf-8"):
        return text.encode("utf-8")
    if encoding == "base64":
        try:
            return base64.b64decode(text.encode("ascii"), validate=True)
        except (binascii.Error, UnicodeEncodeError) as error:
            raise error_at(f"is not valid base64 ({error})", where, field) from None
    raise error_at(f"unknown body_encoding {encoding!r} (utf-8 or base64)", where, field)


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


def request_from_dict(data: object, where: str, field: str = "request") -> Request:
    obj = mapping_at(data, where, field)
    refuse_unknown(obj, REQUEST_KEYS, where, field)
    return Request(
        method=string_at(obj, "method", where, field).upper(),
        path=path_at(obj, where, field),
        query=pairs_at(obj.get("query", []), where, f"{field}.query"),
        headers=pairs_at(obj.get("headers", []), where, f"{field}.headers"),
        body=decode_body(obj.get("body"), obj.get("body_encoding"), where, f"{field}.body"),
    )


def response_from_dict(data: object, where: str, field: str = "response") -> Response:
    obj = mapping_at(data, where, field)
    refuse_unknown(obj, RESPONSE_KEYS, where, field)
    status = obj.get("status")
    if not isinstance(status, int) or isinstance(status, bool) or not 100 <= status <= 599:
        raise error_at("must be an HTTP status code (100-599)", where, f"{field}.status")
    elapsed = obj.get("elapsed_ms", 0.0)
    if not isinstance(elapsed, int | float) or isinstance(elapsed, bool):
        raise error_at("must be a number", where, f"{field}.elapsed_ms")
    return Response(
        status=status,
        headers=pairs_at(obj.get("headers", []), where, f"{field}.headers"),
        body=decode_body(obj.get("body"), obj.get("body_encoding"), where, f"{field}.body"),
        elapsed_ms=float(elapsed),
    )


def template_of_request(request: Request) -> Template:
    """A stored request as a template (it may hold `${VAR}` placeholders left by redaction)."""
    body, encoding = encode_body(request.body)
    return Template(request.method, request.path, request.query, request.headers, body, encoding)
