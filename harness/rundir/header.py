"""`rehearsal.json`: what a rehearsal ran, against what, with which command (format_version 1).

The header is written when a rehearsal begins (before any traffic), again when it ends, and on
every resume. Readers reject an unknown version and a malformed file with a `HarnessError`
naming the file and the field; keys this harness does not know are kept as they are.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import orjson

from harness.core.fields import check_version
from harness.errors import HarnessError

FORMAT_VERSION = 1
REHEARSAL_FILE = "rehearsal.json"
# What says which rehearsal this is and what it ran (summaries and reports repeat these).
HEADLINE_FIELDS = (
    "name",
    "started_at",
    "finished_at",
    "interrupted",
    "targets",
    "contracts",
    "policy",
    "seed",
    "command",
    "harness_version",
    "baseline",
)
_KNOWN = (
    "format_version",
    *HEADLINE_FIELDS,
    "only",
    "generation",
    "resumed",
    "planned",
    "error",
    "operations",
    "openapi",
)


@dataclass(frozen=True, slots=True)
class RehearsalHeader:
    name: str
    started_at: str
    targets: Mapping[str, str | None]  # candidate, legacy (None: compared with recordings)
    contracts: str
    finished_at: str | None = None
    interrupted: bool = False
    policy: str | None = None
    seed: int = 0
    command: str = ""
    harness_version: str = ""
    only: tuple[str, ...] | None = None
    generation: Mapping[str, Any] | None = None  # the generated traffic's options, if any
    resumed: int = 0  # how many times --resume continued it
    baseline: str | None = None  # the rehearsal to compare with (--baseline), if not the last
    planned: int | None = None  # exchanges a whole run judges, when known before it starts
    error: str | None = None  # what stopped it before its end, when an error did
    # The operations it was limited to (include, exclude, destructive, allow_side_effects),
    # when limited: what --resume keeps.
    operations: Mapping[str, Any] | None = None
    # The OpenAPI document candidate answers are held to (--openapi), when not the contracts'.
    openapi: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)  # keys of other harness versions

    @property
    def candidate(self) -> str:
        return str(self.targets.get("candidate") or "")

    @property
    def legacy(self) -> str | None:
        found = self.targets.get("legacy")
        return str(found) if found else None

    def finished(self, *, interrupted: bool, error: str | None = None) -> RehearsalHeader:
        """The header at the end of a run: interrupted (Ctrl-C) or stopped by `error`, or not."""
        return replace(self, finished_at=now_iso(), interrupted=interrupted, error=error)

    def reopened(self) -> RehearsalHeader:
        """The header of a resumed run: not finished, one more resume."""
        return replace(
            self, finished_at=None, interrupted=False, error=None, resumed=self.resumed + 1
        )

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "format_version": FORMAT_VERSION,
            "name": self.name,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "interrupted": self.interrupted,
            "targets": dict(self.targets),
            "contracts": self.contracts,
            "policy": self.policy,
            "seed": self.seed,
            "command": self.command,
            "harness_version": self.harness_version,
            "only": None if self.only is None else list(self.only),
        }
        if self.generation is not None:
            data["generation"] = dict(self.generation)
        if self.resumed:
            data["resumed"] = self.resumed
        if self.baseline is not None:
            data["baseline"] = self.baseline
        if self.planned is not None:
            data["planned"] = self.planned
        if self.error is not None:
            data["error"] = self.error
        if self.operations is not None:
            data["operations"] = dict(self.operations)
        if self.openapi is not None:
            data["openapi"] = self.openapi
        data.update({k: v for k, v in self.extra.items() if k not in data})
        return data

    @classmethod
    def from_dict(cls, data: object, file: str) -> RehearsalHeader:
        if not isinstance(data, dict):
            raise HarnessError("expected a JSON object", file=file)
        check_version(data, FORMAT_VERSION, file)
        targets = data.get("targets")
        if not isinstance(targets, Mapping) or not isinstance(targets.get("candidate"), str):
            raise HarnessError("must name the candidate target", file=file, field="targets")
        for key in ("name", "started_at", "contracts"):
            if not isinstance(data.get(key), str):
                raise HarnessError("missing or not a string", file=file, field=key)
        only = data.get("only")
        generation = data.get("generation")
        if generation is not None and not isinstance(generation, Mapping):
            raise HarnessError("must be an object", file=file, field="generation")
        operations = data.get("operations")
        if operations is not None and not isinstance(operations, Mapping):
            raise HarnessError("must be an object", file=file, field="operations")
        try:
            return cls(
                name=str(data["name"]),
                started_at=str(data["started_at"]),
                targets={str(k): (None if v is None else str(v)) for k, v in targets.items()},
                contracts=str(data["contracts"]),
                finished_at=data.get("finished_at"),
                interrupted=bool(data.get("interrupted", False)),
                policy=data.get("policy"),
                seed=int(data.get("seed") or 0),
                command=str(data.get("command") or ""),
                harness_version=str(data.get("harness_version") or ""),
                only=None if only is None else tuple(str(item) for item in only),
                generation=generation,
                resumed=int(data.get("resumed") or 0),
                baseline=str(data["baseline"]) if isinstance(data.get("baseline"), str) else None,
                planned=None if data.get("planned") is None else int(data["planned"]),
                error=None if data.get("error") is None else str(data["error"]),
                operations=operations,
                openapi=str(data["openapi"]) if isinstance(data.get("openapi"), str) else None,
                extra={k: v for k, v in data.items() if k not in _KNOWN},
            )
        except (TypeError, ValueError) as error:
            raise HarnessError(f"malformed: {error}", file=file) from None


def read_header(directory: Path) -> RehearsalHeader:
    """The rehearsal's header; a missing directory or file is a HarnessError."""
    if not directory.is_dir():
        raise HarnessError(
            "not a rehearsal report directory (no such directory)", file=str(directory)
        )
    path = directory / REHEARSAL_FILE
    if not path.is_file():
        raise HarnessError(
            "not a rehearsal report directory (no rehearsal.json)", file=str(directory)
        )
    try:
        data = orjson.loads(path.read_bytes())
    except orjson.JSONDecodeError as error:
        raise HarnessError(f"not valid JSON: {error}", file=str(path)) from None
    return RehearsalHeader.from_dict(data, str(path))


def write_json(path: Path, data: Mapping[str, Any]) -> None:
    """Write next to the target and rename, so a reader never sees half a file."""
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_bytes(orjson.dumps(data, option=orjson.OPT_INDENT_2) + b"\n")
    temporary.replace(path)


def now_iso() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
