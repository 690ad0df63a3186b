"""HAR 1.2 in and out: browser or proxy captures become contracts, and contracts become HAR.

Export writes one entry per exchange with the harness's own fields under `_harness` (id, service,
operation, source, scenario, step, meta), so that importing an exported file gives the same
exchanges back. Import of any other HAR classifies each request with the interface document when
one is given (`--openapi`), else files everything under a service named after the host.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from harness.contracts.codec import split_meta, stored_meta
from harness.contracts.store import Contract, iter_exchanges
from harness.core.exchange import Exchange, Request, Response, media_type
from harness.core.operations import OperationIndex, slug
from harness.errors import HarnessError

HAR_VERSION = "1.2"
EPOCH = "1970-01-01T00:00:00.000Z"
_STATUS_TEXT = {
    200: "OK",
    201: "Created",
    204: "No Content",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    409: "Conflict",
    412: "Precondition Failed",
    422: "Unprocessable Entity",
    429: "Too Many Requests",
    500: "Internal Server Error",
}


# -- export ---------------------------------------------------------------------------------
def har_document(contracts: Sequence[Contract], base_url: str | None = None) -> dict[str, Any]:
    from harness.version import __version__

    entries = []
    for contract in contracts:
        origin = base_url or _origin(contract)
        started = str(contract.provenance.get("recorded_at") or EPOCH)
        for exchange in iter_exchanges(contract):
            entries.append(_entry(exchange, origin, started))
    return {
        "log": {
            "version": HAR_VERSION,
            "creator": {"name": "spine-harness", "version": __version__},
            "entries": entries,
        }
    }


def _origin(contract: Contract) -> str:
    target = str(contract.provenance.get("target") or "")
    if target.startswith(("http://", "https://")):
        parts = urlsplit(target)
        return f"{parts.scheme}://{parts.netloc}"
    return "http://localhost"


def _entry(exchange: Exchange, origin: str, started: str) -> dict[str, Any]:
    request, response = exchange.request, exchange.response
    text, encoding = _text(request.body)
    har_request: dict[str, Any] = {
        "method": request.method,
        "url": origin + request.target,
        "httpVersion": "HTTP/1.1",
        "cookies": [],
        "headers": [{"name": k, "value": v} for k, v in request.headers],
        "queryString": [{"name": k, "value": v} for k, v in request.query],
        "headersSize": -1,
        "bodySize": len(request.body),
    }
    if request.body:
        har_request["postData"] = {"mimeType": media_type(request.headers), "text": text}
        if encoding:
            har_request["postData"]["_encoding"] = encoding
    body, body_encoding = _text(response.body)
    content: dict[str, Any] = {
        "size": len(response.body),
        "mimeType": response.header("content-type") or "",
        "text": body,
    }
    if body_encoding:
        content["encoding"] = body_encoding
    return {
        "startedDateTime": _har_time(started),
        "time": response.elapsed_ms,
        "request": har_request,
        "response": {
            "status": response.status,
            "statusText": _STATUS_TEXT.get(response.status, ""),
            "httpVersion": "HTTP/1.1",
            "cookies": [],
            "headers": [{"name": k, "value": v} for k, v in response.headers],
            "content": content,
            "redirectURL": response.header("location") or "",
            "headersSize": -1,
            "bodySize": len(response.body),
        },
        "cache": {},
        "timings": {"send": 0, "wait": response.elapsed_ms, "receive": 0},
        "_harness": {
            "id": exchange.id,
            "service": exchange.service,
            "operation": exchange.operation,
            "source": exchange.source,
            "scenario": exchange.scenario,
            "step": exchange.step,
            "meta": stored_meta(exchange),
        },
    }


def _text(body: bytes) -> tuple[str, str | None]:
    try:
        return body.decode("utf-8"), None
    except UnicodeDecodeError:
        return base64.b64encode(body).decode("ascii"), "base64"


def _har_time(stamp: str) -> str:
    try:
        moment = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return EPOCH
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


# -- import ---------------------------------------------------------------------------------
def read_har(path: Path) -> list[Any]:
    try:
        document = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError) as error:
        raise HarnessError(f"cannot read: {error}", file=str(path)) from None
    except json.JSONDecodeError as error:
        raise HarnessError(
            f"not valid JSON: {error.msg}", file=str(path), line=error.lineno
        ) from None
    log = document.get("log") if isinstance(document, Mapping) else None
    if not isinstance(log, Mapping) or not isinstance(log.get("entries"), list):
        raise HarnessError("not a HAR file (no log.entries)", file=str(path), field="log.entries")
    return list(log["entries"])


def iter_har_exchanges(path: Path, index: OperationIndex | None = None) -> Iterator[Exchange]:
    """Exchanges of a HAR file, in file order; entries that are not HTTP(S) are errors."""
    for number, entry in enumerate(read_har(path)):
        yield _exchange(entry, number, index, f"log.entries[{number}]", str(path))


def _exchange(
    entry: Any, number: int, index: OperationIndex | None, where: str, file: str
) -> Exchange:
    def fail(message: str, field: str) -> HarnessError:
        return HarnessError(message, file=file, field=f"{where}.{field}")

    if not isinstance(entry, Mapping):
        raise fail("must be an object", "")
    har_request, har_response = entry.get("request"), entry.get("response")
    if not isinstance(har_request, Mapping) or not isinstance(har_response, Mapping):
        raise fail("needs request and response objects", "request")
    url = har_request.get("url")
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        raise fail("must be an absolute http(s) URL", "request.url")
    parts = urlsplit(url)
    body = b""
    post = har_request.get("postData")
    if isinstance(post, Mapping) and isinstance(post.get("text"), str):
        body = _decode(post["text"], post.get("_encoding") or post.get("encoding"))
    request = Request(
        method=str(har_request.get("method", "GET")).upper(),
        path=parts.path or "/",
        query=tuple(parse_qsl(parts.query, keep_blank_values=True)),
        headers=_pairs(har_request.get("headers"), fail, "request.headers"),
        body=body,
    )
    content = (
        har_response.get("content") if isinstance(har_response.get("content"), Mapping) else {}
    )
    assert isinstance(content, Mapping)
    text = content.get("text")
    status = har_response.get("status")
    if not isinstance(status, int) or not 100 <= status <= 599:
        raise fail("must be an HTTP status code", "response.status")
    elapsed = entry.get("time", 0)
    response = Response(
        status=status,
        # HAR content is stored decoded: its Content-Encoding no longer describes the body.
        headers=tuple(
            (k, v)
            for k, v in _pairs(har_response.get("headers"), fail, "response.headers")
            if k.lower() != "content-encoding"
        ),
        body=_decode(text, content.get("encoding")) if isinstance(text, str) else b"",
        elapsed_ms=float(elapsed) if isinstance(elapsed, int | float) else 0.0,
    )
    own = entry.get("_harness")
    if isinstance(own, Mapping) and isinstance(own.get("id"), str):
        meta = own.get("meta")
        template, captures, rest = split_meta(
            meta if isinstance(meta, Mapping) else {}, f"{file}: {where}._harness"
        )
        return Exchange(
            id=str(own["id"]),
            service=str(own.get("service") or slug(parts.hostname or "default")),
            operation=str(own.get("operation") or "unmatched"),
            request=request,
            response=response,
            source=str(own.get("source") or "har"),
            scenario=own.get("scenario") if isinstance(own.get("scenario"), str) else None,
            step=own.get("step") if isinstance(own.get("step"), int) else None,
            template=template,
            captures=captures,
            meta=rest,
        )
    operation = index.match(request) if index is not None else None
    return Exchange(
        id=f"har-{number + 1:06d}",
        service=operation.service if operation else slug(parts.hostname or "default"),
        operation=operation.id if operation else "unmatched",
        request=request,
        response=response,
        source="har",
    )


def _decode(text: str, encoding: object) -> bytes:
    if encoding == "base64":
        return base64.b64decode(text)
    return text.encode("utf-8")


def _pairs(value: object, fail: Any, field: str) -> tuple[tuple[str, str], ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise fail("must be a list of {name, value}", field)
    pairs = []
    for position, item in enumerate(value):
        if not isinstance(item, Mapping) or not isinstance(item.get("name"), str):
            raise fail("must be {name, value}", f"{field}[{position}]")
        name = item["name"]
        if name.startswith(":"):
            continue  # HTTP/2 pseudo-headers (:authority, :path...) are not headers
        pairs.append((name, str(item.get("value", ""))))
    return tuple(pairs)
