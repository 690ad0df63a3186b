"""The interface a recording is made against: its OpenAPI document, fetched and split by service."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import httpx
import yaml

from harness.core.operations import HTTP_METHODS, iter_operations
from harness.errors import HarnessError
from harness.transport.http1 import ClientTls, origin_of, tls_for


def load_openapi(
    source: str, warnings: list[str] | None = None, *, tls: ClientTls | None = None
) -> dict[str, Any]:
    """An OpenAPI document from a file path or an http(s) URL (JSON or YAML); a file's
    references to other files are resolved and inlined (`harness.record.bundle`), examples
    that cannot be found named in `warnings`. `tls`: the client certificate (and CA) of the
    target an https URL belongs to (mutual TLS), else the system's trust store."""
    if source.startswith(("http://", "https://")):
        try:
            origin, _ = origin_of(source)
            verify: Any = tls_for(origin, tls) or True
            answer = httpx.get(source, timeout=30.0, verify=verify)
        except (httpx.HTTPError, httpx.InvalidURL) as error:
            hint = ""
            if tls is not None and isinstance(error, httpx.TransportError):
                hint = f" (the target may not accept the client certificate {tls.cert})"
            raise HarnessError(
                f"cannot fetch the OpenAPI document: {error}{hint}", file=source
            ) from None
        if answer.status_code != 200:
            raise HarnessError(
                f"fetching the OpenAPI document answered HTTP {answer.status_code}", file=source
            )
        text = answer.text
    else:
        try:
            text = Path(source).read_text(encoding="utf-8")
        except OSError as error:
            raise HarnessError(f"cannot read the OpenAPI document: {error}", file=source) from None
    try:
        document = json.loads(text) if text.lstrip().startswith("{") else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as error:
        raise HarnessError(f"not a JSON or YAML document: {error}", file=source) from None
    if not isinstance(document, dict) or not isinstance(document.get("paths"), Mapping):
        raise HarnessError("not an OpenAPI document (no `paths`)", file=source, field="paths")
    if not source.startswith(("http://", "https://")):
        from harness.record.bundle import bundled

        return bundled(document, Path(source), warnings)  # self-contained, operationIds
    return document


def services_of(document: Mapping[str, Any]) -> list[str]:
    return sorted({operation.service for operation in iter_operations(document)})


def split_by_service(document: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """One document per service: its operations, and the components they reference."""
    paths_by_service: dict[str, dict[str, dict[str, Any]]] = {}
    for operation in iter_operations(document):
        item = document["paths"][operation.path]
        spec = item[operation.method.lower()]
        target = paths_by_service.setdefault(operation.service, {}).setdefault(operation.path, {})
        target[operation.method.lower()] = spec
        for key, value in item.items():  # path-level parameters, summary...
            if key not in HTTP_METHODS:
                target.setdefault(key, value)
    split = {}
    for service, paths in paths_by_service.items():
        part: dict[str, Any] = {
            k: v for k, v in document.items() if k not in ("paths", "components")
        }
        part["paths"] = paths
        tags = document.get("tags")
        if isinstance(tags, list):
            part["tags"] = [t for t in tags if isinstance(t, Mapping) and t.get("name") == service]
        components = _referenced_components(document, paths)
        if components:
            part["components"] = components
        split[service] = part
    return split


def _referenced_components(document: Mapping[str, Any], root: Any) -> dict[str, Any]:
    available = document.get("components") or {}
    chosen: dict[str, dict[str, Any]] = {}
    pending = list(_refs(root))
    while pending:
        ref = pending.pop()
        parts = ref.split("/")
        if len(parts) != 4 or parts[:2] != ["#", "components"]:
            continue
        section, name = parts[2], parts[3].replace("~1", "/").replace("~0", "~")
        if name in chosen.get(section, {}):
            continue
        value = available.get(section, {}).get(name)
        if value is None:
            continue
        chosen.setdefault(section, {})[name] = value
        pending.extend(_refs(value))
    # securitySchemes are referenced by name, not $ref: keep them whole.
    if "securitySchemes" in available:
        chosen["securitySchemes"] = dict(available["securitySchemes"])
    return chosen


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, Mapping):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _refs(item)
