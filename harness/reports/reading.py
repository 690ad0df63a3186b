"""Read a rehearsal directory: rehearsal.json, results.jsonl (streamed), gate.json (optional)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

from harness.errors import HarnessError

FORMAT_VERSION = 1
REHEARSAL_FILE = "rehearsal.json"
RESULTS_FILE = "results.jsonl"
GATE_FILE = "gate.json"


def _check_version(data: dict[str, Any], file: Path, line: int | None = None) -> None:
    version = data.get("format_version")
    if version != FORMAT_VERSION:
        raise HarnessError(
            f"unsupported format_version {version!r} (this harness reads {FORMAT_VERSION})",
            file=str(file),
            line=line,
            field="format_version",
        )


def _read_object(path: Path) -> dict[str, Any]:
    try:
        data = orjson.loads(path.read_bytes())
    except FileNotFoundError:
        raise HarnessError("file not found", file=str(path)) from None
    except orjson.JSONDecodeError as error:
        raise HarnessError(f"not valid JSON: {error}", file=str(path)) from None
    if not isinstance(data, dict):
        raise HarnessError("expected a JSON object", file=str(path))
    _check_version(data, path)
    return data


def read_rehearsal(report_dir: Path) -> dict[str, Any]:
    """The rehearsal's header; a missing directory or file is a HarnessError."""
    if not report_dir.is_dir():
        raise HarnessError("not a rehearsal directory", file=str(report_dir))
    return _read_object(report_dir / REHEARSAL_FILE)


def read_gate(report_dir: Path) -> dict[str, Any] | None:
    """The gate decision, or None when the gate was not evaluated (no gate.json)."""
    path = report_dir / GATE_FILE
    if not path.exists():
        return None
    return _read_object(path)


class ResultsReader:
    """Iterate results.jsonl one dict at a time; a torn (unterminated, unparsable) last line is
    skipped and remembered in `torn_last_line`, any other bad line is a HarnessError."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.lines = 0
        self.torn_last_line = False

    def __iter__(self) -> Iterator[dict[str, Any]]:
        if not self.path.exists():
            return
        with self.path.open("rb") as stream:
            number = 0
            for raw in stream:
                number += 1
                if not raw.strip():
                    continue
                try:
                    data = orjson.loads(raw)
                except orjson.JSONDecodeError as error:
                    if not raw.endswith(b"\n") and not stream.read(1):
                        self.torn_last_line = True  # the run was killed mid-write
                        return
                    raise HarnessError(
                        f"not valid JSON: {error}", file=str(self.path), line=number
                    ) from None
                if not isinstance(data, dict):
                    raise HarnessError("expected a JSON object", file=str(self.path), line=number)
                _check_version(data, self.path, number)
                self.lines += 1
                yield data


def iter_results(report_dir: Path) -> ResultsReader:
    return ResultsReader(report_dir / RESULTS_FILE)
