"""junit.xml: one test case per operation (classname = service), plus one for the gate.

Schema conformance has a suite of its own (`harness.conformance`), one case per operation whose
candidate answers were held to its document: a CI page shows it beside parity, never in it.

A failing case carries its divergences (path, kind, count, an example with both values and the
reproducer) as text, so a CI page shows why without opening the HTML report.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from harness.reports.summary import write_atomically
from harness.reports.text import percent, show_value, xml_safe

JUNIT_FILE = "junit.xml"


def _element(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    child = ET.SubElement(parent, tag, {k: xml_safe(v) for k, v in attrs.items()})
    if text is not None:
        child.text = xml_safe(text)
    return child


def _divergence_text(divergence: Mapping[str, Any]) -> str:
    example = divergence.get("example") or {}
    waived = divergence.get("waived", 0)
    lines = [
        f"{divergence.get('path')} [{divergence.get('kind')}] in {divergence.get('exchanges')} "
        f"exchange(s)" + (f", {waived} waived" if waived else ""),
        f"  example {example.get('id')}: {example.get('request', '')}",
        f"  legacy:    {show_value(example.get('legacy'), 500)}",
        f"  candidate: {show_value(example.get('candidate'), 500)}",
    ]
    if example.get("reproducer"):
        lines.append(f"  reproduce: {example.get('reproducer')}")
    return "\n".join(lines)


def _error_text(error: Mapping[str, Any]) -> str:
    example = error.get("example") or {}
    text = f"{error.get('message')} ({error.get('count')} exchange(s)), e.g. {example.get('id')}"
    if example.get("reproducer"):
        text += f"\n  reproduce: {example.get('reproducer')}"
    return text


def _seconds(operation: Mapping[str, Any]) -> float:
    latency = (operation.get("latency_ms") or {}).get("candidate") or {}
    return float(latency.get("mean", 0.0)) * int(latency.get("count", 0)) / 1000.0


def _operation_case(
    suite: ET.Element, operation: Mapping[str, Any], summary: Mapping[str, Any]
) -> ET.Element:
    name = str(operation.get("operation"))
    case = _element(
        suite,
        "testcase",
        classname=str(operation.get("service")),
        name=name,
        time=f"{_seconds(operation):.3f}",
    )
    divergences = [
        d
        for d in summary.get("divergences") or []
        if d.get("operation") == name and d.get("waived", 0) < d.get("exchanges", 0)
    ]
    errors = [e for e in summary.get("errors") or [] if e.get("operation") == name]
    counts = (
        f"{operation.get('exchanges')} exchanges: {operation.get('match')} match, "
        f"{operation.get('mismatch')} mismatch, {operation.get('waived')} waived, "
        f"{operation.get('error')} error; parity {percent(operation.get('parity'))}"
    )
    if operation.get("mismatch"):
        body = "\n\n".join(_divergence_text(d) for d in divergences)
        if errors:
            body += "\n\nerrors:\n" + "\n".join(_error_text(e) for e in errors)
        _element(
            case,
            "failure",
            f"{counts}\n\n{body}",
            message=f"{operation.get('mismatch')} of {operation.get('exchanges')} exchanges "
            f"differ ({len(divergences)} path(s))",
            type="mismatch",
        )
    elif operation.get("error"):
        _element(
            case,
            "error",
            f"{counts}\n\n" + "\n".join(_error_text(e) for e in errors),
            message=f"{operation.get('error')} of {operation.get('exchanges')} exchanges failed",
            type="error",
        )
    _element(case, "system-out", counts)
    return case


def _conformance_suite(root: ET.Element, summary: Mapping[str, Any]) -> tuple[int, int]:
    """`harness.conformance`: one case per operation whose candidate answers were held to its
    document, failing when some were not what it describes (a suite of its own: parity's cases
    never count these). Returns (tests, failures)."""
    operations = [o for o in summary.get("operations") or [] if o.get("conformance")]
    if not operations:
        return 0, 0
    groups = (summary.get("conformance") or {}).get("groups") or []
    suite = _element(root, "testsuite", name="harness.conformance", tests=str(len(operations)))
    failures = 0
    for operation in operations:
        name, figure = str(operation.get("operation")), operation["conformance"]
        case = _element(
            suite,
            "testcase",
            classname=f"harness.conformance.{operation.get('service')}",
            name=name,
            time="0",
        )
        counts = f"{figure.get('nonconforming')} of {figure.get('checked')} answers do not conform"
        if not figure.get("nonconforming"):
            _element(case, "system-out", counts)
            continue
        failures += 1
        lines = [counts, ""]
        for group in groups:
            if group.get("service") == operation.get("service") and group.get("operation") == name:
                example = group.get("example") or {}
                lines.append(
                    f"{group.get('kind')} {group.get('path') or '-'} in {group.get('answers')} "
                    f"answer(s): {example.get('message')} (e.g. {example.get('id')}, status "
                    f"{example.get('status')})"
                )
                if example.get("reproducer"):
                    lines.append(f"  reproduce: {example.get('reproducer')}")
        _element(case, "failure", "\n".join(lines), message=counts, type="nonconformance")
    suite.set("failures", str(failures))
    suite.set("errors", "0")
    suite.set("skipped", "0")
    return len(operations), failures


def _gate_case(root: ET.Element, summary: Mapping[str, Any]) -> tuple[int, int, int]:
    gate = summary.get("gate") or {}
    suite = _element(root, "testsuite", name="harness.gate", tests="1")
    case = _element(suite, "testcase", classname="harness.gate", name="gate", time="0")
    if not gate.get("evaluated"):
        _element(case, "skipped", message="the gate was not evaluated (no gate.json)")
        suite.set("skipped", "1")
        return 0, 0, 1
    lines = [str(r) for r in gate.get("reasons") or []]
    for threshold in gate.get("thresholds") or []:
        mark = "ok" if threshold.get("passed") else "FAILED"
        lines.append(
            f"{mark}: parity {threshold.get('scope')} required {percent(threshold.get('required'))}"
            f", actual {percent(threshold.get('actual'))}"
        )
    for limit in gate.get("conformance") or []:
        mark = "ok" if limit.get("passed") else "FAILED"
        lines.append(
            f"{mark}: conformance {limit.get('scope')} at most {limit.get('max_nonconforming')} "
            f"not conforming, actual {limit.get('nonconforming')} of {limit.get('checked')}"
        )
    errors = gate.get("errors")
    if isinstance(errors, Mapping):
        lines.append(f"errors: {errors.get('actual')} (at most {errors.get('max')})")
    for waiver in gate.get("waivers") or []:
        if waiver.get("expired"):
            lines.append(f"expired waiver {waiver.get('id')} (expired {waiver.get('expires')})")
    if gate.get("passed"):
        _element(case, "system-out", "\n".join(lines))
        return 0, 0, 0
    _element(case, "failure", "\n".join(lines), message="the gate failed", type="gate")
    suite.set("failures", "1")
    return 1, 0, 0


def render_junit(summary: Mapping[str, Any]) -> bytes:
    """The JUnit XML document for a summary."""
    rehearsal = summary.get("rehearsal") or {}
    root = ET.Element("testsuites", {"name": xml_safe(f"rehearsal {rehearsal.get('name')}")})
    by_service: dict[str, list[Mapping[str, Any]]] = {}
    for operation in summary.get("operations") or []:
        by_service.setdefault(str(operation.get("service")), []).append(operation)
    tests = failures = errors = skipped = 0
    total_time = 0.0
    for service, operations in sorted(by_service.items()):
        suite = _element(root, "testsuite", name=service)
        suite_failures = sum(1 for o in operations if o.get("mismatch"))
        suite_errors = sum(1 for o in operations if o.get("error") and not o.get("mismatch"))
        suite_time = sum(_seconds(o) for o in operations)
        for operation in operations:
            _operation_case(suite, operation, summary)
        suite.set("tests", str(len(operations)))
        suite.set("failures", str(suite_failures))
        suite.set("errors", str(suite_errors))
        suite.set("skipped", "0")
        suite.set("time", f"{suite_time:.3f}")
        if rehearsal.get("started_at"):
            suite.set("timestamp", xml_safe(str(rehearsal["started_at"])))
        tests += len(operations)
        failures += suite_failures
        errors += suite_errors
        total_time += suite_time
    conformance_tests, conformance_failures = _conformance_suite(root, summary)
    gate_failures, gate_errors, gate_skipped = _gate_case(root, summary)
    root.set("tests", str(tests + conformance_tests + 1))
    root.set("failures", str(failures + conformance_failures + gate_failures))
    root.set("errors", str(errors + gate_errors))
    root.set("skipped", str(skipped + gate_skipped))
    root.set("time", f"{total_time:.3f}")
    ET.indent(root)
    document: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return document + b"\n"


def write_junit(report_dir: Path, summary: Mapping[str, Any]) -> Path:
    path = report_dir / JUNIT_FILE
    write_atomically(path, render_junit(summary))
    return path
