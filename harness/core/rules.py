"""Comparison rules and the noise model, and their compilation into a path trie.

A `Rule` relaxes the comparison at one path: `ignore` it, accept any `uuid` (but an echo of
what was sent must be the echo), a `timestamp` within `tolerance_s` (default 120 s) of the
other side's, as offsets from each answer's own time (`relative_to`, default its `Date`
header), any value matching `pattern`, or compare a list/children `unordered`. Paths:
`status`, `header:<name>`, or a body path starting with `/` whose steps are
JSON object keys / list indexes (RFC 6901 escaping) or XML local names (`name[n]`, `@attr`);
`*` matches any one step (`@*` any attribute). `/` alone is the whole body. A path starting with
`later:` addresses the later messages an exchange caused (`harness.core.later`).

`compile_rules` turns rules into a `CompiledRules`: header and status rules by name, and body rules
in a trie keyed by path step, so the diff walk finds the rules for a node in O(depth).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from harness.core.canonical.sides import Sides
from harness.core.canonical.values import ValueCheck
from harness.errors import HarnessError

RULE_KINDS = ("ignore", "uuid", "timestamp", "pattern", "unordered")
VALUE_KINDS = frozenset({"uuid", "timestamp", "pattern"})
_STATUS_KINDS = frozenset({"ignore", "pattern"})
_HEADER_KINDS = frozenset({"ignore", "uuid", "timestamp", "pattern"})
_RULE_FIELDS = ("path", "kind", "pattern", "tolerance_s", "relative_to", "comment")
LATER_PREFIX = "later:"
WILDCARD = "*"
ANY_ATTRIBUTE = "@*"


@dataclass(frozen=True, slots=True)
class Rule:
    """One relaxation of the comparison at a path; invalid rules raise HarnessError."""

    path: str
    kind: str = "ignore"
    pattern: str | None = None
    tolerance_s: float | None = None
    comment: str = ""
    relative_to: str | None = None  # a timestamp's anchor: `header:<name>` or a JSON pointer

    def __post_init__(self) -> None:
        problem = rule_problem(self)
        if problem is not None:
            field_name, message = problem
            raise HarnessError(message, field=field_name)

    @property
    def target(self) -> str:
        """`status`, `header`, `body` or `later` (the later messages an exchange caused)."""
        if self.path == "status":
            return "status"
        if self.path.startswith(LATER_PREFIX):
            return "later"
        return "header" if self.path.lower().startswith("header:") else "body"

    def to_dict(self) -> dict[str, object]:
        data: dict[str, object] = {"path": self.path, "kind": self.kind}
        if self.pattern is not None:
            data["pattern"] = self.pattern
        if self.tolerance_s is not None:
            data["tolerance_s"] = self.tolerance_s
        if self.relative_to is not None:
            data["relative_to"] = self.relative_to
        if self.comment:
            data["comment"] = self.comment
        return data

    @classmethod
    def from_dict(cls, data: object, where: str = "") -> Rule:
        """A rule from its mapping form; errors name `where` (`noise.yaml:12`) and the field."""
        file, line = _split_where(where)
        if not isinstance(data, Mapping):
            raise HarnessError(
                f"a rule must be a mapping with 'path' and 'kind', got {type(data).__name__}",
                file=file,
                line=line,
            )
        unknown = sorted(str(k) for k in data if k not in _RULE_FIELDS)
        if unknown:
            raise HarnessError(
                f"unknown rule field(s) {', '.join(unknown)}; expected {', '.join(_RULE_FIELDS)}",
                file=file,
                line=line,
                field=unknown[0],
            )
        try:
            path = _require_str(data, "path", required=True)
            kind = _require_str(data, "kind") or "ignore"
            pattern = _require_str(data, "pattern")
            comment = _require_str(data, "comment") or ""
            relative_to = _require_str(data, "relative_to")
            tolerance = data.get("tolerance_s")
            if tolerance is not None and (
                isinstance(tolerance, bool) or not isinstance(tolerance, int | float)
            ):
                raise HarnessError("tolerance_s must be a number of seconds", field="tolerance_s")
            return cls(
                path=path or "",
                kind=kind,
                pattern=pattern,
                tolerance_s=None if tolerance is None else float(tolerance),
                comment=comment,
                relative_to=relative_to,
            )
        except HarnessError as error:
            raise HarnessError(error.message, file=file, line=line, field=error.field) from None


def rule_problem(rule: Rule) -> tuple[str, str] | None:
    """(field, message) describing what is wrong with a rule, or None when it is valid."""
    path, kind = rule.path, rule.kind
    if kind not in RULE_KINDS:
        return "kind", f"unknown rule kind {kind!r}; expected one of {', '.join(RULE_KINDS)}"
    if not isinstance(path, str) or not path:
        return "path", "path is empty; use 'status', 'header:<name>' or a body path like '/meta'"
    if path.startswith(LATER_PREFIX):
        return _later_problem(rule)
    if path != "status" and not path.lower().startswith("header:") and not path.startswith("/"):
        return "path", (
            f"path {path!r} must be 'status', 'header:<name>', or start with '/' "
            "(a JSON pointer or an XML path of local names)"
        )
    if path.lower().startswith("header:") and not path[7:].strip():
        return "path", "header rule needs a header name, e.g. 'header:etag'"
    if "**" in path:
        return "path", f"path {path!r}: '**' is not supported; use '*' once per step"
    target = rule.target
    if target == "status" and kind not in _STATUS_KINDS:
        return "kind", f"a 'status' rule may be 'ignore' or 'pattern', not {kind!r}"
    if target == "header" and kind not in _HEADER_KINDS:
        return "kind", f"a header rule may be ignore, uuid, timestamp or pattern, not {kind!r}"
    if kind == "pattern":
        if not rule.pattern:
            return "pattern", "a 'pattern' rule needs a regular expression in 'pattern'"
        try:
            re.compile(rule.pattern)
        except re.error as error:
            return "pattern", f"invalid regular expression {rule.pattern!r}: {error}"
    elif rule.pattern is not None:
        return "pattern", f"'pattern' only applies to kind 'pattern', not {kind!r}"
    if rule.tolerance_s is not None:
        if kind != "timestamp":
            return "tolerance_s", f"'tolerance_s' only applies to kind 'timestamp', not {kind!r}"
        if rule.tolerance_s < 0:
            return "tolerance_s", "tolerance_s must be zero or more seconds"
    if rule.relative_to is not None:
        if kind != "timestamp":
            return "relative_to", f"'relative_to' only applies to kind 'timestamp', not {kind!r}"
        anchor = rule.relative_to
        if not (anchor.lower().startswith("header:") and anchor[7:].strip()) and not (
            anchor.startswith("/") and len(anchor) > 1
        ):
            return "relative_to", (
                f"relative_to {anchor!r} must be 'header:<name>' (e.g. header:date) or a JSON "
                "pointer into the answer (e.g. /timestamp)"
            )
    return None


def _later_problem(rule: Rule) -> tuple[str, str] | None:
    """A `later:<kind>[:<aspect or path>]` rule: the inner path follows the usual rules."""
    from harness.core.later import ASPECTS, later_rule_problem, split_later_path

    problem = later_rule_problem(rule.path)
    if problem is not None:
        return "path", problem
    split = split_later_path(rule.path)
    assert split is not None
    _, rest = split
    if not rest or rest in ASPECTS:
        if rule.kind != "ignore":
            return "kind", f"a rule on {rule.path!r} may only be 'ignore', not {rule.kind!r}"
        return None
    return rule_problem(_inner_rule(rule, rest))


def _inner_rule(rule: Rule, path: str) -> Rule:
    """The rule on a later message's own content, validated as any rule (not constructed through
    `__init__`, which would raise instead of describing the problem)."""
    inner = object.__new__(Rule)
    for name, value in (
        ("path", path),
        ("kind", rule.kind),
        ("pattern", rule.pattern),
        ("tolerance_s", rule.tolerance_s),
        ("comment", rule.comment),
        ("relative_to", rule.relative_to),
    ):
        object.__setattr__(inner, name, value)
    return inner


def body_steps(path: str) -> tuple[str, ...]:
    """The steps of a body path, JSON-pointer unescaped; `/` alone is the root (no steps)."""
    if path == "/":
        return ()
    return tuple(s.replace("~1", "/").replace("~0", "~") for s in path[1:].split("/"))


@dataclass(frozen=True, slots=True)
class NoiseModel:
    """Rules per operation id; the `"*"` entry applies to every operation."""

    operations: Mapping[str, tuple[Rule, ...]] = field(default_factory=dict)

    def rules_for(self, operation: str) -> tuple[Rule, ...]:
        shared = tuple(self.operations.get("*", ()))
        if operation == "*":
            return shared
        return shared + tuple(self.operations.get(operation, ()))

    def merged(self, other: NoiseModel) -> NoiseModel:
        """Both models' rules (this one's first), per operation."""
        merged: dict[str, tuple[Rule, ...]] = {k: tuple(v) for k, v in self.operations.items()}
        for operation, rules in other.operations.items():
            merged[operation] = merged.get(operation, ()) + tuple(rules)
        return NoiseModel(merged)

    def to_dict(self) -> dict[str, list[dict[str, object]]]:
        return {
            operation: [rule.to_dict() for rule in rules]
            for operation, rules in sorted(self.operations.items())
        }

    @classmethod
    def from_dict(cls, data: object, where: str = "") -> NoiseModel:
        """`{operation: [rule, ...]}`; errors name `where` and the operation / rule index."""
        file, line = _split_where(where)
        if data is None:
            return cls({})
        if not isinstance(data, Mapping):
            raise HarnessError(
                "a noise model must map operation ids to lists of rules", file=file, line=line
            )
        operations: dict[str, tuple[Rule, ...]] = {}
        for operation, rules in data.items():
            if not isinstance(rules, list):
                raise HarnessError(
                    f"operation {operation!r}: expected a list of rules",
                    file=file,
                    line=line,
                    field=str(operation),
                )
            parsed = []
            for index, item in enumerate(rules):
                try:
                    parsed.append(Rule.from_dict(item))
                except HarnessError as error:
                    inner = f".{error.field}" if error.field else ""
                    raise HarnessError(
                        error.message, file=file, line=line, field=f"{operation}[{index}]{inner}"
                    ) from None
            operations[str(operation)] = tuple(parsed)
        return cls(operations)


def _split_where(where: str) -> tuple[str | None, int | None]:
    if not where:
        return None, None
    head, sep, tail = where.rpartition(":")
    if sep and tail.isdigit():
        return head, int(tail)
    return where, None


def _require_str(data: Mapping[Any, Any], name: str, *, required: bool = False) -> str | None:
    value = data.get(name)
    if value is None:
        if required:
            raise HarnessError(f"missing '{name}'", field=name)
        return None
    if not isinstance(value, str):
        raise HarnessError(f"'{name}' must be a string, got {type(value).__name__}", field=name)
    return value


def compile_rules(rules: Iterable[Rule], sides: Sides | None = None) -> CompiledRules:
    """Index rules for the comparison: status, headers by lower-case name, body steps in a trie.
    `sides`: the comparator's cell, which its uuid and timestamp checks read."""
    status: list[Rule] = []
    headers: dict[str, list[Rule]] = {}
    root = RuleNode()
    for rule in rules:
        if rule.target == "later":
            continue  # judged by `harness.core.later_parity.LaterComparator`
        if rule.target == "status":
            status.append(rule)
        elif rule.target == "header":
            headers.setdefault(rule.path[7:].strip().lower(), []).append(rule)
        else:
            node = root
            root.unordered_below = root.unordered_below or rule.kind == "unordered"
            for step in body_steps(rule.path):
                node = node.child(step)
                node.unordered_below = node.unordered_below or rule.kind == "unordered"
            node.add(rule, check_for(rule, sides))
    return CompiledRules(
        status=tuple(status),
        headers={name: tuple(found) for name, found in headers.items()},
        body=root,
    )


