"""What generation knows exists: values answers gave, and the requests that succeeded.

`SeedPool` feeds answered exchanges (a contract's recordings, or a first round of generated
requests) into schemathesis's own resource pool (its `ExtraDataSource`: ids of created and
listed resources, values its dependency analysis binds to later parameters, and a semantic index
of answer fields by name), so that schemathesis's positive and example strategies draw ids that
exist instead of random strings. It also keeps, per operation, the requests that were answered
2xx (the bases of success variations) and the answers whose values links carry.
"""

from __future__ import annotations

import itertools
import warnings
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from harness.core.exchange import Exchange
from harness.core.http import SAFE_METHODS
from harness.correlation import analyse, in_recorded_order
from harness.correlation.values import answer_tokens, request_texts, tokens
from harness.openapi import DocumentOperation, Interface, case_of, response_of

MAX_SUCCESSES = 64  # kept per operation (bases of variations, sources of links)
MAX_FED = 5_000  # answered exchanges read (a large recording is sampled by its first ones)


def succeeded(exchange: Exchange) -> bool:
    return 200 <= exchange.response.status < 300


class SeedPool:
    def __init__(self, interface: Interface) -> None:
        self.interface = interface
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self.source: Any = interface.schema.create_extra_data_source()
        self.successes: dict[str, list[Exchange]] = {}
        self.statuses: dict[str, Counter[int]] = {}  # answers per operation, by status
        self.fed = 0

    def feed(self, exchanges: Iterable[Exchange]) -> SeedPool:
        """Take answered exchanges in (recorded answers only: generated placeholders are
        skipped); returns the pool.

        Values a state-changing request's answer allocated (a created record's number) exist
        only on the target that allocated them: a candidate allocates its own. Such answers
        are not fed, nor are exchanges that carry such a value (it is no base for variations,
        and its answer no source of ids)."""
        from schemathesis.resources import record_interaction

        answered = [e for e in itertools.islice(exchanges, MAX_FED) if e.recorded]
        allocated = allocated_values(answered)
        for exchange in answered:
            if exchange.response.status == 0:
                continue
            operation = self._count(exchange)
            if operation is None:
                continue
            carried = bool(allocated) and sends(exchange, allocated)
            if succeeded(exchange) and not carried:
                kept = self.successes.setdefault(operation.key, [])
                if len(kept) < MAX_SUCCESSES:
                    kept.append(exchange)
            changed = exchange.request.method.upper() not in SAFE_METHODS and succeeded(exchange)
            if self.source is None or carried or changed:
                continue  # what a change allocated is no seed (see above)
            if allocated and not allocated.isdisjoint(answer_tokens(exchange.response)):
                continue  # a search that found a record created before
            case = case_of(operation, exchange.request)
            if case is None:
                continue
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                try:
                    record_interaction(
                        self.source, case, response_of(exchange.response, exchange.request)
                    )
                except Exception:  # an answer schemathesis cannot read: nothing to learn from it
                    continue
            self.fed += 1
        return self

    def _count(self, exchange: Exchange) -> DocumentOperation | None:
        operation = self.interface.operations.get(exchange.operation)
        if operation is not None:
            self.statuses.setdefault(operation.key, Counter())[exchange.response.status] += 1
        return operation

    def share(self, key: str, wanted: Callable[[int], bool]) -> float:
        """The share of the operation's answers whose status is `wanted` (0 without answers)."""
        counts = self.statuses.get(key)
        if not counts:
            return 0.0
        return sum(n for status, n in counts.items() if wanted(status)) / sum(counts.values())

    def feedback(self) -> Any:
        """schemathesis's feedback sources with this pool (no feedback without a pool)."""
        from schemathesis.generation.feedback import NO_FEEDBACK, FeedbackSources

        return (
            NO_FEEDBACK if self.source is None else FeedbackSources(extra_data_source=self.source)
        )


def allocated_values(exchanges: Sequence[Exchange]) -> frozenset[str]:
    """The values a target allocated, as correlation finds them (`harness.correlation`): an
    answer to a state-changing request gave them before any request carried them (a new
    record's number), in the order the exchanges were sent: a proxy's or a HAR's as recorded;
    `harness record` sends its generated reads first, then its generated changes, then the
    scenarios step by step."""
    ordered = sorted(
        range(len(exchanges)),
        key=lambda i: (
            exchanges[i].source == "scenario",
            exchanges[i].source == "generated"
            and exchanges[i].request.method.upper() not in SAFE_METHODS,
            i,
        ),
    )
    correlation = analyse(in_recorded_order(exchanges[i] for i in ordered))
    return frozenset(produced.value for produced in correlation.produced if produced.allocated)


def sends(exchange: Exchange, values: frozenset[str]) -> bool:
    """Whether the request carries one of `values` (a whole token of a text it sends)."""
    return any(not values.isdisjoint(tokens(text)) for _, text in request_texts(exchange.request))
