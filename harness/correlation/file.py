"""`correlations.yaml`: the reviewable list of values that recorded answers gave and later
requests carried, beside the exchanges, kept across re-recordings like `noise.yaml`.

One entry per source: the operation whose answer gave the value and where (`from`, a capture
expression), its shape (how two targets' values are compared), whether the target allocated it,
how many values were seen, and its uses (which operations carried it, where, how often). Entries
that recording learned carry `learned: true` and are recomputed by every recording; an entry
written by hand, or a learned one marked `keep: true`, is kept verbatim with the comment lines
above it. `enabled: false` switches an entry off (its values are sent as recorded) and stops it
being learned again.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from harness.contracts.yamlfile import Located, item_lines, load_yaml
from harness.scenario.shapes import shape_named

CORRELATIONS_FILE = "correlations.yaml"
FORMAT_VERSION = 1
ENTRY_KEYS = {
    "source",
    "shape",
    "allocated",
    "values",
    "uses",
    "comment",
    "learned",
    "keep",
    "enabled",
}
ITEM_INDENT = "  "
HEADER = """\
# Correlations for service `{service}`: values that recorded answers gave and later requests
# carried (an id the target allocated, an ETag sent back in If-Match).
#
# `harness proxy` and `harness har import` find them. At replay each target is sent its own
# values: the step whose answer gave the value captures it (`from`), the later steps carry the
# captured value, and the exchanges joined so replay in order as one conversation. Allocated
# values are compared by `shape` (a domain pack's, or uuid, integer, hex, token, text), not by
# value.
#
#   source:  {{operation: <operationId>, from: /json/pointer | header:<name>}}
#   uses:    where later exchanges carried it (in: path | query.<name> | headers.<name> | body)
#            or echoed it (in: answer), with counts
# Entries with `learned: true` are recomputed by every recording; add `keep: true` to keep one.
# Entries you write yourself are always kept, with the comment lines above them.
# `enabled: false` switches an entry off (its values are sent as recorded) for good.
"""


@dataclass(frozen=True, slots=True)
class UseCount:
    operation: str
    location: str  # path, query.<name>, headers.<name>, body, answer
    count: int


@dataclass(frozen=True, slots=True)
class Entry:
    operation: str
    expression: str  # `from`: a capture expression
    shape: str = "text"
    allocated: bool = False
    values: int = 0
    uses: tuple[UseCount, ...] = ()
    comment: str = ""
    learned: bool = False
    keep: bool = False
    enabled: bool = True
    raw: tuple[str, ...] = ()  # source lines, for a verbatim copy

    @property
    def key(self) -> tuple[str, str]:
        return self.operation, self.expression

    @property
    def kept(self) -> bool:
        """Kept across re-recordings: written by hand, marked `keep`, or switched off."""
        return self.keep or not self.learned or not self.enabled


@dataclass(frozen=True, slots=True)
class CorrelationFile:
    service: str
    entries: tuple[Entry, ...] = ()

    def enabled(self) -> dict[tuple[str, str], Entry]:
        return {entry.key: entry for entry in self.entries if entry.enabled}

    def disabled(self) -> set[tuple[str, str]]:
        return {entry.key for entry in self.entries if not entry.enabled}


def read_correlations(path: Path, service: str = "") -> CorrelationFile:
    """The file's entries; a malformed file is a HarnessError naming its line and field."""
    if not path.exists():
        return CorrelationFile(service)
    data, located = load_yaml(path)
    if data is None:
        return CorrelationFile(service)
    if not isinstance(data, Mapping):
        raise located.error("must be a mapping with `correlations:`")
    version = data.get("format_version", FORMAT_VERSION)
    if version != FORMAT_VERSION:
        raise located.error(
            f"unsupported format_version {version!r}: this harness reads version {FORMAT_VERSION}",
            "format_version",
        )
    unknown = sorted(set(map(str, data)) - {"format_version", "service", "correlations"})
    if unknown:
        raise located.error("unknown key", unknown[0])
    items = data.get("correlations") or []
    if not isinstance(items, list):
        raise located.error("must be a list of entries", "correlations")
    lines = path.read_text(encoding="utf-8").splitlines()
    entries = [
        _entry(item, located, ("correlations", index), lines) for index, item in enumerate(items)
    ]
    return CorrelationFile(str(data.get("service", service)), tuple(entries))


