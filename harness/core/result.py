"""The result of one rehearsed exchange: a line of `results.jsonl` (format_version 1).

Every value a line stores from an answer or a request (each difference's two values, the
request body, the error, the reproducer) is capped by `harness.core.capping` (64 KiB each,
with the whole value's length and SHA-256), so no line carries a whole huge answer, and a line
read back and written again is the same line. `error_kind` (the TransportError kind behind an
`error` verdict) is written when known; readers accept its absence (lines written before it).
So is `later`: for an exchange that caused later messages (on either side), what each side's
were (kind, code, when; `harness.core.later.later_summary`), for the report and the latency of
acknowledgements.
`cancelled` (difference paths dropped as noise because legacy, asked a second time, disagreed
with itself there) is written when there are some. `conformance` is written when the candidate's
answer was held to its operation's document: the findings (`kind`, `path`, `message`), `[]`
when it conforms.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from harness.core.capping import Capped, cap_text, cap_value, capped, fits
from harness.core.conformance import Finding
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
            "legacy": cap_value(self.legacy),
            "candidate": cap_value(self.candidate),
            "waiver": self.waiver,
        }


@dataclass(frozen=True, slots=True)
class ResultRecord:
    """One exchange's outcome. `legacy` is the recorded answer when no live legacy was given.

    `error_kind`: for verdict `error`, the kind of the (first) TransportError named in `error`
    (connection, timeout, protocol, too_large, too_slow); None otherwise or when not known.
    `request_body_capped`: set when read from a line whose request body was capped (the
    `request` then holds the body's head only), so that writing it again keeps the marker."""

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
    error_kind: str | None = None
    request_body_capped: Capped | None = None
    # Each side's later messages, summarised (`later_summary`); None when it caused none.
    later: Mapping[str, Any] | None = None
    # difference paths dropped as noise because legacy, asked again, disagreed with itself there
    cancelled: tuple[str, ...] = ()
    # How the candidate's answer departs from its operation's document (`harness.core.
    # conformance`): () when it conforms, None when it was not checked (no document).
    conformance: tuple[Finding, ...] | None = None

    def to_dict(self) -> dict[str, object]:
        request = _request_line(self.request)
        if self.request_body_capped is not None:
            request["body"] = self.request_body_capped.to_json()
        line: dict[str, object] = {
            "format_version": FORMAT_VERSION,
            "id": self.id,
            "source": self.source,
            "service": self.service,
            "operation": self.operation,
            "scenario": self.scenario,
            "step": self.step,
            "request": request,
            "verdict": self.verdict.value,
            "differences": [difference.to_dict() for difference in self.differences],
            "status": {"legacy": self.status_legacy, "candidate": self.status_candidate},
            "latency_ms": {
                "legacy": _rounded(self.latency_legacy_ms),
                "candidate": _rounded(self.latency_candidate_ms),
            },
            "error": None if self.error is None else cap_text(self.error),
            "reproducer": cap_text(self.reproducer),
        }
        if self.error_kind is not None:
            line["error_kind"] = self.error_kind
        if self.later is not None:
            line["later"] = dict(self.later)
        if self.cancelled:
            line["cancelled"] = list(self.cancelled)
        if self.conformance is not None:
            line["conformance"] = [finding.to_dict() for finding in self.conformance]
        return line

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
                request=_request_of(data["request"], where),
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
                error_kind=data.get("error_kind"),
                request_body_capped=Capped.from_json(data["request"].get("body")),
                later=_later_of(data.get("later"), where),
                cancelled=tuple(str(path) for path in data.get("cancelled") or ()),
                conformance=_conformance_of(data.get("conformance"), where),
            )
        except KeyError as missing:
            raise HarnessError("missing field", file=where, field=str(missing.args[0])) from None
        except (TypeError, ValueError, AttributeError) as error:
            raise HarnessError(f"malformed result: {error}", file=where) from None


def _conformance_of(value: object, where: str) -> tuple[Finding, ...] | None:
    if value is None:
        return None
    if not isinstance(value, list) or not all(
        isinstance(item, Mapping) and "kind" in item for item in value
    ):
        raise HarnessError(
            "must be a list of {kind, path, message}", file=where, field="conformance"
        )
    return tuple(Finding.from_dict(item) for item in value)


def _later_of(value: object, where: str) -> Mapping[str, Any] | None:
    if value is None:
        return None
    if not isinstance(value, Mapping) or not all(
        isinstance(value.get(side, []), list) for side in ("legacy", "candidate")
    ):
        raise HarnessError("must map legacy and candidate to lists", file=where, field="later")
    return dict(value)


def verdict_of(differences: tuple[ResultDifference, ...]) -> Verdict:
    """match when none, waived when every one is waived, else mismatch."""
    if not differences:
        return Verdict.MATCH
    if all(difference.waiver is not None for difference in differences):
        return Verdict.WAIVED
    return Verdict.MISMATCH


def _request_line(request: Request) -> dict[str, object]:
    """The request as a result line stores it: the one request encoding, with a body past the
    cap stored as its marker (length and SHA-256 of the body's bytes, the head in the body's
    encoding)."""
    line = request_to_dict(request)
    body = line["body"]
    if isinstance(body, str) and not fits(body):
        line["body"] = capped(request.body, body).to_json()
    return line


def _request_of(data: Mapping[str, Any], where: str) -> Request:
    """The request of a result line; a capped body is read as its head."""
    kept = Capped.from_json(data.get("body"))
    if kept is not None:
        head = kept.head
        if data.get("body_encoding") == "base64":
            head = head[: len(head) // 4 * 4]
        data = {**data, "body": head}
    return request_from_dict(data, where)


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 3)
