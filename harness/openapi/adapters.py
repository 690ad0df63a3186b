"""Our requests and answers as schemathesis's `Case` and `Response`, so that its resource pool
(values earlier answers gave, for generation) and its response checks (conformance) take them
as they take their own. Built without sending anything."""

from __future__ import annotations

import warnings
from typing import Any
from urllib.parse import unquote

import orjson

from harness.core.exchange import Request, Response
from harness.openapi.operations import DocumentOperation


def case_of(operation: DocumentOperation, request: Request) -> Any | None:
    """The schemathesis Case of a request of `operation` (None when its path is not the
    operation's route)."""
    path = operation.path_parameters(request.path)
    if path is None:
        return None
    query: dict[str, Any] = {}
    for name, value in request.query:
        if name in query:
            earlier = query[name]
            query[name] = [*earlier, value] if isinstance(earlier, list) else [earlier, value]
        else:
            query[name] = value
    headers = dict(request.headers)
    kwargs: dict[str, Any] = {
        "path_parameters": {name: unquote(value) for name, value in path.items()},
        "query": query,
        "headers": headers,
    }
    media_type = request.header("content-type")
    if request.body and media_type and "json" in media_type.lower():
        try:
            kwargs["body"] = orjson.loads(request.body)
            kwargs["media_type"] = media_type.split(";")[0].strip()
        except orjson.JSONDecodeError:
            pass
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return operation.operation.Case(**kwargs)


def response_of(
    response: Response, request: Request, base_url: str = "http://harness.invalid"
) -> Any:
    """The schemathesis Response of an answer (headers lower-cased, each a list of values)."""
    import requests
    from schemathesis.core.transport import Response as SchemathesisResponse

    headers: dict[str, list[str]] = {}
    for name, value in response.headers:
        headers.setdefault(name.lower(), []).append(value)
    prepared = requests.PreparedRequest()
    prepared.method = request.method
    prepared.url = base_url + request.target
    prepared.headers = requests.structures.CaseInsensitiveDict(dict(request.headers))
    prepared.body = request.body or None
    return SchemathesisResponse(
        status_code=response.status,
        headers=headers,
        content=response.body,
        request=prepared,
        elapsed=response.elapsed_ms / 1000.0,
        verify=False,
    )
