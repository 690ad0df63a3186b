"""From what each side answered to a verdict: compare, tell noise apart, apply waivers.

Without a live legacy target the candidate is compared with the recorded answer, using the
contract's noise model for the operation. With one (differential mode), the candidate is compared
with the live legacy answer; a difference is then dropped as noise when the live legacy answer also
differs from its own recording at the same path, or at an ancestor of that path (legacy is not
stable there, so disagreement there says nothing about the candidate). The recording is only
consulted when the two live answers differ, which keeps the hot path to one comparison.
Generated exchanges (`Exchange.recorded` False) have no recording, so that step is skipped for
them.

In a scenario, values captured from each target's own responses (ids, ETags) are compared on
meaning: a changed string is dropped when replacing the legacy-side captured value by the
candidate-side captured value of the same name turns the legacy value into the candidate value.
A variable with a shape (an allocated NHS number, a UUID) is swapped only when both values have
that shape: allocated values are compared by shape, not by value.

When the candidate was watched for later messages (`harness.engine.later`), its later messages
are compared with legacy's (recorded, or live) by `harness.core.later_parity`, with the same
noise model and the same differential discount; the result keeps a summary of both sides'.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from harness.core.compare import Comparator, CompareOptions
from harness.core.difference import SameShape, Verdict, same_meaning_removed
from harness.core.exchange import Exchange, LaterMessage, Request, Response
from harness.core.later import later_summary
from harness.core.later_parity import LaterComparator
from harness.core.policy import WaiverBook
from harness.core.result import ResultDifference, ResultRecord, verdict_of
from harness.core.rules import NoiseModel, Rule
from harness.scenario.shapes import fits
from harness.transport.base import TransportError

Outcome = Response | TransportError
Reproducer = Callable[[Exchange, Request], str]
# (legacy's later messages, the candidate's): None for a side that was not watched.
Later = tuple[Sequence[LaterMessage] | None, Sequence[LaterMessage] | None]


class Judge:
    """Holds one compiled Comparator per (noise model, operation); cheap to call per exchange.

    `noise` is every source's noise models, one list: a unit's models start at its source's
    offset (the runner adds it)."""

    def __init__(
        self,
        noise: Sequence[NoiseModel],
        waivers: WaiverBook,
        reproducer: Reproducer,
        *,
        options: CompareOptions | None = None,
        extra_rules: tuple[Rule, ...] = (),
    ) -> None:
        self.noise = noise
        self.waivers = waivers
        self.reproducer = reproducer
        self.options = options or CompareOptions()
        self.extra_rules = extra_rules
        self._comparators: dict[tuple[int, str], Comparator] = {}
        self._later: dict[tuple[int, str], LaterComparator] = {}

    def later_comparator(self, noise: int, operation: str) -> LaterComparator:
        key = (noise, operation)
        found = self._later.get(key)
        if found is None:
            rules = (*self.noise[noise].rules_for(operation), *self.extra_rules)
            found = self._later[key] = LaterComparator(rules)
        return found

    def comparator(self, noise: int, operation: str) -> Comparator:
        key = (noise, operation)
        found = self._comparators.get(key)
        if found is None:
            rules = (*self.noise[noise].rules_for(operation), *self.extra_rules)
            found = self._comparators[key] = Comparator(rules, self.options)
        return found

    def judge(
        self,
        noise: int,
        exchange: Exchange,
        sent: Request,
        candidate: Outcome,
        legacy: Outcome | None,
        carried: tuple[Mapping[str, str], Mapping[str, str]] | None = None,
        shapes: Mapping[str, str] | None = None,
        later: Later | None = None,
    ) -> ResultRecord:
        """`legacy` None means: compare with the recording. `carried`: (legacy, candidate) vars;
        `shapes`: the variables whose candidate value must have a shape (`Unit.shapes`);
        `later`: each side's later messages (legacy's are the recording's without live legacy)."""
        recorded = exchange.response
        live_legacy = legacy is not None
        legacy_side: Outcome = recorded if legacy is None else legacy
        watched = later is not None and later[1] is not None
        later_a: Sequence[LaterMessage] = (later[0] or ()) if later is not None else ()
        later_b: Sequence[LaterMessage] = (later[1] or ()) if later is not None else ()
        summary = (
            {"legacy": later_summary(later_a), "candidate": later_summary(later_b)}
            if watched and (later_a or later_b)
            else None
        )
        error = _error_of(legacy_side, candidate)
        if error is not None:
            return self._record(
                exchange, sent, Verdict.ERROR, (), legacy_side, candidate, error, summary
            )
        assert isinstance(candidate, Response) and isinstance(legacy_side, Response)
        comparator = self.comparator(noise, exchange.operation)
        differences = comparator.compare(legacy_side, candidate)
        if watched:
            later_comparator = self.later_comparator(noise, exchange.operation)
            differences.extend(later_comparator.compare(later_a, later_b))
        if differences and carried is not None:
            differences = same_meaning_removed(
                differences, carried[0], carried[1], _shape_check(shapes) if shapes else None
            )
        if differences and live_legacy and exchange.recorded:
            unstable = {d.path for d in comparator.compare(recorded, legacy_side)}
            if watched:
                later_comparator = self.later_comparator(noise, exchange.operation)
                unstable.update(d.path for d in later_comparator.compare(exchange.later, later_a))
            if unstable:
                differences = [d for d in differences if not _under_any(d.path, unstable)]
        judged = self.waivers.apply(exchange.service, exchange.operation, differences)
        return self._record(
            exchange, sent, verdict_of(judged), judged, legacy_side, candidate, None, summary
        )

    def error_record(self, exchange: Exchange, sent: Request, message: str) -> ResultRecord:
        """A step that could not be sent at all (e.g. an earlier step's value is missing)."""
        return self._record(exchange, sent, Verdict.ERROR, (), None, None, message)

    def _record(
        self,
        exchange: Exchange,
        sent: Request,
        verdict: Verdict,
        differences: tuple[ResultDifference, ...],
        legacy: Outcome | None,
        candidate: Outcome | None,
        error: str | None,
        later: Mapping[str, object] | None = None,
    ) -> ResultRecord:
        return ResultRecord(
            id=exchange.id,
            source=exchange.source,
            service=exchange.service,
            operation=exchange.operation,
            scenario=exchange.scenario,
            step=exchange.step,
            request=sent,
            verdict=verdict,
            differences=differences,
            status_legacy=legacy.status if isinstance(legacy, Response) else None,
            status_candidate=candidate.status if isinstance(candidate, Response) else None,
            latency_legacy_ms=legacy.elapsed_ms if isinstance(legacy, Response) else None,
            latency_candidate_ms=candidate.elapsed_ms if isinstance(candidate, Response) else None,
            error=error,
            reproducer=self.reproducer(exchange, sent),
            error_kind=_kind_of(candidate, legacy) if verdict is Verdict.ERROR else None,
            later=later,
        )


