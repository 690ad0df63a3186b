"""One self-contained OpenAPI document from a document split across files.

Published interfaces (NHS England's among them) keep their operations, schemas and examples in
files of their own (`get: {$ref: components/paths/patient-get.yaml}`). The stored
`openapi.json` of a contract must stand alone, and operationIds live in those files, so every
reference to another file is resolved (with `referencing`, relative to the file it appears in)
and its target inlined; references inside the root document (`#/components/...`) stay as they
are. A target reached again while it is being inlined (a recursive schema) is placed once under
`components/schemas` and referenced from there.
"""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import yaml
from referencing import Registry, Resource, Specification
from referencing.exceptions import Unresolvable

from harness.errors import HarnessError

_DROPPED = object()  # an example whose file is missing: left out, said in `warnings`


def bundled(
    document: dict[str, Any], source: Path, warnings: list[str] | None = None
) -> dict[str, Any]:
    """`document` (read from `source`) with every reference to another file inlined. An
    example (under `examples`) whose file cannot be read is left out and named in `warnings`
    (published specifications link examples that are not shipped with them); any other
    unresolvable reference is a HarnessError naming the file."""
    base = source.resolve().as_uri()

    def retrieve(uri: str) -> Resource[Any]:
        contents = _load(Path(unquote(urlsplit(uri).path)))
        return Resource(contents, Specification.OPAQUE)  # type: ignore[call-arg]

    registry: Registry[Any] = Registry(retrieve=retrieve).with_resource(  # type: ignore[call-arg]
        base,
        Resource(document, Specification.OPAQUE),  # type: ignore[call-arg]
    )
    placed: dict[str, str] = {}  # uri#fragment -> the components/schemas name it went under
    schemas: dict[str, Any] = {}

    def walk(
        node: Any, resolver: Any, uri: str, stack: frozenset[str], example: bool = False
    ) -> Any:
        if isinstance(node, list):
            return [walk(item, resolver, uri, stack, example) for item in node]
        if isinstance(node, date):  # YAML reads dates; a JSON document holds their text
            return node.isoformat()
        if not isinstance(node, dict):
            return node
        ref = node.get("$ref")
        if not isinstance(ref, str):
            walked = {
                key: walk(value, resolver, uri, stack, example or key in ("example", "examples"))
                for key, value in node.items()
            }
            return {key: value for key, value in walked.items() if value is not _DROPPED}
        if ref.startswith("#") and uri == base:
            return dict(node)  # a reference inside the root document stays
        try:
            resolved = resolver.lookup(ref)
        except (Unresolvable, HarnessError) as error:
            if example:
                if warnings is not None:
                    warnings.append(f"{uri}: example {ref} not found; left out")
                return _DROPPED
            raise HarnessError(f"cannot resolve $ref {ref!r}: {error}", file=uri) from None
        target_uri = str(resolved.resolver._base_uri)
        key = f"{target_uri}#{ref.partition('#')[2]}"
        if key in placed:
            return {"$ref": f"#/components/schemas/{placed[key]}"}
        if key in stack:  # recursive: place it once, refer to it from everywhere
            name = _name_for(key, placed)
            placed[key] = name
            schemas[name] = walk(resolved.contents, resolved.resolver, target_uri, frozenset())
            return {"$ref": f"#/components/schemas/{name}"}
        return walk(resolved.contents, resolved.resolver, target_uri, stack | {key})

    out = walk(document, registry.resolver(base), base, frozenset())
    if schemas:
        components = out.setdefault("components", {})
        components.setdefault("schemas", {}).update(schemas)
    return dict(out)


def _name_for(key: str, taken: dict[str, str]) -> str:
    path, _, fragment = key.partition("#")
    stem = Path(urlsplit(path).path).stem
    base = re.sub(r"[^A-Za-z0-9_.-]+", "-", f"{stem}{fragment.replace('/', '-')}").strip("-")
    name, number = base or "schema", 1
    while name in taken.values():
        number += 1
        name = f"{base}-{number}"
    return name


def _load(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise HarnessError(f"cannot read a referenced file: {error}", file=str(path)) from None
    try:
        return json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as error:
        raise HarnessError(f"not JSON or YAML: {error}", file=str(path)) from None
