"""Interface coverage: per operation, which parameters, enum values and response statuses the
rehearsal's traffic (recorded plus generated) exercised, and what it never sent or saw.

`write_coverage(report_dir)` reads rehearsal.json (for the contracts' OpenAPI documents) and
results.jsonl, and writes coverage.json; `coverage_section(report_dir)` renders it for
report.html.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import orjson

from harness.reports.svg import esc
from harness.rundir import RehearsalDir

COVERAGE_FILE = "coverage.json"
_METHODS = ("get", "put", "post", "delete", "patch", "head", "options")


def _documented(document: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for path, item in (document.get("paths") or {}).items():
        shared = item.get("parameters") or []
        for method in _METHODS:
            spec = item.get(method)
            if not isinstance(spec, Mapping):
                continue
            operation = str(spec.get("operationId") or f"{method.upper()} {path}")
            parameters: dict[str, dict[str, Any]] = {}
            for parameter in [*shared, *(spec.get("parameters") or [])]:
                if not isinstance(parameter, Mapping) or "name" not in parameter:
                    continue
                schema = parameter.get("schema") or {}
                enum = schema.get("enum") or (schema.get("items") or {}).get("enum") or []
                parameters[str(parameter["name"])] = {
                    "in": parameter.get("in"),
                    "enum": [str(v) for v in enum],
                }
            statuses = sorted(str(s) for s in (spec.get("responses") or {}) if str(s).isdigit())
            found[operation] = {"parameters": parameters, "statuses": statuses}
            for _action, soap_operation in (spec.get("x-soap-actions") or {}).items():
                found.setdefault(str(soap_operation), {"parameters": {}, "statuses": statuses})
    return found


def build_coverage(report_dir: Path) -> dict[str, Any]:
    documented: dict[str, dict[str, Any]] = {}
    directory = RehearsalDir(report_dir)
    contracts = Path(directory.header().contracts)
    if contracts.is_dir():
        from harness.contracts import discover

        for contract in discover(contracts):
            documented.update(_documented(contract.openapi))
    seen: dict[str, dict[str, Any]] = {}
    for record in directory.results():
        _add(seen, record)
    operations = {}
    for name in sorted({*documented, *seen}):
        doc = documented.get(name, {"parameters": {}, "statuses": []})
        got = seen.get(name, {"sources": {}, "names": {}, "statuses": set()})
        parameters = {}
        for parameter, spec in doc["parameters"].items():
            values = got["names"].get(parameter.lower(), set())
            parameters[parameter] = {
                "in": spec["in"],
                "exercised": bool(values),
                "enum_seen": [v for v in spec["enum"] if v in values],
                "enum_never_seen": [v for v in spec["enum"] if v not in values],
            }
        statuses = sorted(str(s) for s in got["statuses"])
        operations[name] = {
            "exchanges": sum(got["sources"].values()),
            "sources": dict(sorted(got["sources"].items())),
            "parameters": parameters,
            "parameters_never_sent": sorted(p for p, v in parameters.items() if not v["exercised"]),
            "statuses_seen": statuses,
            "statuses_documented": doc["statuses"],
            "statuses_never_seen": [s for s in doc["statuses"] if s not in statuses],
        }
    return {"format_version": 1, "operations": operations}


def _add(seen: dict[str, dict[str, Any]], record: Mapping[str, Any]) -> None:
    entry = seen.setdefault(
        str(record.get("operation")), {"sources": {}, "names": {}, "statuses": set()}
    )
    source = str(record.get("source"))
    entry["sources"][source] = entry["sources"].get(source, 0) + 1
    request = record.get("request") or {}
    for key, value in [*(request.get("query") or ()), *(request.get("headers") or ())]:
        entry["names"].setdefault(str(key).lower(), set()).add(str(value))
    for side in ("legacy", "candidate"):
        status = (record.get("status") or {}).get(side)
        if status is not None:
            entry["statuses"].add(status)


def write_coverage(report_dir: Path) -> Path:
    path = report_dir / COVERAGE_FILE
    data = build_coverage(report_dir)
    path.write_bytes(orjson.dumps(data, option=orjson.OPT_INDENT_2) + b"\n")
    return path


def coverage_section(report_dir: Path) -> str:
    """The report.html section (empty when there is no coverage.json)."""
    data = _json(report_dir / COVERAGE_FILE)
    if not data:
        return ""
    rows = []
    for name, op in data.get("operations", {}).items():
        sources = ", ".join(f"{k} {v}" for k, v in op["sources"].items()) or "-"
        enums = "; ".join(
            f"{p}: {', '.join(v['enum_never_seen'])}"
            for p, v in op["parameters"].items()
            if v["enum_never_seen"]
        )
        rows.append(
            f"<tr><td>{esc(name)}</td><td>{esc(sources)}</td>"
            f"<td>{esc(', '.join(op['statuses_seen']) or '-')}</td>"
            f"<td>{esc(', '.join(op['statuses_never_seen']) or '-')}</td>"
            f"<td>{esc(', '.join(op['parameters_never_sent']) or '-')}</td>"
            f"<td>{esc(enums or '-')}</td></tr>"
        )
    return (
        '<section id="coverage"><h2>Interface coverage</h2><p class="muted">Recorded plus '
        "generated traffic, per operation: what was exercised and what was never seen.</p>"
        "<table><thead><tr><th>Operation</th><th>Exchanges</th><th>Statuses seen</th>"
        "<th>Statuses never seen</th><th>Parameters never sent</th>"
        f"<th>Enum values never sent</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
        "</section>"
    )


def _json(path: Path) -> Any:
    try:
        return orjson.loads(path.read_bytes())
    except (OSError, orjson.JSONDecodeError):
        return None