@dataclass(frozen=True, slots=True)
class CompiledRules:
    status: tuple[Rule, ...]
    headers: Mapping[str, tuple[Rule, ...]]
    body: RuleNode

    @property
    def body_states(self) -> tuple[RuleNode, ...]:
        """The trie states at the body root (empty when no body rule exists)."""
        return (self.body,) if self.body.children or self.body.effective else ()


class RuleNode:
    """A trie node: children by step, and the effect of the rules ending here."""

    __slots__ = (
        "children",
        "effect",
        "effective",
        "ignore",
        "unordered",
        "unordered_below",
        "value",
    )

    def __init__(self) -> None:
        self.children: dict[str, RuleNode] = {}
        self.ignore = False
        self.unordered = False
        self.value: ValueCheck | None = None
        self.effective = False
        self.effect = NO_EFFECT  # this node's rules alone, kept current by `add`
        self.unordered_below = False  # an `unordered` rule here or deeper (set by compile_rules)

    def child(self, step: str) -> RuleNode:
        node = self.children.get(step)
        if node is None:
            node = self.children[step] = RuleNode()
        return node

    def add(self, rule: Rule, check: ValueCheck | None) -> None:
        self.effective = True
        if rule.kind == "ignore":
            self.ignore = True
        elif rule.kind == "unordered":
            self.unordered = True
        elif self.value is None:
            self.value = check
        if self.ignore or self.unordered or self.value is not None:
            self.effect = Effect(self.ignore, self.unordered, self.value)


