"""What a recording learns: the correlation of its exchanges, summed up per source as entries of
`correlations.yaml`, and how a contract's exchanges become replay units with a reviewed file."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from harness.core.exchange import Exchange
from harness.correlation.analysis import Correlation, Produced, analyse
from harness.correlation.file import (
    CORRELATIONS_FILE,
    CorrelationFile,
    Entry,
    UseCount,
    read_correlations,
    write_correlations,
)
from harness.correlation.plan import Planned, plan_conversations
from harness.scenario.shapes import shape_of


def learned_entries(exchanges: Sequence[Exchange], correlation: Correlation) -> list[Entry]:
    """One learned entry per (operation, capture expression) that gave values that matter."""
    grouped: dict[tuple[str, str], list[Produced]] = {}
    for produced in correlation.produced:
        key = (exchanges[produced.exchange].operation, produced.expression)
        grouped.setdefault(key, []).append(produced)
    uses: dict[tuple[str, str], dict[tuple[str, str], int]] = {}
    for use in correlation.uses:
        key = (exchanges[use.produced.exchange].operation, use.produced.expression)
        where = (exchanges[use.exchange].operation, use.location)
        counts = uses.setdefault(key, {})
        counts[where] = counts.get(where, 0) + 1
    entries = []
    for key in sorted(grouped):
        items = grouped[key]
        entries.append(
            Entry(
                operation=key[0],
                expression=key[1],
                shape=shape_of(item.value for item in items).name,
                allocated=any(item.allocated for item in items),
                values=len({item.value for item in items}),
                uses=tuple(
                    UseCount(operation, location, count)
                    for (operation, location), count in sorted(uses.get(key, {}).items())
                ),
                learned=True,
            )
        )
    return entries


def learn_correlations(directory: Path, service: str, exchanges: Sequence[Exchange]) -> list[Entry]:
    """Analyse a contract's exchanges and merge what was found into its correlations.yaml
    (entries a reviewer kept stay; disabled ones are not learned again)."""
    path = directory / CORRELATIONS_FILE
    disabled = read_correlations(path, service).disabled()
    correlation = analyse(
        exchanges, lambda operation, expression: (operation, expression) not in disabled
    )
    return write_correlations(path, service, learned_entries(exchanges, correlation))


def correlated_units(
    exchanges: Sequence[Exchange], reviewed: CorrelationFile
) -> tuple[list[Planned], set[int]]:
    """The conversations of a contract's exchanges under its reviewed file's enabled entries."""
    enabled = reviewed.enabled()
    correlation = analyse(
        exchanges, lambda operation, expression: (operation, expression) in enabled
    )
    return plan_conversations(exchanges, correlation, enabled)
