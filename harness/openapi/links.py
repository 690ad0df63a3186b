"""Links: what one operation's answer gives a later request of another (OpenAPI `links`).

Three sources, in this order, the first to link a (source, target) pair winning:

- the document's own `responses.<status>.links` (`operationId` or `operationRef`);
- the links schemathesis infers from the document (its dependency analysis: a created
  resource's id in the path of the operations on that resource);
- HTTP's conditional requests: a target that requires `If-Match` (or `If-None-Match`) gets the
  `ETag` of an answer on the same resource (a read of the same path, or the create that made
  it), added to a link on that pair or as a link of its own.

A link's parameters say where the target takes each value (`path`, `query`, `header`) and from
where (`capture`: a step's capture expression, `/json/pointer` or `header:<name>`; or
`request.<location>.<name>`: what the source request itself carried).
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from harness.openapi.operations import DocumentOperation, Interface

LOCATIONS = ("path", "query", "header")
CONDITIONAL = ("if-match", "if-none-match")


@dataclass(frozen=True, slots=True)
class Parameter:
    location: str  # path | query | header
    name: str
    source: str  # a capture expression (`/id`, `header:etag`) or `request.<location>.<name>`


@dataclass(frozen=True, slots=True)
class Link:
    source: str  # operation key
    status: str  # the source's status code or range: "201", "2XX", "default"
    target: str  # operation key
    parameters: tuple[Parameter, ...]
    origin: str  # document | inferred | etag

    def succeeded(self, status: int) -> bool:
        """Whether an answer with this status gives the link's values."""
        if self.status == "default":
            return 200 <= status < 300
        if self.status.upper().endswith("XX"):
            return str(status)[0] == self.status[0]
        return str(status) == self.status


def links_of(interface: Interface) -> list[Link]:
    found: dict[tuple[str, str], Link] = {}
    for link in [*_document_links(interface), *_inferred_links(interface)]:
        found.setdefault((link.source, link.target), link)
    for link in list(found.values()):
        found[(link.source, link.target)] = _with_etag(interface, link)
    for link in _etag_links(interface):
        found.setdefault((link.source, link.target), link)
    return sorted(found.values(), key=lambda link: (link.source, link.target))


def expression_source(expression: str) -> str | None:
    """An OpenAPI runtime expression as a capture (None when not supported)."""
    text = expression.strip()
    if text.startswith("{") and text.endswith("}"):
        text = text[1:-1].strip()
    if text.startswith("$response.body#"):
        pointer = text.removeprefix("$response.body#")
        return pointer if pointer.startswith("/") else None
    if text.startswith("$response.header."):
        return "header:" + text.removeprefix("$response.header.").lower()
    for location in LOCATIONS:
        prefix = f"$request.{location}."
        if text.startswith(prefix):
            return f"request.{location}.{text.removeprefix(prefix)}"
    return None


def _document_links(interface: Interface) -> Iterator[Link]:
    for operation in interface.operations.values():
        for status, response in (operation.spec.get("responses") or {}).items():
            if not isinstance(response, Mapping):
                continue
            for definition in (response.get("links") or {}).values():
                if not isinstance(definition, Mapping):
                    continue
                link = _link(interface, operation, str(status), definition, "document")
                if link is not None:
                    yield link


def _inferred_links(interface: Interface) -> Iterator[Link]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            graph = interface.schema.analysis.dependency_graph
            found = list(graph.iter_links())
        except Exception:  # an analysis schemathesis cannot finish: no inferred links
            return
    for response_links in found:
        source = _by_reference(interface, str(response_links.producer_operation_ref))
        if source is None:
            continue
        for definition in response_links.links.values():
            link = _link(
                interface,
                source,
                str(response_links.status_code),
                definition.to_openapi(),
                "inferred",
            )
            if link is not None:
                yield link