def step(states: tuple[RuleNode, ...], key: str) -> tuple[RuleNode, ...]:
    """States after a JSON step (an object key or list index): exact key, then `*`."""
    if len(states) == 1:
        children = states[0].children
        exact, wild = children.get(key), children.get(WILDCARD)
        if wild is None:
            return () if exact is None else (exact,)
        return (wild,) if exact is None else (exact, wild)
    found: list[RuleNode] = []
    for node in states:
        children = node.children
        exact = children.get(key)
        if exact is not None:
            found.append(exact)
        wild = children.get(WILDCARD)
        if wild is not None:
            found.append(wild)
    return tuple(found)


def step_xml(states: tuple[RuleNode, ...], key: str, name: str) -> tuple[RuleNode, ...]:
    """States after an XML step: `key` is `name[n]`/`name` or `@attr`; `*`/`@*` match any."""
    found: list[RuleNode] = []
    attribute = key[0] == "@"
    for node in states:
        children = node.children
        exact = children.get(key)
        if exact is not None:
            found.append(exact)
        if key != name:
            base = children.get(name)
            if base is not None:
                found.append(base)
        wild = children.get(ANY_ATTRIBUTE if attribute else WILDCARD)
        if wild is not None:
            found.append(wild)
    return tuple(found)


@dataclass(frozen=True, slots=True)
class Effect:
    """What the rules at one node say: skip it, check values by type, or compare unordered."""

    ignore: bool = False
    unordered: bool = False
    value: ValueCheck | None = None


NO_EFFECT = Effect()


def effect_of(states: tuple[RuleNode, ...]) -> Effect:
    """The combined effect of the rules at these trie states (no allocation for one state)."""
    if len(states) == 1:
        return states[0].effect
    if not states:
        return NO_EFFECT
    ignore = unordered = False
    value = None
    for node in states:
        if node.effective:
            ignore = ignore or node.ignore
            unordered = unordered or node.unordered
            if value is None:
                value = node.value
    if not (ignore or unordered or value is not None):
        return NO_EFFECT
    return Effect(ignore, unordered, value)


@lru_cache(maxsize=1024)
def check_for(rule: Rule, sides: Sides | None = None) -> ValueCheck | None:
    """The value check of a rule, compiled once per rule and comparator cell (header and status
    rules are looked up for each differing pair)."""
    return ValueCheck.of(
        rule.kind,
        rule.pattern,
        rule.tolerance_s,
        relative_to=rule.relative_to,
        path=rule.path,
        sides=sides,
    )
