"""`--resume`: what an interrupted rehearsal already did, read back from its results.jsonl.

A crash can tear the last line; it is cut off (the file is truncated to the last complete line)
and that exchange runs again. Ids already present are never run again, so nothing is lost or
repeated.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import orjson

from harness.core.result import ResultRecord
from harness.errors import HarnessError

RESULTS_FILE = "results.jsonl"


def repair_and_collect_ids(path: Path) -> set[str]:
    """Ids of complete result lines; truncates a torn tail in place."""
    done: set[str] = set()
    if not path.exists():
        return done
    good_end = 0
    size = path.stat().st_size
    with path.open("r+b") as handle:
        offset = 0
        for number, line in enumerate(handle, start=1):
            end = offset + len(line)
            offset = end
            if not line.strip():
                good_end = end
                continue
            try:
                if not line.endswith(b"\n"):
                    raise ValueError("no line end")
                data = orjson.loads(line)
                done.add(str(data["id"]))
            except (ValueError, KeyError, TypeError):
                if end == size:
                    break  # torn last line: dropped below
                raise HarnessError(
                    "corrupt result line (not the last one): cannot resume safely",
                    file=str(path),
                    line=number,
                ) from None
            good_end = end
        handle.truncate(good_end)
    return done


def iter_results(path: Path) -> Iterator[ResultRecord]:
    """Result records one at a time (constant memory)."""
    if not path.exists():
        raise HarnessError("no results file: is this a rehearsal report directory?", file=str(path))
    with path.open("rb") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            where = f"{path}:{number}"
            try:
                data = orjson.loads(line)
            except orjson.JSONDecodeError as error:
                raise HarnessError(f"not valid JSON: {error}", file=where) from None
            yield ResultRecord.from_dict(data, where)