def _shape_check(shapes: Mapping[str, str]) -> SameShape:
    """Each side's value of a shaped variable stands for the other's only when both have the
    shape (a valid NHS number for a valid NHS number); other variables always do."""

    def same_shape(name: str, legacy: str, candidate: str) -> bool:
        shape = shapes.get(name)
        return shape is None or (fits(shape, legacy) and fits(shape, candidate))

    return same_shape


def _under_any(path: str, unstable: set[str]) -> bool:
    if path in unstable:
        return True
    cut = path.rfind("/")
    while cut > 0:
        path = path[:cut]
        if path in unstable:
            return True
        cut = path.rfind("/")
    return False


def _error_of(legacy: Outcome, candidate: Outcome) -> str | None:
    """What went wrong on each side that failed, named once (a transport's message may already
    start with its target's name)."""
    problems = [
        text if text.startswith(f"{side}:") else f"{side}: {text}"
        for side, outcome in (("candidate", candidate), ("legacy", legacy))
        if isinstance(outcome, TransportError)
        for text in (str(outcome),)
    ]
    return "; ".join(problems) or None


def _kind_of(*outcomes: Outcome | None) -> str | None:
    """The kind of the first transport failure (candidate first), None when none failed."""
    return next((o.kind for o in outcomes if isinstance(o, TransportError)), None)
