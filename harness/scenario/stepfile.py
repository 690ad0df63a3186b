"""One step of a scenario as a file writes it: request, captures, expected status.

Shared by scenario files (`harness.scenario.files`) and provider states' calls
(`harness.scenario.states`), so both are checked the same way, naming file, line and field.
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

from harness.contracts.yamlfile import Located
from harness.core.template import Template

STEP_KEYS = {
    "name",
    "description",
    "method",
    "path",
    "query",
    "headers",
    "json",
    "xml",
    "body",
    "capture",
    "expect",
}
CAPTURE_FORMS = re.compile(r"^(status|header:.+|/.*|xpath:/.+)$")
VARIABLE = re.compile(r"\{\{\s*([A-Za-z_][\w.-]*)\s*\}\}")


@dataclass(frozen=True, slots=True)
class Step:
    """One request of a scenario: its template, what to capture from its answer for later steps,
    and optionally the status it should answer (`expect`). `operation` names the operation when
    the step's author knows it (a generated workflow); `file` and `line` say where it was
    written (a scenario file)."""

    name: str
    template: Template
    captures: Mapping[str, str] = field(default_factory=dict)
    expect: int | None = None
    file: str = ""
    line: int | None = None
    operation: str | None = None

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}" if self.line else self.file


def step_from_data(
    data: Any,
    number: int,
    located: Located,
    where: tuple[Hashable, ...],
    variables: Mapping[str, str] | None = None,
    default_headers: Mapping[str, str | None] | None = None,
) -> Step:
    """One step as a scenario file writes it (also a provider state's call), checked."""
    return _step(data, number, located, where, variables or {}, default_headers or {})


def _step(
    data: Any,
    number: int,
    located: Located,
    where: tuple[Hashable, ...],
    variables: Mapping[str, str],
    default_headers: Mapping[str, str | None],
) -> Step:
    if not isinstance(data, Mapping):
        raise located.error("each step must be a mapping", *where)
    unknown = sorted(set(map(str, data)) - STEP_KEYS)
    if unknown:
        raise located.error(
            f"unknown key(s) {', '.join(unknown)} (allowed: {', '.join(sorted(STEP_KEYS))})",
            *where,
            unknown[0],
        )
    method = data.get("method", "GET")
    if not isinstance(method, str) or not method.isalpha():
        raise located.error("must be an HTTP method", *where, "method")
    raw_path = data.get("path")
    filled = VARIABLE.sub(lambda m: variables.get(m.group(1), m.group(0)), str(raw_path))
    if not isinstance(raw_path, str) or not filled.startswith(("/", "{{")):
        raise located.error("must be a path starting with '/'", *where, "path")
    bodies = [key for key in ("json", "xml", "body") if key in data]
    if len(bodies) > 1:
        raise located.error("give only one of json, xml, body", *where, bodies[1])
    merged = {**default_headers, **_headers(data.get("headers", {}), located, (*where, "headers"))}
    headers = [(k, v) for k, v in merged.items() if v is not None]
    body: str | None = None
    if bodies:
        body, content_type = _body(bodies[0], data[bodies[0]], located, where)
        if content_type and not any(k.lower() == "content-type" for k, _ in headers):
            headers.append(("Content-Type", content_type))
    captures = _string_map(data.get("capture", {}), located, (*where, "capture"))
    for name, expression in captures.items():
        if not CAPTURE_FORMS.match(expression):
            raise located.error(
                "use status, header:<name>, /json/pointer or xpath:/local/names",
                *where,
                "capture",
                name,
            )
    expect = data.get("expect")
    if expect is not None and (not isinstance(expect, int) or not 100 <= expect <= 599):
        raise located.error("must be an HTTP status code", *where, "expect")

    def fill(text: str) -> str:
        return VARIABLE.sub(lambda m: variables.get(m.group(1), m.group(0)), text)

    template = Template(
        method=method.upper(),
        path=fill(raw_path),
        query=tuple((k, fill(v)) for k, v in _query(data.get("query"), located, where)),
        headers=tuple((k, fill(v)) for k, v in headers),
        body=fill(body) if body is not None else None,
    )
    name = data.get("name", f"step-{number}")
    return Step(
        name=str(name),
        template=template,
        captures=captures,
        expect=expect,
        file=located.file,
        line=located.line(*where),
    )


def _body(kind: str, value: Any, located: Located, where: tuple[Hashable, ...]) -> tuple[str, str]:
    if kind == "json":
        return orjson.dumps(value).decode("utf-8"), "application/json"
    if not isinstance(value, str):
        raise located.error("must be a string", *where, kind)
    return value, ("text/xml; charset=utf-8" if kind == "xml" else "")


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _headers(value: Any, located: Located, where: tuple[Hashable, ...]) -> dict[str, str | None]:
    if not isinstance(value, Mapping):
        raise located.error("must be a mapping of header names to values", *where)
    return {str(k): (None if v is None else _scalar(v)) for k, v in value.items()}


def _string_map(value: Any, located: Located, where: tuple[Hashable, ...]) -> dict[str, str]:
    if not isinstance(value, Mapping):
        raise located.error("must be a mapping", *where)
    result = {}
    for key, item in value.items():
        if item is None or isinstance(item, Mapping | list):
            raise located.error("must be a string or number", *where, key)
        result[str(key)] = _scalar(item)
    return result


def _query(value: Any, located: Located, where: tuple[Hashable, ...]) -> list[tuple[str, str]]:
    """`{name: value | [values]}` or a list of `[name, value]` / `{name: value}` items."""
    if value is None:
        return []
    pairs: list[tuple[str, str]] = []
    if isinstance(value, Mapping):
        for key, item in value.items():
            items = item if isinstance(item, list) else [item]
            pairs.extend((str(key), _scalar(v)) for v in items)
        return pairs
    if isinstance(value, list):
        for position, item in enumerate(value):
            if isinstance(item, list) and len(item) == 2:
                pairs.append((str(item[0]), _scalar(item[1])))
            elif isinstance(item, Mapping) and len(item) == 1:
                ((key, single),) = item.items()
                pairs.append((str(key), _scalar(single)))
            else:
                raise located.error("must be [name, value] or {name: value}", *where, position)
        return pairs
    raise located.error("must be a mapping or a list of pairs", *where, "query")
