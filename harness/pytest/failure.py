"""A failed parity item, told readably: per exchange, each difference's path, kind and both values,
then the command that reproduces it."""

from __future__ import annotations

from collections.abc import Sequence

import orjson

from harness.core.difference import Verdict
from harness.engine.unit import ReplayedStep

VALUE_WIDTH = 160
MAX_DIFFERENCES = 30


class ParityFailure(AssertionError):
    """Raised by a contract item whose exchange (or a scenario step) mismatched or errored."""

    def __init__(self, name: str, steps: Sequence[ReplayedStep]) -> None:
        bad = [s for s in steps if s.record.verdict in (Verdict.MISMATCH, Verdict.ERROR)]
        count = sum(len(s.record.differences) for s in bad)
        summary = f"{name}: {len(bad)} exchange(s) differ ({count} differences)"
        # The full table is in the message too: Allure shows the message, not repr_failure.
        super().__init__(f"{summary}\n{describe_failure(steps)}")
        self.steps = tuple(steps)


def show(value: object) -> str:
    """A value as JSON on one line, shortened in the middle when long."""
    if value is None:
        return "(absent)"
    try:
        text = orjson.dumps(value).decode()
    except TypeError:
        text = repr(value)
    if len(text) > VALUE_WIDTH:
        keep = VALUE_WIDTH // 2 - 3
        text = f"{text[:keep]} ... {text[-keep:]}"
    return text


def describe_failure(steps: Sequence[ReplayedStep]) -> str:
    lines: list[str] = []
    for step in steps:
        record = step.record
        where = f"step {record.step} " if record.step is not None else ""
        title = (
            f"{where}{record.service}::{record.operation}::{record.id}: {record.verdict.value}"
            f" (status legacy {record.status_legacy}, candidate {record.status_candidate})"
        )
        if record.verdict is Verdict.MATCH:
            lines.append(f"{title}")
            continue
        lines.append(title)
        request = record.request
        lines.append(f"  request: {request.method} {request.target}")
        if record.error:
            lines.append(f"  error: {record.error}")
        for difference in record.differences[:MAX_DIFFERENCES]:
            waived = f"  (waived by {difference.waiver})" if difference.waiver else ""
            lines.append(f"  - {difference.path} [{difference.kind.value}]{waived}")
            lines.append(f"      legacy:    {show(difference.legacy)}")
            lines.append(f"      candidate: {show(difference.candidate)}")
        hidden = len(record.differences) - MAX_DIFFERENCES
        if hidden > 0:
            lines.append(f"  ... and {hidden} more differences")
        if record.reproducer:
            lines.append(f"  reproduce: {record.reproducer}")
    return "\n".join(lines)
