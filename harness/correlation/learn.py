"""What a recording learns: the correlation of its exchanges, summed up per source as entries of
`correlations.yaml`, and how a contract's exchanges become replay units with a reviewed file."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
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


SEQUENCE = "sequence"  # meta key: the exchange's place in the whole recording (all services)


def in_recorded_order(exchanges: Iterable[Exchange]) -> list[Exchange]:
    """Exchanges of one recording (several services' contracts) in the order they happened:
    by `meta.sequence` where the recorder wrote it, else as given."""
    listed = list(exchanges)
    return [
        exchange
        for _, exchange in sorted(
            enumerate(listed), key=lambda item: (_sequence(item[1], item[0]), item[0])
        )
    ]


def _sequence(exchange: Exchange, default: int) -> int:
    value = exchange.meta.get(SEQUENCE)
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def learn_correlations(directories: Mapping[str, Path], exchanges: Sequence[Exchange]) -> int:
    """Analyse one recording's exchanges (every service's, in recorded order: a message sent
    through one service is downloaded through another) and merge what was found into each
    service's correlations.yaml (`directories`: service -> contract directory). An entry goes
    to the file of the service whose answer gave the value; kept entries stay, disabled ones
    are not learned again. Returns the entries written."""
    files = {
        service: read_correlations(directory / CORRELATIONS_FILE, service)
        for service, directory in directories.items()
    }
    disabled = set().union(*(found.disabled() for found in files.values()))
    ordered = in_recorded_order(exchanges)
    correlation = analyse(
        ordered, lambda operation, expression: (operation, expression) not in disabled
    )
    services: dict[tuple[str, str], str] = {}
    for produced in correlation.produced:
        key = (ordered[produced.exchange].operation, produced.expression)
        services.setdefault(key, ordered[produced.exchange].service)
    learned: dict[str, list[Entry]] = {service: [] for service in directories}
    for entry in learned_entries(ordered, correlation):
        learned.setdefault(services[entry.key], []).append(entry)
    written = 0
    for service, entries in learned.items():
        directory = directories.get(service)
        if directory is not None:
            written += len(write_correlations(directory / CORRELATIONS_FILE, service, entries))
    return written


def correlated_units(
    exchanges: Sequence[Exchange], reviewed: Sequence[CorrelationFile]
) -> tuple[list[Planned], set[int]]:
    """The conversations of one recording's exchanges (in recorded order, as given) under the
    reviewed files' enabled entries."""
    enabled: dict[tuple[str, str], Entry] = {}
    for found in reviewed:
        enabled.update(found.enabled())
    correlation = analyse(
        exchanges, lambda operation, expression: (operation, expression) in enabled
    )
    return plan_conversations(exchanges, correlation, enabled)
