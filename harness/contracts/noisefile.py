"""`noise.yaml`: the reviewable noise model of one contract, and how re-recording keeps edits.

Rules that `harness record` learned carry `learned: true` and are recomputed by every recording.
Any other rule (written by a tester, or a learned one marked `keep: true`) is kept across
re-recordings, copied back verbatim together with the `#` comment lines just above it. A kept rule
with `enabled: false` stays in the file, is not applied, and stops the learner from re-adding a
rule for the same path.
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from harness.contracts.store import Contract
from harness.contracts.yamlfile import Located, item_lines, load_yaml

if TYPE_CHECKING:
    from harness.core.rules import NoiseModel, Rule

KINDS = ("ignore", "uuid", "timestamp", "pattern", "unordered")
RULE_KEYS = {
    "path",
    "kind",
    "pattern",
    "tolerance_s",
    "relative_to",
    "comment",
    "learned",
    "keep",
    "enabled",
}
ANY_OPERATION = "*"
FORMAT_VERSION = 1  # of noise.yaml (later-message rules are paths, not a new format)
ITEM_INDENT = "    "

HEADER = """\
# Noise model for service `{service}`: what legitimately varies between identical calls.
#
# `harness record` learns it by sending every request twice (two fresh legacy instances, or the
# same one) and listing what differed: replays then ignore those values. Review it like code.
#
# One rule per item, under its operation (`"*"` applies to every operation of the service):
#   path:   status | header:<name> | a JSON pointer with `*` for any key or index
#           (/entry/*/fullUrl) | an XML path of local names (/Envelope/Body/*/@messageId)
#   kind:   ignore | uuid | timestamp | pattern (with pattern: regex) | unordered (a list
#           compared as a multiset). A uuid rule accepts any generated UUID, but an echo of what
#           was sent (an X-Request-ID) must still be the echo. A timestamp rule accepts times
#           within tolerance_s seconds (default 120) of each other, as offsets from each
#           answer's own time (relative_to: header:date by default, or a JSON pointer such as
#           /timestamp): seconds of clock skew pass, a date days off does not.
#   comment: why the rule exists.
# Rules with `learned: true` are recomputed by every recording. To keep one, add `keep: true`;
# rules you write yourself (without `learned`) are always kept, with the comment lines above
# them. `enabled: false` on a kept rule switches it off and stops it being learned again.
"""


@dataclass(frozen=True, slots=True)
class NoiseEntry:
    """One rule as written in the file, with what re-recording needs to keep it."""

    operation: str
    path: str
    kind: str = "ignore"
    pattern: str | None = None
    tolerance_s: float | None = None
    comment: str = ""
    learned: bool = False
    relative_to: str | None = None
    keep: bool = False
    enabled: bool = True
    raw: tuple[str, ...] = ()  # source lines (comments above included), for verbatim copy

    @property
    def kept(self) -> bool:
        return self.keep or not self.learned

    def to_rule(self) -> Rule:
        from harness.core.rules import Rule

        return Rule(
            path=self.path,
            kind=self.kind,
            pattern=self.pattern,
            tolerance_s=self.tolerance_s,
            comment=self.comment,
            relative_to=self.relative_to,
        )


@dataclass(frozen=True, slots=True)
class NoiseFile:
    service: str
    entries: tuple[NoiseEntry, ...] = field(default_factory=tuple)
    lines: Mapping[str, int] = field(default_factory=dict)  # operation -> its line in the file

    def operations(self) -> list[str]:
        return sorted({entry.operation for entry in self.entries})

    def to_model(self) -> NoiseModel:
        from harness.core.rules import NoiseModel

        grouped: dict[str, list[Rule]] = {}
        for entry in self.entries:
            if entry.enabled:
                grouped.setdefault(entry.operation, []).append(entry.to_rule())
        return NoiseModel(operations={op: tuple(rules) for op, rules in grouped.items()})


def load_noise(contract: Contract) -> NoiseModel:
    """The contract's noise model (empty when it has no noise file)."""
    return read_noise_file(contract.path("noise"), contract.service).to_model()


def read_noise_file(path: Path, service: str = "") -> NoiseFile:
    if not path.exists():
        return NoiseFile(service)
    data, located = load_yaml(path)
    if data is None:
        return NoiseFile(service)
    if not isinstance(data, Mapping):
        raise located.error("must be a mapping with `operations:`")
    version = data.get("format_version", FORMAT_VERSION)
    if version != FORMAT_VERSION:
        raise located.error(
            f"unsupported format_version {version!r}: this harness reads version {FORMAT_VERSION}",
            "format_version",
        )
    unknown = sorted(set(map(str, data)) - {"format_version", "service", "operations"})
    if unknown:
        raise located.error("unknown key", unknown[0])
    operations = data.get("operations") or {}
    if not isinstance(operations, Mapping):
        raise located.error("must map operation ids to lists of rules", "operations")
    lines = path.read_text(encoding="utf-8").splitlines()
    entries: list[NoiseEntry] = []
    operation_lines: dict[str, int] = {}
    for operation, rules in operations.items():
        where: tuple[Hashable, ...] = ("operations", operation)
        operation_lines[str(operation)] = located.line(*where) or 1
        if rules is None:
            continue
        if not isinstance(rules, list):
            raise located.error("must be a list of rules", *where)
        for index, rule in enumerate(rules):
            entries.append(_entry(str(operation), rule, located, (*where, index), lines))
    return NoiseFile(str(data.get("service", service)), tuple(entries), operation_lines)


