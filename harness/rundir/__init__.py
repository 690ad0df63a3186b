"""The rehearsal directory, `reports/<name>/`: its one owner.

`RehearsalDir` reads and writes what a rehearsal leaves behind: `rehearsal.json` (the typed
`RehearsalHeader`), `results.jsonl` (read with one policy for a torn last line, repaired on
resume) and `gate.json`. The rehearsal wiring, the gate, the report writers and coverage all go
through it, so they agree on what a directory holds and on what is wrong with it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import orjson

from harness.core.fields import check_version
from harness.core.result import ResultRecord
from harness.errors import HarnessError
from harness.rundir.header import (
    FORMAT_VERSION,
    HEADLINE_FIELDS,
    REHEARSAL_FILE,
    RehearsalHeader,
    now_iso,
    read_header,
    write_json,
)
from harness.rundir.results import RESULTS_FILE, ResultsReader, repair

GATE_FILE = "gate.json"


class RehearsalDir:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def results_path(self) -> Path:
        return self.path / RESULTS_FILE

    def exists(self) -> bool:
        return (self.path / REHEARSAL_FILE).exists()

    def header(self) -> RehearsalHeader:
        return read_header(self.path)

    def write_header(self, header: RehearsalHeader) -> None:
        self.path.mkdir(parents=True, exist_ok=True)
        write_json(self.path / REHEARSAL_FILE, header.to_dict())

    def results(self) -> ResultsReader:
        """A reader of results.jsonl (an absent file reads as no results)."""
        return ResultsReader(self.results_path)

    def records(self) -> Iterable[ResultRecord]:
        """Every result, in order; HarnessError when there is no results file at all."""
        if not self.results_path.exists():
            raise HarnessError(
                "no results file: is this a rehearsal report directory?",
                file=str(self.results_path),
            )
        return self.results().records()

    def repair_results(self) -> set[str]:
        """Resume: the ids already done, after cutting a torn last line off the file."""
        return repair(self.results_path)

    def rewrite_results(self, records: Iterable[ResultRecord]) -> None:
        """Replace results.jsonl atomically with `records` (a re-gate that changed waivers)."""
        temporary = self.results_path.with_suffix(".jsonl.tmp")
        with temporary.open("wb") as handle:
            for record in records:
                handle.write(orjson.dumps(record.to_dict()) + b"\n")
        temporary.replace(self.results_path)

    def gate(self) -> dict[str, Any] | None:
        """The gate decision, or None when the gate was not evaluated (no gate.json)."""
        path = self.path / GATE_FILE
        if not path.exists():
            return None
        try:
            data = orjson.loads(path.read_bytes())
        except orjson.JSONDecodeError as error:
            raise HarnessError(f"not valid JSON: {error}", file=str(path)) from None
        if not isinstance(data, dict):
            raise HarnessError("expected a JSON object", file=str(path))
        check_version(data, FORMAT_VERSION, str(path))
        return data

    def write_gate(self, decision: Mapping[str, Any]) -> None:
        write_json(self.path / GATE_FILE, decision)


__all__ = [
    "FORMAT_VERSION",
    "GATE_FILE",
    "HEADLINE_FIELDS",
    "REHEARSAL_FILE",
    "RESULTS_FILE",
    "RehearsalDir",
    "RehearsalHeader",
    "ResultsReader",
    "now_iso",
    "read_header",
    "repair",
    "write_json",
]
