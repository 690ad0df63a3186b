"""Regression contracts: a shrunk divergence saved as `contracts/<service>/regressions/<id>.jsonl`.

The lines use the contracts' exchange format (source `regression`), so every later rehearsal
replays them through `iter_exchanges` without generating anything. A single request is stored as
it was sent to legacy (its literal `X-Request-ID` too, so the recorded answer matches it); a
script is stored as scenario steps with their templates and captures. `meta` says where the
divergence came from: the seed, the generated case that found it and what differed.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from harness.contracts import Contract
from harness.contracts.writer import dump_line
from harness.core.encoding import request_to_dict
from harness.core.exchange import Exchange, Request, Response
from harness.core.result import ResultRecord


@dataclass(frozen=True, slots=True)
class Regression:
    id: str
    path: Path
    exchanges: tuple[Exchange, ...]


def regression_id(service: str, operation: str, exchanges: Sequence[Exchange]) -> str:
    """A stable id from what the minimal case sends (templates, or requests)."""
    digest = hashlib.sha256()
    for exchange in exchanges:
        template = exchange.template
        shape = template.to_dict() if template is not None else request_to_dict(exchange.request)
        for key in ("method", "path", "query", "body"):
            digest.update(repr(shape.get(key)).encode("utf-8"))
        if template is None:
            digest.update(repr([k for k, _ in exchange.request.headers]).encode("utf-8"))
    # A safe file name whatever the operation is called (`GET /Patient/{id}` has slashes):
    # regression files lie flat under regressions/, where replay reads them.
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", f"{service}-{operation}").strip("-.")
    return f"reg-{name}-{digest.hexdigest()[:10]}"


def build_regression(
    contract: Contract,
    minimal: Sequence[Exchange],
    sent: Sequence[tuple[Request | None, Response | None]],
    records: Sequence[ResultRecord],
    meta: Mapping[str, Any],
) -> Regression:
    """The regression exchanges: each minimal step with what legacy answered when shrunk."""
    first = minimal[0]
    scenario = len(minimal) > 1 or first.scenario is not None
    reg = regression_id(contract.service, first.operation, minimal)
    divergence = [
        {**difference.to_dict(), "step": record.step}
        for record in records
        for difference in record.differences
    ]
    out = []
    for number, (exchange, (request, response)) in enumerate(zip(minimal, sent, strict=False)):
        step_meta: dict[str, Any] = {k: v for k, v in exchange.meta.items() if k != "mode"}
        if number == 0:
            step_meta.update(meta)
            step_meta["divergence"] = divergence
        out.append(
            replace(
                exchange,
                id=f"{reg}/{number}" if scenario else reg,
                source="regression",
                scenario=reg if scenario else None,
                step=number if scenario else None,
                request=request or exchange.request,
                response=response or Response(status=599),
                template=exchange.template if scenario else None,
                captures=exchange.captures if scenario else None,
                recorded=True,
                meta=step_meta,
            )
        )
    return Regression(reg, contract.path("regressions") / f"{reg}.jsonl", tuple(out))


def save_regression(regression: Regression) -> None:
    """Write the file (atomically); an existing regression with the same id is kept as is."""
    if regression.path.exists():
        return
    regression.path.parent.mkdir(parents=True, exist_ok=True)
    temporary = regression.path.with_suffix(".jsonl.tmp")
    temporary.write_bytes(b"".join(dump_line(e) + b"\n" for e in regression.exchanges))
    temporary.replace(regression.path)
