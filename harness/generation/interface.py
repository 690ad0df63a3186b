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

from harness.core.selection import OperationRules
from harness.generation.cases import GeneratedCase, case_template
from harness.openapi import Interface


def coverage_stream(
    document: Mapping[str, Any],
    *,
    rules: OperationRules | None = None,
    interface: Interface | None = None,
) -> Iterator[GeneratedCase]:
    """Coverage-phase cases round-robin over the operations `rules` allow, lazily (take what
    you need); `interface`: the document already parsed."""
    if not document.get("paths"):
        return
    parsed = interface or Interface(document)
    per_operation = [
        iter(_operation_cases(key, cases, parsed.base_path))
        for key, cases in _coverage(parsed, rules)
    ]
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


def _coverage(
    interface: Interface, rules: OperationRules | None
) -> list[tuple[str, Iterator[tuple[Any, str]]]]:
    from schemathesis.generation.modes import GenerationMode

    modes = [GenerationMode.POSITIVE, GenerationMode.NEGATIVE]
    schema = interface.schema

    def cases(operation: Any, service: str) -> Iterator[tuple[Any, str]]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            config = schema.config.generation_for(operation=operation)
            generated = schema.iter_coverage_cases(
                operation, generation_modes=modes, generation_config=config
            )
            for case in itertools.islice(generated, 10_000):
                yield case, service

    # The service is the first tag (as before), not `x-harness-service`.
    return [
        (found.key, cases(found.operation, found.tags[0] if found.tags else ""))
        for found in interface.selected(rules)
    ]