def _link(
    interface: Interface,
    source: DocumentOperation,
    status: str,
    definition: Mapping[str, Any],
    origin: str,
) -> Link | None:
    target: DocumentOperation | None = None
    if isinstance(definition.get("operationId"), str):
        target = interface.operations.get(definition["operationId"])
    elif isinstance(definition.get("operationRef"), str):
        target = _by_reference(interface, definition["operationRef"])
    if target is None:
        return None
    parameters = []
    for name, expression in (definition.get("parameters") or {}).items():
        where = _parameter(target, str(name))
        captured = expression_source(str(expression)) if isinstance(expression, str) else None
        if where is not None and captured is not None:
            parameters.append(Parameter(where[0], where[1], captured))
    if not parameters:
        return None
    return Link(source.key, status, target.key, tuple(parameters), origin)


def _parameter(target: DocumentOperation, name: str) -> tuple[str, str] | None:
    """(location, name) of a link's parameter: `path.id`, or a bare name the target declares."""
    location, dot, rest = name.partition(".")
    if dot and location in LOCATIONS:
        return location, rest
    for parameter in target.operation.iter_parameters():
        kind = str(getattr(parameter.location, "value", parameter.location))
        if parameter.name == name and kind in LOCATIONS:
            return kind, name
    return None


def _by_reference(interface: Interface, reference: str) -> DocumentOperation | None:
    """The operation a JSON pointer such as `#/paths/~1Patient~1{id}/get` names."""
    if not reference.startswith("#/paths/"):
        return None
    pointer, _, method = reference.removeprefix("#/paths/").rpartition("/")
    path = unquote(pointer).replace("~1", "/").replace("~0", "~")
    return interface.by_route.get((method.upper(), path))


def _required_conditions(target: DocumentOperation) -> list[str]:
    names = []
    for parameter in target.operation.iter_parameters():
        kind = str(getattr(parameter.location, "value", parameter.location))
        if kind == "header" and parameter.name.lower() in CONDITIONAL and parameter.is_required:
            names.append(parameter.name)
    return names


def _gives_etag(source: DocumentOperation) -> str | None:
    """The 2xx status of `source` whose answer declares an ETag header (None when none)."""
    for status, response in (source.spec.get("responses") or {}).items():
        if not str(status).startswith("2") or not isinstance(response, Mapping):
            continue
        headers = response.get("headers") or {}
        if any(str(name).lower() == "etag" for name in headers):
            return str(status)
    return None


def _with_etag(interface: Interface, link: Link) -> Link:
    """A link to a target that requires If-Match, from an answer that gives an ETag on the same
    resource, also carries the ETag."""
    source = interface.operations[link.source]
    target = interface.operations[link.target]
    conditions = _required_conditions(target)
    status = _gives_etag(source)
    carried = {(p.location, p.name.lower()) for p in link.parameters}
    if not conditions or status is None or not _same_resource(source, target):
        return link
    more = tuple(
        Parameter("header", name, "header:etag")
        for name in conditions
        if ("header", name.lower()) not in carried
    )
    return Link(link.source, link.status, link.target, (*link.parameters, *more), link.origin)


def _etag_links(interface: Interface) -> Iterator[Link]:
    """A read of a resource, then a conditional change of the same resource."""
    for target in interface.operations.values():
        conditions = _required_conditions(target)
        if not conditions:
            continue
        for source in interface.operations.values():
            status = _gives_etag(source)
            if source.method != "GET" or status is None or source.path != target.path:
                continue
            parameters = tuple(
                Parameter("path", name, f"request.path.{name}") for name in target.parameters
            ) + tuple(Parameter("header", name, "header:etag") for name in conditions)
            yield Link(source.key, status, target.key, parameters, "etag")


def _same_resource(source: DocumentOperation, target: DocumentOperation) -> bool:
    """The source addresses the target's resource: the same path, or its collection (a create
    whose answer is the new item)."""
    return source.path == target.path or target.path.startswith(source.path.rstrip("/") + "/{")
