"""`results.jsonl`: one line per judged exchange, and the one policy for reading it.

The writer always writes whole lines, each ending in a newline. So a last line without its
newline is torn: the run was killed while writing it. Every reader applies the same policy:

- a torn last line is skipped (and reported as `torn_last_line`); `--resume` cuts it off the
  file (`repair`) and that exchange runs again, so nothing is lost or repeated;
- any other bad line (not JSON, not a result object, another format version) is a
  `HarnessError` naming the file and the line;
- an id on two lines (two runs wrote into one directory) is a `DuplicateResult` naming both
  lines, raised once the file has been read (every id is kept as an 8-byte hash meanwhile:
  `harness.core.unique`), so no count, gate or report is ever made of doubled results.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

from harness.core.fields import check_version
from harness.core.result import FORMAT_VERSION, ResultRecord
from harness.core.unique import IdLedger, first_repeat
from harness.errors import HarnessError

RESULTS_FILE = "results.jsonl"


class DuplicateResult(HarnessError):
    """One id on two result lines: the file cannot be trusted (nor resumed)."""


class ResultsReader:
    """Iterate results.jsonl one line at a time (constant memory): `dicts()` as stored,
    `records()` as `ResultRecord`s. `lines` counts the lines read; `torn_last_line` tells
    whether the last one was torn."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.lines = 0
        self.torn_last_line = False

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return self.dicts()

    def dicts(self) -> Iterator[dict[str, Any]]:
        for _, data in self._lines():
            yield data

    def records(self) -> Iterator[ResultRecord]:
        for number, data in self._lines():
            yield ResultRecord.from_dict(data, f"{self.path}:{number}")

    def _lines(self) -> Iterator[tuple[int, dict[str, Any]]]:
        self.lines = 0
        self.torn_last_line = False
        if not self.path.exists():
            return
        ids = IdLedger()
        with self.path.open("rb") as stream:
            for number, raw in enumerate(stream, start=1):
                if not raw.endswith(b"\n"):
                    if raw.strip():
                        self.torn_last_line = True  # the run was killed mid-write
                    break
                if not raw.strip():
                    continue
                try:
                    data = orjson.loads(raw)
                except orjson.JSONDecodeError as error:
                    raise HarnessError(
                        f"not valid JSON: {error}", file=str(self.path), line=number
                    ) from None
                if not isinstance(data, dict):
                    raise HarnessError("expected a JSON object", file=str(self.path), line=number)
                check_version(data, FORMAT_VERSION, str(self.path), number)
                self.lines += 1
                ids.add(str(data.get("id")))
                yield number, data
        self._refuse_repeats(ids)

    def _refuse_repeats(self, ids: IdLedger) -> None:
        repeat = first_repeat(self._ids(), ids.suspects())
        if repeat is not None:
            ident, first, second = repeat
            raise DuplicateResult(
                f"result id {ident!r} is on lines {first} and {second}: two runs wrote into one "
                "directory, so its counts cannot be trusted (rehearse again under a new --name)",
                file=str(self.path),
                line=second,
            )

    def _ids(self) -> Iterator[tuple[str, int]]:
        """(id, line number) of every whole line, read again (only when a repeat is suspected)."""
        with self.path.open("rb") as stream:
            for number, raw in enumerate(stream, start=1):
                if raw.endswith(b"\n") and raw.strip():
                    yield str(orjson.loads(raw).get("id")), number


def repair(path: Path) -> set[str]:
    """The ids of the complete result lines; a torn last line is cut off the file (resume).

    A bad line before the last is a HarnessError: resuming past it could lose or repeat
    results."""
    done: set[str] = set()
    if not path.exists():
        return done
    reader = ResultsReader(path)
    try:
        for data in reader.dicts():
            done.add(str(data.get("id")))
    except DuplicateResult:
        raise
    except HarnessError as error:
        raise HarnessError(
            f"corrupt result line (not the last one): cannot resume safely ({error.message})",
            file=error.file,
            line=error.line,
        ) from None
    if reader.torn_last_line:
        good_end = 0
        with path.open("rb") as stream:
            for raw in stream:
                if raw.endswith(b"\n"):
                    good_end += len(raw)
        with path.open("r+b") as stream:
            stream.truncate(good_end)
    return done
