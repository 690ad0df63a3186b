"""The rehearsal directory, `reports/<name>/`: its one owner.

`RehearsalDir` reads and writes what a rehearsal leaves behind: `rehearsal.json` (the typed
`RehearsalHeader`), `results.jsonl` (read with one policy for a torn last line and for repeated
ids, repaired on resume) and `gate.json`. It also holds the directory's lock (`RehearsalLock`:
one process at a time runs, resumes or re-gates it) and says whether the run reached its end
(`Completion`). The rehearsal wiring, the gate, the report writers and coverage all go through
it, so they agree on what a directory holds and on what is wrong with it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import orjson

from harness.core.fields import check_version
from harness.core.result import ResultRecord
from harness.errors import HarnessError
from harness.rundir.completion import Completion
from harness.rundir.header import (
    FORMAT_VERSION,
    HEADLINE_FIELDS,
    REHEARSAL_FILE,
    RehearsalHeader,
    now_iso,
    read_header,
    write_json,
)
from harness.rundir.lock import LOCK_FILE, RehearsalLock
from harness.rundir.results import RESULTS_FILE, DuplicateResult, ResultsReader, repair

GATE_FILE = "gate.json"
# What a rehearsal writes before its first result (and its temporary files): a directory holding
# only these, and no result line, may be taken over by a new rehearsal of the same name.
_OWN_FILES = frozenset(
    {
        REHEARSAL_FILE,
        RESULTS_FILE,
        GATE_FILE,
        LOCK_FILE,
        REHEARSAL_FILE + ".tmp",
        GATE_FILE + ".tmp",
    }
)


class RehearsalDir:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.lock = RehearsalLock(self.path)

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def results_path(self) -> Path:
        return self.path / RESULTS_FILE

    def exists(self) -> bool:
        return (self.path / REHEARSAL_FILE).exists()

    def create(self) -> None:
        """Make a new rehearsal's directory and take its lock (nothing else is written yet).

        Refused when a rehearsal of that name runs or has results; a directory left without any
        result (a run killed before its first exchange) is taken over."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.path.mkdir()
        except FileExistsError:
            if not self.path.is_dir():
                raise HarnessError("exists and is not a directory", file=str(self.path)) from None
        except OSError as error:
            raise HarnessError(
                f"cannot create the report directory: {error.strerror or error}",
                file=str(self.path),
            ) from None
        self.lock.acquire("start")
        foreign = sorted(p.name for p in self.path.iterdir() if p.name not in _OWN_FILES)
        if self.result_count() > 0 or foreign:
            self.lock.release()
            what = "already exists" if self.exists() else f"is not empty ({foreign[0]})"
            raise HarnessError(
                f"rehearsal {self.name!r} {what}: use --resume {self.name} to continue it, "
                "or another --name",
                file=str(self.path),
            )
        self._remove_own_files()

    def open(self, doing: str) -> RehearsalHeader:
        """Take the lock of an existing rehearsal (to resume or re-gate it); its header."""
        header = self.header()
        self.lock.acquire(doing)
        return header

    def discard(self) -> None:
        """Remove a new rehearsal that failed before its first result: the corrected command
        then runs as if it never had. Keeps any directory that holds a result."""
        if self.result_count() == 0:
            self._remove_own_files()
            (self.path / LOCK_FILE).unlink(missing_ok=True)  # still held: nobody took it
            with contextlib.suppress(OSError):  # not empty: something else was put there
                self.path.rmdir()
        self.lock.release()

    def _remove_own_files(self) -> None:
        for name in _OWN_FILES - {LOCK_FILE}:
            (self.path / name).unlink(missing_ok=True)

    def completion(self) -> Completion:
        """Whether the run reached its end (and if not, how far it got)."""
        return Completion.of(self.header(), self.result_count(), self.lock.holder())

    def result_count(self) -> int:
        """Whole lines of results.jsonl, counted without parsing them."""
        if not self.results_path.exists():
            return 0
        count = 0
        with self.results_path.open("rb") as stream:
            while block := stream.read(1 << 20):
                count += block.count(b"\n")
        return count

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
    "LOCK_FILE",
    "REHEARSAL_FILE",
    "RESULTS_FILE",
    "Completion",
    "DuplicateResult",
    "RehearsalDir",
    "RehearsalHeader",
    "RehearsalLock",
    "ResultsReader",
    "now_iso",
    "read_header",
    "repair",
    "write_json",
]
