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
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from harness.contracts.yamlfile import Located, load_yaml
from harness.errors import HarnessError
from harness.scenario.states import states_from_data
from harness.scenario.stepfile import Step, _headers, _step, _string_map

SCENARIO_KEYS = {"name", "description", "service", "variables", "defaults", "steps", "states"}
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


@dataclass(frozen=True, slots=True)
class Scenario:
    name: str
    description: str
    file: str
    steps: tuple[Step, ...]
    service: str | None = None
    line: int | None = None
    source: str = "scenario"  # what its steps are recorded as (generated chains: "generated")
    # What each target is put in before it and left in after (`harness.scenario.states`).
    states: tuple[Any, ...] = ()


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
        scenarios = [
            _scenario(_inherit(shared, item), located, path, i) for i, item in enumerate(items)
        ]
        if data.get("states") is None:
            return scenarios
        return _with_file_states(scenarios, data, located)
    return [_scenario(data, located, path, None)]


def _with_file_states(
    scenarios: list[Scenario], data: Mapping[str, Any], located: Located
) -> list[Scenario]:
    """A file's `states:`, for its scenarios unless a state's `for:` names others."""
    variables = _string_map(data.get("variables", {}), located, ("variables",))
    defaults = data.get("defaults") or {}
    headers = _headers(defaults.get("headers", {}) if isinstance(defaults, Mapping) else {},
                       located, ("defaults", "headers"))  # fmt: skip
    names = [scenario.name for scenario in scenarios]
    states = states_from_data(data["states"], located, (), names, variables=variables,
                              headers=headers)  # fmt: skip
    return [
        replace(s, states=(*(t for t in states if t.is_for(s.name)), *s.states)) for s in scenarios
    ]


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
    states: tuple[Any, ...] = ()
    if data.get("states") is not None:
        own = states_from_data(
            data["states"], located, base, [name], variables=variables, headers=default_headers
        )
        states = tuple(state for state in own if state.is_for(name))
    return Scenario(
        name=name,
        description=str(data.get("description", "")).strip(),
        file=str(path),
        steps=tuple(steps),
        service=service,
        line=located.line(*base) if base else 1,
        states=states,
    )