def _entry(
    operation: str, data: Any, located: Located, where: tuple[Hashable, ...], lines: list[str]
) -> NoiseEntry:
    if not isinstance(data, Mapping):
        raise located.error("a rule must be a mapping with `path:` and `kind:`", *where)
    unknown = sorted(set(map(str, data)) - RULE_KEYS)
    if unknown:
        raise located.error(
            f"unknown key (allowed: {', '.join(sorted(RULE_KEYS))})", *where, unknown[0]
        )
    path = data.get("path")
    if not isinstance(path, str) or not (
        path == "status"
        or path.startswith("header:")
        or path.startswith("/")
        or path.startswith("later:")
    ):
        raise located.error(
            "must be `status`, `header:<name>`, a body path starting with '/', or a later "
            "message's `later:<kind>[:<path>]`",
            *where,
            "path",
        )
    kind = data.get("kind", "ignore")
    if kind not in KINDS:
        raise located.error(f"unknown kind {kind!r} (one of {', '.join(KINDS)})", *where, "kind")
    pattern = data.get("pattern")
    if kind == "pattern":
        if not isinstance(pattern, str):
            raise located.error("a `pattern` rule needs a regex", *where, "pattern")
        try:
            re.compile(pattern)
        except re.error as error:
            raise located.error(f"not a valid regex: {error}", *where, "pattern") from None
    tolerance = data.get("tolerance_s")
    if tolerance is not None and (
        not isinstance(tolerance, int | float) or isinstance(tolerance, bool) or tolerance < 0
    ):
        raise located.error("must be a non-negative number of seconds", *where, "tolerance_s")
    if path.startswith("later:"):
        from harness.core.rules import Rule
        from harness.errors import HarnessError

        try:
            Rule(path, str(kind), pattern if isinstance(pattern, str) else None)
        except HarnessError as error:
            raise located.error(error.message, *where, error.field or "path") from None
    relative_to = data.get("relative_to")
    if relative_to is not None:
        if kind != "timestamp":
            raise located.error("only applies to kind `timestamp`", *where, "relative_to")
        if not isinstance(relative_to, str) or not (
            (relative_to.lower().startswith("header:") and relative_to[7:].strip())
            or (relative_to.startswith("/") and len(relative_to) > 1)
        ):
            raise located.error(
                "must be `header:<name>` (e.g. header:date) or a JSON pointer such as /timestamp",
                *where,
                "relative_to",
            )
    flags = {}
    for flag, default in (("learned", False), ("keep", False), ("enabled", True)):
        value = data.get(flag, default)
        if not isinstance(value, bool):
            raise located.error("must be true or false", *where, flag)
        flags[flag] = value
    return NoiseEntry(
        operation=operation,
        path=path,
        kind=str(kind),
        pattern=pattern if isinstance(pattern, str) else None,
        tolerance_s=float(tolerance) if tolerance is not None else None,
        comment=str(data.get("comment") or ""),
        learned=flags["learned"],
        keep=flags["keep"],
        enabled=flags["enabled"],
        raw=item_lines(located, where, lines, ITEM_INDENT),
        relative_to=relative_to,
    )


def entry_yaml(entry: NoiseEntry) -> list[str]:
    """A rule as one flow-style item line (learned rules, or kept rules with no source)."""
    data: dict[str, Any] = {"path": entry.path, "kind": entry.kind}
    if entry.pattern is not None:
        data["pattern"] = entry.pattern
    if entry.tolerance_s is not None:
        data["tolerance_s"] = entry.tolerance_s
    if entry.relative_to is not None:
        data["relative_to"] = entry.relative_to
    if entry.comment:
        data["comment"] = entry.comment
    if entry.learned:
        data["learned"] = True
    if entry.keep:
        data["keep"] = True
    if not entry.enabled:
        data["enabled"] = False
    text = yaml.safe_dump(
        data, default_flow_style=True, sort_keys=False, width=10_000, allow_unicode=True
    ).strip()
    return [f"{ITEM_INDENT}- {text}"]


def render_noise_file(service: str, entries: Iterable[NoiseEntry]) -> str:
    """The file text: header, then operations in name order (`*` first), kept rules first."""
    grouped: dict[str, list[NoiseEntry]] = {}
    for entry in entries:
        grouped.setdefault(entry.operation, []).append(entry)
    out = [HEADER.format(service=service).rstrip("\n"), f"format_version: {FORMAT_VERSION}"]
    out.append(f"service: {_scalar(service)}")
    if not grouped:
        out.append("operations: {}")
        return "\n".join(out) + "\n"
    out.append("operations:")
    for operation in sorted(grouped, key=lambda op: (op != ANY_OPERATION, op)):
        out.append(f"  {_scalar(operation)}:")
        for entry in grouped[operation]:
            out.extend(entry.raw if entry.raw else entry_yaml(entry))
    return "\n".join(out) + "\n"


def merge_learned(previous: NoiseFile, learned: Iterable[NoiseEntry]) -> list[NoiseEntry]:
    """Kept rules of the previous file (in file order) then newly learned rules by path.

    A learned rule is dropped when a kept rule of the same operation already covers its path.
    """
    kept = [entry for entry in previous.entries if entry.kept]
    covered = {(entry.operation, entry.path) for entry in kept}
    fresh = sorted(
        (entry for entry in learned if (entry.operation, entry.path) not in covered),
        key=lambda entry: (entry.operation, entry.path),
    )
    return [*kept, *fresh]


def _scalar(value: str) -> str:
    return yaml.safe_dump(value, default_style=None, width=10_000).splitlines()[0]
