"""Cases from the interface: schemathesis's coverage phase, as a lazy stream.

Positive and negative cases (and the recorder's realistic ones) come from
`harness.generation.cases.generate_templates`, shared with `harness record --generate`. The
coverage phase adds schemathesis's boundary values (minimum and maximum lengths, enum members,
each required property missing, wrong types...), enumerated per operation and taken round-robin,
so every operation gets some whatever the budget.
"""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Iterator, Mapping
from typing import Any

from harness.core.operations import server_base_path
from harness.generation.cases import GeneratedCase, case_template


def coverage_stream(document: Mapping[str, Any]) -> Iterator[GeneratedCase]:
    """Coverage-phase cases round-robin over the operations, lazily (take what you need)."""
    if not document.get("paths"):
        return
    base = server_base_path(document)
    per_operation = [iter(_operation_cases(key, cases, base)) for key, cases in _coverage(document)]
    while per_operation:
        still = []
        for source in per_operation:
            case = next(source, None)
            if case is not None:
                yield case
                still.append(source)
        per_operation = still


def _operation_cases(
    key: str, cases: Iterator[tuple[Any, str]], base: str
) -> Iterator[GeneratedCase]:
    number = 0
    for case, service in cases:
        template = case_template(case, base)
        if template is not None:
            yield GeneratedCase(key, "coverage", number, template, service)
            number += 1


def _coverage(document: Mapping[str, Any]) -> list[tuple[str, Iterator[tuple[Any, str]]]]:
    import schemathesis
    from schemathesis.generation.modes import GenerationMode

    modes = [GenerationMode.POSITIVE, GenerationMode.NEGATIVE]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        schema = schemathesis.openapi.from_dict(dict(document))
        operations = []
        for result in schema.get_all_operations():
            if not hasattr(result, "ok"):
                continue
            operation = result.ok()
            raw = operation.definition.raw
            key = str(raw.get("operationId") or f"{operation.method.upper()}-{operation.path}")
            tags = raw.get("tags") or []
            operations.append((key, operation, str(tags[0]) if tags else ""))
    operations.sort(key=lambda item: item[0])

    def cases(operation: Any, service: str) -> Iterator[tuple[Any, str]]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            config = schema.config.generation_for(operation=operation)
            generated = schema.iter_coverage_cases(
                operation, generation_modes=modes, generation_config=config
            )
            for case in itertools.islice(generated, 10_000):
                yield case, service

    return [(key, cases(operation, service)) for key, operation, service in operations]
