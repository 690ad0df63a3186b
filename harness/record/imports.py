"""Writing exchanges that were captured elsewhere (HAR files) as contracts, one per service,
with the correlations found among them (`correlations.yaml`)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from harness.contracts.noisefile import NoiseFile, merge_learned, read_noise_file
from harness.contracts.store import NOISE_FILE
from harness.contracts.writer import WriteResult, write_contract
from harness.core.exchange import Exchange
from harness.correlation import SEQUENCE, learn_correlations
from harness.record.interface import split_by_service
from harness.record.recorder import equivalence
from harness.record.redact import Redactor


def write_captured(
    exchanges: Iterable[Exchange],
    out: Path,
    *,
    document: Mapping[str, Any] | None,
    provenance: Mapping[str, Any],
    redactor: Redactor,
) -> list[WriteResult]:
    """Redact and write captured exchanges (no noise is learned: each was answered once), then
    learn their correlations."""
    by_service: dict[str, list[Exchange]] = {}
    for number, captured in enumerate(exchanges, start=1):
        exchange = captured
        if SEQUENCE not in captured.meta:  # the capture's order, across services
            exchange = replace(captured, meta={**captured.meta, SEQUENCE: number})
        redacted = redactor.exchange(exchange)
        by_service.setdefault(redacted.service, []).append(redacted)
    interfaces = split_by_service(document) if document else {}
    results = []
    for service in sorted(by_service):
        directory = out / service
        entries = merge_learned(read_noise_file(directory / NOISE_FILE, service), ())
        model = NoiseFile(service, tuple(entries)).to_model()
        results.append(
            write_contract(
                directory,
                service=service,
                openapi=interfaces.get(service, {}),
                exchanges=by_service[service],
                noise=entries,
                provenance=provenance,
                equivalent=equivalence(model),
            )
        )
    learn_correlations(
        {service: out / service for service in by_service},
        [exchange for exchanges in by_service.values() for exchange in exchanges],
    )
    return results
