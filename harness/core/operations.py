"""Which operation of an interface a request belongs to, from its OpenAPI document.

Operations are named by `operationId`. A service is the operation's `x-harness-service`, else its
first tag, else a slug of `info.title`. SOAP endpoints, where one path and method carry several
operations selected by the SOAPAction header, declare `x-soap-actions: {action-uri: operation}`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from harness.core.exchange import Request

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


@dataclass(frozen=True, slots=True)
class Operation:
    id: str
    service: str
    method: str  # upper case
    path: str  # the OpenAPI path template
    soap_action: str | None = None


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "default"


def soap_action_of(request: Request) -> str | None:
    """SOAPAction from the header (SOAP 1.1) or the Content-Type action parameter (SOAP 1.2)."""
    value = request.header("soapaction")
    if value is None:
        content_type = request.header("content-type") or ""
        found = re.search(r'action\s*=\s*"?([^";]+)"?', content_type)
        value = found.group(1) if found else None
    return value.strip().strip('"') if value else None


def server_base_path(document: Mapping[str, Any]) -> str:
    """The path of the document's first server URL, its `{variables}` given their defaults
    (`https://api.example/library/v2` -> `/library/v2`); "" when there is none or it is `/`.
    Operation paths are relative to it."""
    servers = document.get("servers")
    if not isinstance(servers, list) or not servers or not isinstance(servers[0], Mapping):
        return ""
    url = str(servers[0].get("url") or "")
    variables = servers[0].get("variables")
    if isinstance(variables, Mapping):
        for name, spec in variables.items():
            default = spec.get("default", "") if isinstance(spec, Mapping) else ""
            url = url.replace("{" + str(name) + "}", str(default))
    path = urlsplit(url).path if "://" in url else url
    return path.rstrip("/") if path.startswith("/") else ""


class OperationIndex:
    """Matches requests to operations; built once per interface document. Requests are matched
    with or without the document's server base path in front of the operation paths."""

    def __init__(self, operations: list[Operation], base_path: str = "") -> None:
        self.operations = operations
        self.base_path = base_path
        self._routes: list[tuple[str, re.Pattern[str], int, list[Operation]]] = []
        grouped: dict[tuple[str, str], list[Operation]] = {}
        for operation in operations:
            grouped.setdefault((operation.method, operation.path), []).append(operation)
        for (method, path), ops in grouped.items():
            literal_chars = len(re.sub(r"\{[^}]+\}", "", path))
            self._routes.append((method, _template_regex(path), literal_chars, ops))
        # Most specific first: more literal characters beat more parameters.
        self._routes.sort(key=lambda route: -route[2])

    @classmethod
    def from_openapi(cls, document: Mapping[str, Any]) -> OperationIndex:
        return cls(list(iter_operations(document)), server_base_path(document))

    def match(self, request: Request) -> Operation | None:
        method = request.method.upper()
        path = request.path
        if self.base_path and path.startswith(self.base_path + "/"):
            path = path[len(self.base_path) :]
        for route_method, pattern, _, ops in self._routes:
            if route_method == method and pattern.fullmatch(path):
                if len(ops) == 1 and ops[0].soap_action is None:
                    return ops[0]
                action = soap_action_of(request)
                for operation in ops:
                    if operation.soap_action == action:
                        return operation
                return next((op for op in ops if op.soap_action is None), None)
        return None

    def services(self) -> list[str]:
        return sorted({operation.service for operation in self.operations})


def iter_operations(document: Mapping[str, Any]) -> Iterator[Operation]:
    title = str(document.get("info", {}).get("title", "default"))
    root_service = document.get("x-harness-service")
    for path, item in document.get("paths", {}).items():
        for method in HTTP_METHODS:
            spec = item.get(method)
            if not isinstance(spec, Mapping):
                continue
            operation_id = str(spec.get("operationId") or f"{method.upper()} {path}")
            tags = spec.get("tags") or []
            service = str(
                spec.get("x-harness-service")
                or (tags[0] if tags else None)
                or root_service
                or slug(title)
            )
            actions = spec.get("x-soap-actions")
            if isinstance(actions, Mapping) and actions:
                for action, name in actions.items():
                    yield Operation(str(name), service, method.upper(), path, str(action))
            else:
                yield Operation(operation_id, service, method.upper(), path)


def _template_regex(path: str) -> re.Pattern[str]:
    parts = re.split(r"(\{[^}]+\})", path)
    pattern = "".join("[^/]+" if part.startswith("{") else re.escape(part) for part in parts)
    return re.compile(pattern)


class Classifier:
    """Names the operation of a request by an interface document; without one, or for a
    request it does not describe, the service is the upstream's host name and the operation
    `unmatched`."""

    def __init__(self, document: Mapping[str, Any] | None, upstream: str) -> None:
        self.index = OperationIndex.from_openapi(document) if document else None
        self.default_service = slug(urlsplit(upstream).hostname or "upstream")

    def classify(self, request: Request) -> tuple[str, str]:
        """(service, operation id)."""
        operation = self.index.match(request) if self.index is not None else None
        if operation is None:
            return self.default_service, "unmatched"
        return operation.service, operation.id
