"""Reading a cutover plan (YAML). Every error names the file, the line and the field.

```yaml
format_version: 1
name: spine-weekend
consumer_header: X-Harness-Consumer   # how the facade tells consumers apart
defaults:                             # what every phase takes unless it says otherwise
  soak_s: 20                          # on the candidate before the gate decides
  observe_s: 0                        # shadowed by the candidate first
  gate:
    window_s: 15                      # the gate looks at the phase's last 15 s
    policy: ../policies/cutover.yaml  # a policy file (relative to the plan), or inline:
    # policy: {thresholds: {"*": 100}, max_errors: 0, availability: {"*": 99.9}}
  budget: {switch_s: 5, rollback_s: 10}
  after_rollback: continue            # or stop: later phases are not run
notifications:
  webhooks: [https://hooks.example/cutover]
  events: [phase_started, gate, rollback_started, rolled_back]   # default: every event
phases:
  - name: directory
    move: {services: [sds]}
  - name: demographics
    move: {services: [pds], percent: 50}          # or operations: [...], consumers: [...]
    state:
      how: migrate                           # none | dual_write | migrate | both
      # dual_writes_from: rehearsal          # dual writes from the first request (default: phase)
      migrate: {command: [my-migrate, "{from}", "{to}"]}   # or {http: {method: POST, url: ...}}
      check:
        writes: [pds.createPatient]
        id: /id                                    # capture over the write's answer
        read: {path: "/Patient/{id}"}
```
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from pathlib import Path
from typing import Any

from harness.config.policy import load_policy, policy_from_data
from harness.contracts.yamlfile import Located, load_yaml
from harness.cutover.plan import (
    EVENTS,
    FORMAT_VERSION,
    AfterRollback,
    Budget,
    Gate,
    Move,
    Notifications,
    Phase,
    Plan,
    StateCheck,
    StatePlan,
    Step,
)
from harness.errors import HarnessError

_TOP = {
    "format_version",
    "name",
    "description",
    "consumer_header",
    "defaults",
    "notifications",
    "phases",
    "settle_s",
}
_PHASE = {
    "name",
    "description",
    "move",
    "gate",
    "soak_s",
    "observe_s",
    "budget",
    "state",
    "after_rollback",
}
_DEFAULTS = _PHASE - {"name", "description", "move", "state"}
_MOVE = {"services", "operations", "consumers", "percent"}
_GATE = {"window_s", "policy"}
_BUDGET = {"switch_s", "rollback_s", "phase_s"}
_STATE = {"how", "migrate", "check", "dual_writes_from"}
_STEP = {"command", "http", "timeout_s"}
_HTTP = {"method", "url", "body"}
_CHECK = {"writes", "id", "id_from", "read", "sample", "found"}
_READ = {"method", "path", "headers"}
_NOTIFY = {"webhooks", "events"}


def load_plan(path: Path) -> Plan:
    if not path.is_file():
        raise HarnessError("cutover plan not found", file=str(path))
    data, where = load_yaml(path)
    return plan_from_data(data, where, path.parent)


def plan_from_data(data: Any, where: Located, base: Path) -> Plan:
    if not isinstance(data, Mapping):
        raise where.error("a cutover plan is a mapping (format_version, name, phases)")
    _known(data, _TOP, where)
    if data.get("format_version") != FORMAT_VERSION:
        raise where.error(
            f"format_version must be {FORMAT_VERSION}, got {data.get('format_version')!r}",
            "format_version",
        )
    name = _text(data.get("name"), where, "name")
    defaults = data.get("defaults") or {}
    if not isinstance(defaults, Mapping):
        raise where.error("defaults: a mapping of what every phase takes", "defaults")
    _known(defaults, _DEFAULTS, where, "defaults")
    phases_raw = data.get("phases")
    if not isinstance(phases_raw, list) or not phases_raw:
        raise where.error("phases: a list of at least one phase", "phases")
    phases: list[Phase] = []
    seen: set[str] = set()
    for index, raw in enumerate(phases_raw):
        phase = _phase(raw, defaults, where, base, index)
        if phase.name in seen:
            raise where.error(f"phase name {phase.name!r} is used twice", "phases", index, "name")
        seen.add(phase.name)
        phases.append(phase)
    header = _text(data.get("consumer_header", "X-Harness-Consumer"), where, "consumer_header")
    return Plan(
        name=name,
        phases=tuple(phases),
        file=where.file,
        description=str(data.get("description") or ""),
        consumer_header=header,
        notifications=_notifications(data.get("notifications"), where),
        settle_s=_seconds(data.get("settle_s", 2.0), where, "settle_s"),
    )


def _phase(raw: Any, defaults: Mapping[str, Any], where: Located, base: Path, index: int) -> Phase:
    key: tuple[Hashable, ...] = ("phases", index)
    if not isinstance(raw, Mapping):
        raise where.error("a phase is a mapping (name, move, gate...)", *key)
    _known(raw, _PHASE, where, *key)
    name = _text(raw.get("name"), where, *key, "name")

    def pick(field: str) -> tuple[Any, tuple[Hashable, ...]]:
        if field in raw:
            return raw[field], (*key, field)
        return defaults.get(field), ("defaults", field)

    gate_raw, gate_key = pick("gate")
    if gate_raw is None:
        raise where.error("required: the gate (here or in defaults)", *key, "gate")
    soak, soak_key = pick("soak_s")
    observe, observe_key = pick("observe_s")
    budget_raw, budget_key = pick("budget")
    after_raw, after_key = pick("after_rollback")
    after: AfterRollback = "continue"
    if after_raw == "stop":
        after = "stop"
    elif after_raw not in (None, "continue"):
        raise where.error(f"after_rollback is continue or stop, got {after_raw!r}", *after_key)
    return Phase(
        name=name,
        move=_move(raw.get("move"), where, (*key, "move")),
        gate=_gate(gate_raw, where, gate_key, base),
        soak_s=_seconds(20.0 if soak is None else soak, where, *soak_key),
        observe_s=_seconds(0.0 if observe is None else observe, where, *observe_key),
        budget=_budget(budget_raw, where, budget_key),
        state=_state(raw.get("state"), where, (*key, "state")),
        after_rollback=after,
        description=str(raw.get("description") or ""),
    )


def _move(raw: Any, where: Located, key: tuple[Hashable, ...]) -> Move:
    if not isinstance(raw, Mapping) or not raw:
        raise where.error(
            "required: move, a mapping of services, operations, consumers and/or percent", *key
        )
    _known(raw, _MOVE, where, *key)
    services = _names(raw.get("services"), where, *key, "services")
    operations = _names(raw.get("operations"), where, *key, "operations")
    consumers = _names(raw.get("consumers"), where, *key, "consumers")
    percent = raw.get("percent", 100)
    if isinstance(percent, bool) or not isinstance(percent, int | float) or not 0 < percent <= 100:
        raise where.error(f"percent must be a number in (0, 100], got {percent!r}", *key, "percent")
    if not (services or operations or consumers or percent < 100):
        raise where.error(
            "move names nothing: give services, operations, consumers or percent", *key
        )
    return Move(services, operations, consumers, float(percent))


def _gate(raw: Any, where: Located, key: tuple[Hashable, ...], base: Path) -> Gate:
    if not isinstance(raw, Mapping):
        raise where.error("a gate is a mapping (window_s, policy)", *key)
    _known(raw, _GATE, where, *key)
    window = _seconds(raw.get("window_s", 15.0), where, *key, "window_s")
    if window <= 0:
        raise where.error("window_s must be > 0", *key, "window_s")
    policy_raw = raw.get("policy")
    if isinstance(policy_raw, str):
        path = (base / policy_raw).resolve()
        if not path.is_file():
            raise where.error(f"policy file not found: {path}", *key, "policy")
        return Gate(load_policy(path), window, str(path))
    if isinstance(policy_raw, Mapping):
        return Gate(policy_from_data(policy_raw, where.within(*key, "policy")), window)
    raise where.error("policy: a policy file or an inline policy mapping", *key, "policy")


def _budget(raw: Any, where: Located, key: tuple[Hashable, ...]) -> Budget:
    if raw is None:
        return Budget()
    if not isinstance(raw, Mapping):
        raise where.error("a budget is a mapping (switch_s, rollback_s, phase_s)", *key)
    _known(raw, _BUDGET, where, *key)
    phase = raw.get("phase_s")
    return Budget(
        switch_s=_seconds(raw.get("switch_s", 5.0), where, *key, "switch_s"),
        rollback_s=_seconds(raw.get("rollback_s", 10.0), where, *key, "rollback_s"),
        phase_s=None if phase is None else _seconds(phase, where, *key, "phase_s"),
    )


def _state(raw: Any, where: Located, key: tuple[Hashable, ...]) -> StatePlan:
    if raw is None:
        return StatePlan()
    if not isinstance(raw, Mapping):
        raise where.error("state: a mapping (how, migrate, check)", *key)
    _known(raw, _STATE, where, *key)
    how = raw.get("how", "none")
    if how not in ("none", "dual_write", "migrate", "both"):
        raise where.error(f"how is none, dual_write, migrate or both, got {how!r}", *key, "how")
    migrate = None
    if raw.get("migrate") is not None:
        migrate = _step(raw["migrate"], where, (*key, "migrate"))
    if how in ("migrate", "both") and migrate is None:
        raise where.error(f"how: {how} needs the migrate step (a command or http)", *key, "how")
    if how not in ("migrate", "both") and migrate is not None:
        raise where.error("a migrate step is run only with how: migrate or both", *key, "migrate")
    check = None if raw.get("check") is None else _check(raw["check"], where, (*key, "check"))
    since = raw.get("dual_writes_from", "phase")
    if since not in ("phase", "rehearsal"):
        raise where.error(
            f"dual_writes_from is phase or rehearsal, got {since!r}", *key, "dual_writes_from"
        )
    if since == "rehearsal" and how not in ("dual_write", "both"):
        raise where.error(
            "dual_writes_from applies to how: dual_write or both", *key, "dual_writes_from"
        )
    return StatePlan(how, migrate, check, since)


def _step(raw: Any, where: Located, key: tuple[Hashable, ...]) -> Step:
    if not isinstance(raw, Mapping):
        raise where.error("a step is {command: [argv...]} or {http: {method, url, body}}", *key)
    _known(raw, _STEP, where, *key)
    timeout = _seconds(raw.get("timeout_s", 60.0), where, *key, "timeout_s")
    if ("command" in raw) == ("http" in raw):
        raise where.error("a step has exactly one of command or http", *key)
    if "command" in raw:
        argv = raw["command"]
        if not isinstance(argv, list) or not argv or not all(isinstance(a, str) for a in argv):
            raise where.error("command: a list of strings (argv)", *key, "command")
        return Step(command=tuple(argv), timeout_s=timeout)
    http = raw["http"]
    if not isinstance(http, Mapping):
        raise where.error("http: a mapping (method, url, body)", *key, "http")
    _known(http, _HTTP, where, *key, "http")
    url = _text(http.get("url"), where, *key, "http", "url")
    if not url.startswith(("http://", "https://", "{")):
        raise where.error(
            "url must be an http(s) URL or start with {from}, {to}...", *key, "http", "url"
        )
    body = http.get("body")
    if body is not None and not isinstance(body, str):
        raise where.error("body must be a string", *key, "http", "body")
    method = _text(http.get("method", "POST"), where, *key, "http", "method").upper()
    return Step(method=method, url=url, body=body, timeout_s=timeout)


def _check(raw: Any, where: Located, key: tuple[Hashable, ...]) -> StateCheck:
    if not isinstance(raw, Mapping):
        raise where.error("check: a mapping (writes, id, read, sample)", *key)
    _known(raw, _CHECK, where, *key)
    writes = _names(raw.get("writes"), where, *key, "writes")
    if not writes:
        raise where.error("writes: the operations whose records are read back", *key, "writes")
    expression = _text(raw.get("id"), where, *key, "id")
    if not (expression.startswith(("/", "header:", "xpath:"))):
        raise where.error(
            "id is a capture: /json/pointer, header:<name> or xpath:/path", *key, "id"
        )
    id_from = raw.get("id_from", "answer")
    if id_from not in ("answer", "request"):
        raise where.error(f"id_from is answer or request, got {id_from!r}", *key, "id_from")
    read = raw.get("read")
    if not isinstance(read, Mapping):
        raise where.error("read: the request that reads a record back {path, method}", *key, "read")
    _known(read, _READ, where, *key, "read")
    path = _text(read.get("path"), where, *key, "read", "path")
    if "{id}" not in path:
        raise where.error("the read's path must hold {id}", *key, "read", "path")
    headers = read.get("headers") or {}
    if not isinstance(headers, Mapping) or not all(isinstance(v, str) for v in headers.values()):
        raise where.error("headers: a mapping of names to strings", *key, "read", "headers")
    found = raw.get("found")
    if found is not None and (
        not isinstance(found, str) or not found.startswith(("/", "header:", "xpath:"))
    ):
        raise where.error(
            "found is a capture the read's answer must hold: /json/pointer, header:<name> or "
            "xpath:/path",
            *key,
            "found",
        )
    sample = raw.get("sample", 20)
    if isinstance(sample, bool) or not isinstance(sample, int) or sample < 1:
        raise where.error(f"sample must be a whole number >= 1, got {sample!r}", *key, "sample")
    return StateCheck(
        writes=writes,
        id=expression,
        read_path=path,
        read_method=_text(read.get("method", "GET"), where, *key, "read", "method").upper(),
        read_headers=tuple((str(k), v) for k, v in headers.items()),
        id_from=id_from,
        sample=sample,
        found=found,
    )


def _notifications(raw: Any, where: Located) -> Notifications:
    if raw is None:
        return Notifications()
    if not isinstance(raw, Mapping):
        raise where.error("notifications: a mapping (webhooks, events)", "notifications")
    _known(raw, _NOTIFY, where, "notifications")
    hooks = _names(raw.get("webhooks"), where, "notifications", "webhooks")
    for position, url in enumerate(hooks):
        if not url.startswith(("http://", "https://")):
            raise where.error("a webhook is an http(s) URL", "notifications", "webhooks", position)
    events = _names(raw.get("events"), where, "notifications", "events") or EVENTS
    for position, event in enumerate(events):
        if event not in EVENTS:
            raise where.error(
                f"unknown event {event!r} (expected one of {', '.join(EVENTS)})",
                "notifications",
                "events",
                position,
            )
    return Notifications(hooks, events)


def _known(raw: Mapping[Any, Any], allowed: set[str], where: Located, *key: Hashable) -> None:
    unknown = sorted(set(map(str, raw)) - allowed)
    if unknown:
        raise where.error(f"unknown field (expected one of {sorted(allowed)})", *key, unknown[0])


def _text(raw: Any, where: Located, *key: Hashable) -> str:
    if not isinstance(raw, str) or not raw.strip():
        raise where.error("required, a non-empty string", *key)
    return raw


def _names(raw: Any, where: Located, *key: Hashable) -> tuple[str, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list) or not all(isinstance(v, str) and v for v in raw):
        raise where.error("a list of names", *key)
    return tuple(raw)


def _seconds(raw: Any, where: Located, *key: Hashable) -> float:
    if isinstance(raw, bool) or not isinstance(raw, int | float) or raw < 0:
        raise where.error(f"a number of seconds >= 0, got {raw!r}", *key)
    return float(raw)
