"""Units of work: what the engine runs, and how sources hand them over (streamed, in phases).

A unit is one independent exchange, or one conversation whose steps run in order on one worker
(a scenario, a generated workflow, a sequence of state-changing requests, a recorded
conversation whose answers' values later requests carried: `harness.correlation`). Its
`partition` names that conversation: units of one partition depend on each other (the runner
runs them one after another, in the order it took them: `harness.engine.serial`), units of
different partitions do not, so a later engine may shard them across processes or hosts by
partition without any source changing. `noise` indexes the noise models the unit's source
brings (`TrafficSource`).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Hashable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TypeVar

from harness.core.exchange import Exchange
from harness.scenario.states import ProviderState

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Unit:
    noise: int  # index into its source's noise models
    steps: tuple[Exchange, ...]
    scenario: str | None = None
    # Steps whose results are reported (None: all). Earlier steps still run to carry values.
    report: frozenset[str] | None = None
    partition: str = ""  # the conversation it belongs to (default: the scenario, else the id)
    # Captured variables compared by shape, not by value (name -> shape name, e.g. an id each
    # target allocates: "nhs-number", "uuid"); see `harness.scenario.shapes`.
    shapes: Mapping[str, str] = field(default_factory=dict)
    # Each step's noise index when the steps come from different sources' contracts (a
    # conversation across services); None: every step uses `noise`.
    step_noise: tuple[int, ...] | None = None
    # Provider states each target is put in before the unit and left in after
    # (`harness.scenario.states`; a conversation's, from its contract or scenario file).
    states: tuple[ProviderState, ...] = ()

    def __post_init__(self) -> None:
        if not self.partition:
            object.__setattr__(self, "partition", self.scenario or self.steps[0].id)

    def noise_of(self, position: int) -> int:
        return self.noise if self.step_noise is None else self.step_noise[position]

    def reports(self, exchange_id: str) -> bool:
        return self.report is None or exchange_id in self.report

    @property
    def recorded(self) -> bool:
        """Whether its steps have recorded answers (generated traffic has none)."""
        return all(step.recorded for step in self.steps)

    @property
    def sequential(self) -> bool:
        """Steps carry values to later steps: a scenario, a conversation of several steps, or a
        lone step that captures or binds a built-in."""
        first = self.steps[0]
        return (
            self.scenario is not None
            or len(self.steps) > 1
            or bool(first.captures)
            or (first.template is not None and bool(first.template.bindings))
        )


def read_ahead(items: Iterator[T], size: int) -> Iterator[T]:
    """`items` unchanged, pulled `size` at a time; an error comes after the items before it.

    One tight parsing loop per batch costs far less CPU inside a busy event loop than one item
    per resumption, and memory stays bounded.
    """
    while True:
        batch: list[T] = []
        failure: Exception | None = None
        try:
            for _ in range(size):
                batch.append(next(items))
        except StopIteration:
            yield from batch
            return
        except Exception as error:  # e.g. a malformed line: raised where it was before
            failure = error
        yield from batch
        if failure is not None:
            raise failure


def interleaved(items: Iterator[T], key: Callable[[T], Hashable], window: int) -> Iterator[T]:
    """`items` with their kinds (`key`) taken in turn, looking at most `window` items ahead.

    A corpus stored kind by kind (a contract's exchanges, operation after operation) would send
    each kind in one stretch of time, so a passing slowdown of the machine would fall on the
    timings of one operation only, and look like that operation's latency. Taken in turn, the
    kinds share every stretch of time. Each kind keeps its own order; memory stays bounded.
    """
    queues: dict[Hashable, deque[T]] = {}
    held = 0
    exhausted = False
    while True:
        while not exhausted and held < window:
            item = next(items, None)
            if item is None:
                exhausted = True
                break
            queues.setdefault(key(item), deque()).append(item)
            held += 1
        if not queues:
            return
        for kind in list(queues):  # one of each kind, in the order kinds were first seen
            queue = queues[kind]
            yield queue.popleft()
            held -= 1
            if not queue:
                del queues[kind]
            if not exhausted and held < window // 2:
                break  # read ahead again before the window runs dry