def _entry(data: Any, located: Located, where: tuple[Hashable, ...], lines: list[str]) -> Entry:
    if not isinstance(data, Mapping):
        raise located.error("an entry must be a mapping with `source:`", *where)
    unknown = sorted(set(map(str, data)) - ENTRY_KEYS)
    if unknown:
        raise located.error(
            f"unknown key (allowed: {', '.join(sorted(ENTRY_KEYS))})", *where, unknown[0]
        )
    source = data.get("source")
    if not isinstance(source, Mapping):
        raise located.error("must be {operation: <id>, from: <capture>}", *where, "source")
    operation, expression = source.get("operation"), source.get("from")
    if not isinstance(operation, str) or not operation:
        raise located.error("must be an operation id", *where, "source", "operation")
    if not isinstance(expression, str) or not (
        expression.startswith("/") or expression.startswith("header:")
    ):
        raise located.error(
            "must be a JSON pointer (/id) or header:<name>", *where, "source", "from"
        )
    shape = data.get("shape", "text")
    if not isinstance(shape, str) or shape_named(shape) is None:
        from harness.scenario.shapes import known_shapes

        names = ", ".join(s.name for s in known_shapes())
        raise located.error(f"unknown shape {shape!r} (one of {names})", *where, "shape")
    flags = {}
    for flag, default in (("allocated", False), ("learned", False), ("keep", False)):
        value = data.get(flag, default)
        if not isinstance(value, bool):
            raise located.error("must be true or false", *where, flag)
        flags[flag] = value
    enabled = data.get("enabled", True)
    if not isinstance(enabled, bool):
        raise located.error("must be true or false", *where, "enabled")
    values = data.get("values", 0)
    if not isinstance(values, int) or isinstance(values, bool) or values < 0:
        raise located.error("must be a count", *where, "values")
    return Entry(
        operation=operation,
        expression=expression,
        shape=shape,
        allocated=flags["allocated"],
        values=values,
        uses=_uses(data.get("uses") or [], located, (*where, "uses")),
        comment=str(data.get("comment") or ""),
        learned=flags["learned"],
        keep=flags["keep"],
        enabled=enabled,
        raw=item_lines(located, where, lines, ITEM_INDENT),
    )


def _uses(data: Any, located: Located, where: tuple[Hashable, ...]) -> tuple[UseCount, ...]:
    if not isinstance(data, list):
        raise located.error("must be a list of {operation, in, count}", *where)
    uses = []
    for index, item in enumerate(data):
        if not isinstance(item, Mapping):
            raise located.error("must be {operation, in, count}", *where, index)
        operation, location = item.get("operation"), item.get("in")
        count = item.get("count", 0)
        if not isinstance(operation, str) or not operation:
            raise located.error("must be an operation id", *where, index, "operation")
        if not isinstance(location, str) or not location:
            raise located.error(
                "must be path, query.<name>, headers.<name>, body or answer", *where, index, "in"
            )
        if not isinstance(count, int) or isinstance(count, bool) or count < 0:
            raise located.error("must be a count", *where, index, "count")
        uses.append(UseCount(operation, location, count))
    return tuple(uses)


def entry_lines(entry: Entry) -> list[str]:
    """An entry in block style (learned entries, or kept ones with no source lines)."""
    data: dict[str, Any] = {
        "source": {"operation": entry.operation, "from": entry.expression},
        "shape": entry.shape,
    }
    if entry.allocated:
        data["allocated"] = True
    data["values"] = entry.values
    data["uses"] = [
        {"operation": use.operation, "in": use.location, "count": use.count} for use in entry.uses
    ]
    if entry.comment:
        data["comment"] = entry.comment
    for flag in ("learned", "keep"):
        if getattr(entry, flag):
            data[flag] = True
    if not entry.enabled:
        data["enabled"] = False
    text = yaml.safe_dump(
        [data], default_flow_style=None, sort_keys=False, width=100, allow_unicode=True
    )
    return [ITEM_INDENT + line for line in text.splitlines()]


def render_correlations(service: str, entries: Iterable[Entry]) -> str:
    out = [HEADER.format(service=service).rstrip("\n"), f"format_version: {FORMAT_VERSION}"]
    out.append(f"service: {yaml.safe_dump(service, width=10_000).splitlines()[0]}")
    listed = list(entries)
    if not listed:
        out.append("correlations: []")
        return "\n".join(out) + "\n"
    out.append("correlations:")
    for entry in listed:
        out.extend(entry.raw if entry.raw else entry_lines(entry))
    return "\n".join(out) + "\n"


def merge_learned(previous: CorrelationFile, learned: Iterable[Entry]) -> list[Entry]:
    """Kept entries of the previous file (in file order), then the learned ones not covered."""
    kept = [entry for entry in previous.entries if entry.kept]
    covered = {entry.key for entry in kept}
    fresh = [entry for entry in learned if entry.key not in covered]
    return [*kept, *fresh]


def write_correlations(path: Path, service: str, learned: Iterable[Entry]) -> list[Entry]:
    """Merge what was learned into the file at `path` (kept entries stay); the entries. The file
    is written even when empty: it says the contract is part of a correlated recording."""
    entries = merge_learned(read_correlations(path, service), learned)
    path.write_text(render_correlations(service, entries), encoding="utf-8")
    return entries
