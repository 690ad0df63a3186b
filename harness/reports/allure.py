"""Turn a finished rehearsal into allure-results: one test result per exchange.

Files follow allure-python-commons' model (`allure_commons/model2.py`): `<uuid>-result.json`
(name, fullName, historyId, testCaseId, status, statusDetails, stage, start, stop, labels, links,
parameters, attachments) and `<uuid>-attachment.<ext>` for the request, the two responses (when
results carry them under `responses: {legacy, candidate}`), the differences and any error.
UUIDs are derived from the rehearsal and exchange ids, so exporting twice rewrites the same files.
"""

from __future__ import annotations

import functools
import hashlib
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson

from harness.core.policy import Policy
from harness.reports.severity import severity_label
from harness.rundir import RehearsalDir

SEVERITIES = ("blocker", "critical", "normal", "minor", "trivial")
STATUS_OF_VERDICT = {
    "match": "passed",
    "mismatch": "failed",
    "waived": "skipped",
    "error": "broken",
}
_NAMESPACE = uuid.UUID("4f1d2c6e-3b4a-4c1e-9a51-5d2b0f3c7e11")


@dataclass(frozen=True, slots=True)
class AllureOptions:
    severities: Mapping[str, str] = field(default_factory=dict)  # per operation, overriding all
    policy: Policy | None = None  # its `severity` mapping, by service and operation
    report_url: str | None = None  # link to report.html; defaults to its file:// URI


def history_id(service: str, operation: str, exchange_id: str) -> str:
    """Stable across rehearsals (so Allure shows history) and distinct per exchange."""
    return hashlib.md5(f"{service}::{operation}::{exchange_id}".encode()).hexdigest()


def _epoch_ms(timestamp: object) -> int | None:
    if not isinstance(timestamp, str):
        return None
    try:
        return int(datetime.fromisoformat(timestamp.replace("Z", "+00:00")).timestamp() * 1000)
    except ValueError:
        return None


def _status_message(result: Mapping[str, Any]) -> str | None:
    verdict = result.get("verdict")
    if verdict == "error":
        return str(result.get("error") or "transport error")
    differences = [d for d in result.get("differences") or [] if isinstance(d, Mapping)]
    if not differences:
        return None
    lines = []
    for d in differences[:20]:
        waiver = f" (waived by {d.get('waiver')})" if d.get("waiver") else ""
        lines.append(
            f"{d.get('path')} [{d.get('kind')}]: legacy {orjson.dumps(d.get('legacy')).decode()}"
            f" / candidate {orjson.dumps(d.get('candidate')).decode()}{waiver}"
        )
    if len(differences) > 20:
        lines.append(f"... and {len(differences) - 20} more")
    return "\n".join(lines)


class _Writer:
    def __init__(self, out: Path) -> None:
        self.out = out
        self.files = 0

    def attach(self, key: str, name: str, data: bytes, mime: str, ext: str) -> dict[str, str]:
        source = f"{uuid.uuid5(_NAMESPACE, key)}-attachment.{ext}"
        (self.out / source).write_bytes(data)
        self.files += 1
        return {"name": name, "source": source, "type": mime}

    def result(self, identifier: str, document: Mapping[str, Any]) -> None:
        (self.out / f"{identifier}-result.json").write_bytes(orjson.dumps(document))
        self.files += 1


def _attachments(writer: _Writer, key: str, result: Mapping[str, Any]) -> list[dict[str, str]]:
    json_type = "application/json"
    attachments = []
    if result.get("request") is not None:
        body = orjson.dumps(result["request"], option=orjson.OPT_INDENT_2)
        attachments.append(writer.attach(f"{key}/request", "request", body, json_type, "json"))
    responses = result.get("responses")
    if isinstance(responses, Mapping):
        for side in ("legacy", "candidate"):
            if responses.get(side) is not None:
                body = orjson.dumps(responses[side], option=orjson.OPT_INDENT_2)
                name = f"{side} response"
                attachments.append(writer.attach(f"{key}/{side}", name, body, json_type, "json"))
    if result.get("differences"):
        body = orjson.dumps(result["differences"], option=orjson.OPT_INDENT_2)
        attachments.append(writer.attach(f"{key}/diff", "differences", body, json_type, "json"))
    if result.get("error"):
        body = str(result["error"]).encode()
        attachments.append(writer.attach(f"{key}/error", "error", body, "text/plain", "txt"))
    return attachments


