"""The result of one rehearsed exchange: a line of `results.jsonl` (format_version 1)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from harness.core.difference import Difference, DiffKind, Verdict
from harness.core.encoding import request_from_dict, request_to_dict
from harness.core.exchange import Request
from harness.core.fields import check_version
from harness.errors import HarnessError

FORMAT_VERSION = 1


@dataclass(frozen=True, slots=True)
class ResultDifference:
    """A difference as reported: the comparison's Difference plus the waiver that accepted it."""

    path: str
    kind: DiffKind
    legacy: object = None
    candidate: object = None
    waiver: str | None = None

    @classmethod
    def of(cls, difference: Difference, waiver: str | None = None) -> ResultDifference:
        return cls(
            difference.path, difference.kind, difference.legacy, difference.candidate, waiver
        )

    def to_dict(self) -> dict[str, object]:
        return {
            "path": self.path,
            "kind": self.kind.value,
            "legacy": self.legacy,
            "candidate": self.candidate,
            "waiver": self.waiver,
        }


@dataclass(frozen=True, slots=True)
class ResultRecord:
    """One exchange's outcome. `legacy` is the recorded answer when no live legacy was given."""

    id: str
    source: str
    service: str
    operation: str
    request: Request
    verdict: Verdict
    differences: tuple[ResultDifference, ...] = ()
    scenario: str | None = None
    step: int | None = None
    status_legacy: int | None = None
    status_candidate: int | None = None
    latency_legacy_ms: float | None = None
    latency_candidate_ms: float | None = None
    error: str | None = None
    reproducer: str = ""

    def to_dict(self) -> dict[str, object]:
        return {
            "format_version": FORMAT_VERSION,
            "id": self.id,
            "source": self.source,
            "service": self.service,
            "operation": self.operation,
            "scenario": self.scenario,
            "step": self.step,
            "request": request_to_dict(self.request),
            "verdict": self.verdict.value,
            "differences": [difference.to_dict() for difference in self.differences],
            "status": {"legacy": self.status_legacy, "candidate": self.status_candidate},
            "latency_ms": {
                "legacy": _rounded(self.latency_legacy_ms),
                "candidate": _rounded(self.latency_candidate_ms),
            },
            "error": self.error,
            "reproducer": self.reproducer,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], where: str = "results") -> ResultRecord:
        """Parse one line; errors name `where` (e.g. 'results.jsonl:12') and the field."""
        check_version(data, FORMAT_VERSION, where)
        try:
            status = data["status"]
            latency = data["latency_ms"]
            return cls(
                id=str(data["id"]),
                source=str(data["source"]),
                service=str(data["service"]),
                operation=str(data["operation"]),
                scenario=data.get("scenario"),
                step=data.get("step"),
                request=request_from_dict(data["request"], where),
                verdict=Verdict(data["verdict"]),
                differences=tuple(
                    ResultDifference(
                        str(item["path"]),
                        DiffKind(item["kind"]),
                        item.get("legacy"),
                        item.get("candidate"),
                        item.get("waiver"),
                    )
                    for item in data["differences"]
                ),
                status_legacy=status.get("legacy"),
                status_candidate=status.get("candidate"),
                latency_legacy_ms=latency.get("legacy"),
                latency_candidate_ms=latency.get("candidate"),
                error=data.get("error"),
                reproducer=str(data.get("reproducer", "")),
            )
        except KeyError as missing:
            raise HarnessError("missing field", file=where, field=str(missing.args[0])) from None
        except (TypeError, ValueError, AttributeError) as error:
            raise HarnessError(f"malformed result: {error}", file=where) from None


def verdict_of(differences: tuple[ResultDifference, ...]) -> Verdict:
    """match when none, waived when every one is waived, else mismatch."""
    if not differences:
        return Verdict.MATCH
    if all(difference.waiver is not None for difference in differences):
        return Verdict.WAIVED
    return Verdict.MISMATCH


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 3)
