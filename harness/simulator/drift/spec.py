"""Reading an effect from its YAML mapping (`kind` plus the kind's fields), naming bad fields."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from harness.simulator.behaviour import ChunkOrder
from harness.simulator.drift.effects import (
    Drop,
    DropHeader,
    Effect,
    ErrorCode,
    Intermittent5xx,
    Latency,
    LeakRestrictedAddress,
    ReformatDate,
    ReformatNumber,
    Reorder,
    SetValue,
    ShiftTimes,
    Status,
    Truncate,
    VersionOffByOne,
)
from harness.simulator.drift.messaging import (
    BehaviourEffect,
    ChunkReassembly,
    DuplicateDelivery,
    LateAcknowledgement,
    LostAcknowledgement,
    LostDelivery,
    MissingReport,
)
from harness.simulator.drift.paths import check_path


class FieldProblem(Exception):
    """A field of a drift entry is wrong; the loader adds the file and the entry."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


class Fields:
    """Typed access to an effect's mapping; unknown fields are errors."""

    def __init__(self, spec: Mapping[str, Any], prefix: str = "effect") -> None:
        self.spec = spec
        self.prefix = prefix
        self.seen = {"kind"}

    def _take(self, name: str, kinds: tuple[type, ...], what: str, default: Any) -> Any:
        self.seen.add(name)
        if name not in self.spec:
            if default is _REQUIRED:
                raise FieldProblem(f"{self.prefix}.{name}", "is required")
            return default
        value = self.spec[name]
        if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
            raise FieldProblem(f"{self.prefix}.{name}", f"must be {what}, not {value!r}")
        return value

    def text(self, name: str, default: Any = None) -> Any:
        return self._take(name, (str,), "a string", _REQUIRED if default is None else default)

    def integer(self, name: str, default: Any = None) -> Any:
        return self._take(name, (int,), "an integer", _REQUIRED if default is None else default)

    def number(self, name: str, default: Any = None) -> Any:
        return self._take(name, (int, float), "a number", _REQUIRED if default is None else default)

    def path(self, name: str = "path") -> str:
        value = self.text(name)
        problem = check_path(value)
        if problem:
            raise FieldProblem(f"{self.prefix}.{name}", problem)
        return str(value)

    def any(self, name: str) -> Any:
        self.seen.add(name)
        if name not in self.spec:
            raise FieldProblem(f"{self.prefix}.{name}", "is required")
        return self.spec[name]

    def done(self) -> None:
        unknown = sorted(set(self.spec) - self.seen)
        if unknown:
            raise FieldProblem(f"{self.prefix}.{unknown[0]}", "is not a field of this effect")


_REQUIRED = object()


# --- parsing ------------------------------------------------------------------------------------


def _rate(fields: Fields) -> float:
    rate = float(fields.number("rate"))
    if not 0.0 <= rate <= 1.0:
        raise FieldProblem("effect.rate", f"must be between 0 and 1, not {rate}")
    return rate


def _status(fields: Fields, name: str, default: Any = None) -> int:
    status = int(fields.integer(name, default))
    if not 100 <= status <= 599:
        raise FieldProblem(f"effect.{name}", f"must be an HTTP status (100-599), not {status}")
    return status


def _optional_status(fields: Fields, name: str) -> int | None:
    return _status(fields, name) if name in fields.spec else None


def _order(fields: Fields) -> str:
    order = str(fields.text("order", "reverse"))
    if order not in ("reverse", "rotate"):
        raise FieldProblem("effect.order", f"must be 'reverse' or 'rotate', not {order!r}")
    return order


def _chunk_order(fields: Fields) -> ChunkOrder:
    return "rotate" if _order(fields) == "rotate" else "reverse"


def _keep(fields: Fields) -> int:
    keep = int(fields.integer("keep"))
    if keep < 0:
        raise FieldProblem("effect.keep", "must be 0 or more")
    return keep


def _ms(fields: Fields) -> float:
    ms = float(fields.number("ms"))
    if not 0 <= ms <= 60_000:
        raise FieldProblem("effect.ms", "must be between 0 and 60000")
    return ms


def _beyond(fields: Fields) -> float:
    seconds = float(fields.number("beyond_seconds", 1.0))
    if not 0 < seconds <= 86_400:
        raise FieldProblem("effect.beyond_seconds", "must be more than 0 and at most 86400")
    return seconds


def _copies(fields: Fields) -> int:
    copies = int(fields.integer("copies", 2))
    if not 2 <= copies <= 10:
        raise FieldProblem("effect.copies", f"must be between 2 and 10, not {copies}")
    return copies


def _date_format(fields: Fields) -> str:
    form = str(fields.text("format"))
    if "%" not in form:
        raise FieldProblem(
            "effect.format", f"must be a strftime format like '%Y%m%d', not {form!r}"
        )
    return form


def _number_format(fields: Fields) -> str:
    spec = str(fields.text("format", ""))
    try:
        format(1.5, spec)
    except ValueError as error:
        raise FieldProblem("effect.format", f"is not a Python format spec: {error}") from None
    return spec


AnyEffect = Effect | BehaviourEffect

PARSERS: dict[str, Callable[[Fields], AnyEffect]] = {
    "drop": lambda f: Drop(f.path()),
    "set": lambda f: SetValue(f.path(), f.any("value")),
    "reformat_date": lambda f: ReformatDate(f.path(), _date_format(f)),
    "reformat_number": lambda f: ReformatNumber(f.path(), _number_format(f)),
    "shift_times": lambda f: ShiftTimes(
        float(f.number("seconds")), f.path() if "path" in f.spec else None
    ),
    "truncate": lambda f: Truncate(f.path(), _keep(f)),
    "reorder": lambda f: Reorder(f.path(), _order(f)),
    "error_code": lambda f: ErrorCode(f.text("code"), f.text("issue_code", "") or None),
    "leak_restricted_address": lambda f: LeakRestrictedAddress(),
    "version_off_by_one": lambda f: VersionOffByOne(int(f.integer("delta", 1))),
    "status": lambda f: Status(_status(f, "to"), _optional_status(f, "from")),
    "drop_header": lambda f: DropHeader(f.text("name")),
    "latency": lambda f: Latency(_ms(f)),
    "intermittent_5xx": lambda f: Intermittent5xx(_rate(f), _status(f, "status", 503)),
    # messaging behaviour (`messaging.py`)
    "lost_acknowledgement": lambda f: LostAcknowledgement(),
    "late_acknowledgement": lambda f: LateAcknowledgement(_beyond(f)),
    "duplicate_delivery": lambda f: DuplicateDelivery(_copies(f)),
    "missing_report": lambda f: MissingReport(),
    "lost_delivery": lambda f: LostDelivery(),
    "chunk_reassembly": lambda f: ChunkReassembly(_chunk_order(f)),
}


def parse_effect(spec: object) -> AnyEffect:
    if not isinstance(spec, Mapping):
        raise FieldProblem("effect", "must be a mapping with a 'kind'")
    kind = spec.get("kind")
    if kind not in PARSERS:
        raise FieldProblem("effect.kind", f"must be one of {', '.join(PARSERS)}, not {kind!r}")
    fields = Fields(spec)
    effect = PARSERS[str(kind)](fields)
    fields.done()
    return effect