def allure_result(
    writer: _Writer,
    rehearsal: Mapping[str, Any],
    result: Mapping[str, Any],
    options: AllureOptions,
    report_url: str,
) -> None:
    service = str(result.get("service") or "unknown")
    operation = str(result.get("operation") or "unknown")
    exchange_id = str(result.get("id") or "")
    key = f"{rehearsal.get('name')}/{service}/{operation}/{exchange_id}"
    identifier = str(uuid.uuid5(_NAMESPACE, key))
    verdict = str(result.get("verdict") or "error")
    scenario = result.get("scenario")
    start = _epoch_ms(rehearsal.get("started_at")) or 0
    latency = (result.get("latency_ms") or {}).get("candidate")
    stop = start + int(latency) if isinstance(latency, (int, float)) else start
    full_name = f"{service}::{operation}::{exchange_id}"
    labels = [
        {"name": "epic", "value": service},
        {"name": "feature", "value": operation},
        {"name": "story", "value": str(scenario or result.get("source") or "recorded")},
        {
            "name": "severity",
            "value": severity_label(service, operation, options.policy, options.severities),
        },
        {"name": "parentSuite", "value": f"rehearsal {rehearsal.get('name')}"},
        {"name": "suite", "value": service},
        {"name": "subSuite", "value": operation},
        {"name": "tag", "value": str(result.get("source") or "recorded")},
        {"name": "framework", "value": "spine-harness"},
        {"name": "language", "value": "python"},
    ]
    parameters = [{"name": "exchange", "value": exchange_id}]
    if scenario:
        parameters.append({"name": "step", "value": str(result.get("step"))})
    document: dict[str, Any] = {
        "uuid": identifier,
        "historyId": history_id(service, operation, exchange_id),
        "testCaseId": hashlib.md5(full_name.encode()).hexdigest(),
        "name": f"{operation} {exchange_id}",
        "fullName": full_name,
        "status": STATUS_OF_VERDICT.get(verdict, "broken"),
        "stage": "finished",
        "start": start,
        "stop": stop,
        "labels": labels,
        "links": [{"type": "link", "name": "Rehearsal report", "url": report_url}],
        "parameters": parameters,
        "attachments": _attachments(writer, key, result),
    }
    message = _status_message(result)
    if message:
        details: dict[str, Any] = {"message": message}
        if result.get("reproducer"):
            details["trace"] = f"reproduce with:\n{result['reproducer']}"
        document["statusDetails"] = details
    writer.result(identifier, document)


def _environment(rehearsal: Mapping[str, Any]) -> bytes:
    targets = rehearsal.get("targets") or {}
    pairs = {
        "rehearsal": rehearsal.get("name"),
        "started_at": rehearsal.get("started_at"),
        "candidate": targets.get("candidate"),
        "legacy": targets.get("legacy") or "recorded answers",
        "harness_version": rehearsal.get("harness_version"),
        "seed": rehearsal.get("seed"),
    }
    lines = [f"{k}={str(v).replace(chr(10), ' ')}" for k, v in pairs.items() if v is not None]
    return ("\n".join(lines) + "\n").encode()


def export_allure(
    report_dir: Path, out: Path | None = None, options: AllureOptions | None = None
) -> Path:
    """Write allure-results for the rehearsal in `report_dir` (default out: `<dir>/allure-results`).

    Streams the results: one exchange in memory at a time. Returns the output directory.
    """
    options = options or AllureOptions()
    directory = RehearsalDir(report_dir)
    rehearsal = directory.header().to_dict()
    out = out if out is not None else report_dir / "allure-results"
    out.mkdir(parents=True, exist_ok=True)
    report_url = options.report_url or (report_dir / "report.html").resolve().as_uri()
    writer = _Writer(out)
    for result in directory.results():
        allure_result(writer, rehearsal, result, options, report_url)
    (out / "environment.properties").write_bytes(_environment(rehearsal))
    return out
