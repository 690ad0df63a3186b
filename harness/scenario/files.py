"""Scenario files (`fixtures/scenarios/*.yaml`), written by testers, loaded into steps.

A file holds one scenario (top-level `steps:`) or several (`scenarios: [...]`). Each step is a
request (`method`, `path`, `query`, `headers`, and a body as `json:`, `xml:` or `body:`), what to
`capture:` from its response for later steps, and optionally the status it should `expect:`.
`variables:` are constants substituted when the file is loaded; `defaults: {headers: ...}` apply to
every step (a step sets a header to null to leave it out).
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from harness.contracts.yamlfile import Located, load_yaml
from harness.core.template import Template
from harness.errors import HarnessError

SCENARIO_KEYS = {"name", "description", "service", "variables", "defaults", "steps"}
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
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
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


@dataclass(frozen=True, slots=True)
class Scenario:
    name: str
    description: str
    file: str
    steps: tuple[Step, ...]
    service: str | None = None
    line: int | None = None
    source: str = "scenario"  # what its steps are recorded as (generated chains: "generated")


def load_scenarios(directory: Path) -> list[Scenario]:
    """Every scenario of every `*.yaml`/`*.yml` file, files in name order; names must be unique."""
    if not directory.is_dir():
        raise HarnessError("no such scenarios directory", file=str(directory))
    files = sorted([*directory.glob("*.yaml"), *directory.glob("*.yml")])
    scenarios: list[Scenario] = []
    seen: dict[str, str] = {}
    for path in files:
        for scenario in load_scenario_file(path):
            if scenario.name in seen:
                raise HarnessError(
                    f"scenario name {scenario.name!r} already used in {seen[scenario.name]}",
                    file=scenario.file,
                    line=scenario.line,
                    field="name",
                )
            seen[scenario.name] = scenario.file
            scenarios.append(scenario)
    return scenarios


def load_scenario_file(path: Path) -> list[Scenario]:
    data, located = load_yaml(path)
    if not isinstance(data, Mapping):
        raise HarnessError("must be a mapping with `steps:` or `scenarios:`", file=str(path))
    if "scenarios" in data:
        items = data["scenarios"]
        if not isinstance(items, list) or not items:
            raise located.error("must be a non-empty list of scenarios", "scenarios")
        shared = {k: v for k, v in data.items() if k in ("variables", "defaults", "service")}
        return [_scenario(_inherit(shared, item), located, path, i) for i, item in enumerate(items)]
    return [_scenario(data, located, path, None)]


def _inherit(shared: Mapping[str, Any], item: Any) -> Any:
    """A scenario of a multi-scenario file: file-level variables and headers, then its own."""
    if not isinstance(item, Mapping):
        return item
    merged = {**shared, **item}
    for key in ("variables",):
        if isinstance(shared.get(key), Mapping) and isinstance(item.get(key), Mapping):
            merged[key] = {**shared[key], **item[key]}
    shared_defaults, own_defaults = shared.get("defaults"), item.get("defaults")
    if isinstance(shared_defaults, Mapping) and isinstance(own_defaults, Mapping):
        headers = {**(shared_defaults.get("headers") or {}), **(own_defaults.get("headers") or {})}
        merged["defaults"] = {**shared_defaults, **own_defaults, "headers": headers}
    return merged


def _scenario(data: Any, located: Located, path: Path, index: int | None) -> Scenario:
    base: tuple[Hashable, ...] = () if index is None else ("scenarios", index)
    if not isinstance(data, Mapping):
        raise located.error("must be a mapping", *base)
    unknown = sorted(set(map(str, data)) - SCENARIO_KEYS)
    if unknown:
        raise located.error(f"unknown key(s) {', '.join(unknown)}", *base, unknown[0])
    name = data.get("name", path.stem if index is None else None)
    if not isinstance(name, str) or not NAME.match(name):
        raise located.error("needs a name of letters, digits, '-', '_' or '.'", *base, "name")
    variables = _string_map(data.get("variables", {}), located, (*base, "variables"))
    defaults = data.get("defaults", {})
    if not isinstance(defaults, Mapping) or set(defaults) - {"headers"}:
        raise located.error("may only hold `headers:`", *base, "defaults")
    default_headers = _headers(defaults.get("headers", {}), located, (*base, "defaults", "headers"))
    steps_data = data.get("steps")
    if not isinstance(steps_data, list) or not steps_data:
        raise located.error("must be a non-empty list of steps", *base, "steps")
    steps = []
    for number, step in enumerate(steps_data):
        where = (*base, "steps", number)
        steps.append(_step(step, number, located, where, variables, default_headers))
    service = data.get("service")
    if service is not None and not isinstance(service, str):
        raise located.error("must be a string", *base, "service")
    return Scenario(
        name=name,
        description=str(data.get("description", "")).strip(),
        file=str(path),
        steps=tuple(steps),
        service=service,
        line=located.line(*base) if base else 1,
    )


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
