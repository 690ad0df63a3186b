"""summary.json: one streaming pass over results.jsonl, plus the rehearsal header and the gate."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson

from harness.core.policy import Policy
from harness.core.summary import SUMMARY_FORMAT_VERSION, SummaryBuilder
from harness.reports.severity import severity_of
from harness.rundir import HEADLINE_FIELDS, RehearsalDir

SUMMARY_FILE = "summary.json"


def gate_section(gate: dict[str, Any] | None) -> dict[str, Any]:
    """The gate decision as summary.json carries it; `evaluated: false` when there is none."""
    if gate is None:
        return {"evaluated": False}
    copied = {key: value for key, value in gate.items() if key != "format_version"}
    return {"evaluated": True, **copied}


def build_summary(report_dir: Path, policy: Policy | None = None) -> dict[str, Any]:
    """Read the rehearsal directory and return the summary.json document (not written).
    `policy`: what decides the severity of each cluster (else the domain packs' defaults)."""
    directory = RehearsalDir(report_dir)
    rehearsal = directory.header().to_dict()
    gate = directory.gate()
    results = directory.results()
    builder = SummaryBuilder(severity_of=severity_of(policy)).add_all(results)
    verdict = "not evaluated" if gate is None else ("passed" if gate.get("passed") else "failed")
    return {
        "format_version": SUMMARY_FORMAT_VERSION,
        "rehearsal": {key: rehearsal.get(key) for key in HEADLINE_FIELDS},
        "results": {"read": results.lines, "torn_last_line": results.torn_last_line},
        "verdict": verdict,
        "gate": gate_section(gate),
        **builder.to_dict(),
    }


def write_summary(report_dir: Path, summary: dict[str, Any]) -> Path:
    path = report_dir / SUMMARY_FILE
    data = orjson.dumps(summary, option=orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE)
    write_atomically(path, data)
    return path


def write_atomically(path: Path, data: bytes) -> None:
    """Write next to the target and rename, so a reader never sees half a file."""
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_bytes(data)
    temporary.replace(path)


def load_summary(path: Path) -> dict[str, Any] | None:
    """A summary.json of this format version, or None (absent, unreadable, other version)."""
    try:
        data = orjson.loads(path.read_bytes())
    except (OSError, orjson.JSONDecodeError):
        return None
    if not isinstance(data, dict) or data.get("format_version") != SUMMARY_FORMAT_VERSION:
        return None
    return data
