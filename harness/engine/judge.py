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
Timestamps each side stamped with its own answer's time mean the same
(`harness.core.now_stamps`), as do each side's own address in its answers (`Origins`).
The same holds for what the two sides were sent where it differs (a fresh `X-Request-ID` per
side, a recording's old one against the one sent now): an echo of it means the same. A `uuid`
rule never accepts such an echo by itself: it must be the echo of what that side was sent.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace

from harness.core.canonical.sides import CompareContext
from harness.core.compare import Comparator, CompareOptions
from harness.core.conformance import ConformanceCheck, Finding
from harness.core.difference import (
    Difference,
    SameShape,
    Verdict,
    request_swaps,
    same_meaning_removed,
)
from harness.core.exchange import Exchange, LaterMessage, Request, Response
from harness.core.later import later_summary
from harness.core.later_parity import LaterComparator
from harness.core.now_stamps import now_stamps_removed
from harness.core.origins import Origins
from harness.core.policy import WaiverBook
from harness.core.result import ResultDifference, ResultRecord, verdict_of
from harness.core.rules import NoiseModel, Rule
from harness.engine.live_noise import LiveNoise, covered_by
from harness.scenario.shapes import fits
from harness.transport.base import TransportError

Outcome = Response | TransportError
Reproducer = Callable[[Exchange, Request], str]
# (legacy's later messages, the candidate's): None for a side that was not watched.
Later = tuple[Sequence[LaterMessage] | None, Sequence[LaterMessage] | None]
_NOTHING_CARRIED: tuple[Mapping[str, str], Mapping[str, str]] = ({}, {})


def same_meaning_removed_for(
    differences: list[Difference],
    context: CompareContext,
    same_shape: SameShape | None = None,
) -> list[Difference]:
    """The differences left once what each side carried, and what it was sent where the two
    requests differ, are read as the same meaning on both sides."""
    legacy_vars, candidate_vars = context.legacy_vars, context.candidate_vars
    if context.legacy_request is not None and context.candidate_request is not None:
        sent_a, sent_b = request_swaps(context.legacy_request, context.candidate_request)
        if sent_a:
            legacy_vars = {**sent_a, **legacy_vars}
            candidate_vars = {**sent_b, **candidate_vars}
    if not legacy_vars:
        return differences
    return same_meaning_removed(differences, legacy_vars, candidate_vars, same_shape)


def _with_addresses(
    context: CompareContext, swaps: tuple[dict[str, str], dict[str, str]]
) -> CompareContext:
    """The context with each side's own address as a same-meaning variable (`Origins`)."""
    if not swaps[0]:
        return context
    return context._replace(
        legacy_vars={**swaps[0], **context.legacy_vars},
        candidate_vars={**swaps[1], **context.candidate_vars},
    )


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
        live: LiveNoise | None = None,
        conformance: ConformanceCheck | None = None,
        origins: Origins | None = None,
    ) -> None:
        self.noise = noise
        self.origins = origins or Origins()  # an answer naming its own server means the same
        self.conformance = conformance  # holds the candidate's answers to their documents
        self.waivers = waivers
        self.reproducer = reproducer
        self.options = options or CompareOptions()
        self.extra_rules = extra_rules
        self.live = live or LiveNoise()
        self.live.on_learn(self._forget)
        self._comparators: dict[tuple[int, str, str], Comparator] = {}
        self._later: dict[tuple[int, str], LaterComparator] = {}

    def later_comparator(self, noise: int, operation: str) -> LaterComparator:
        key = (noise, operation)
        found = self._later.get(key)
        if found is None:
            rules = (*self.noise[noise].rules_for(operation), *self.extra_rules)
            found = self._later[key] = LaterComparator(rules)
        return found

    def comparator(self, noise: int, operation: str, service: str = "") -> Comparator:
        """The operation's comparator: its noise model's rules, the configured ones and what
        live noise cancellation learned for it during the run."""
        key = (noise, service, operation)
        found = self._comparators.get(key)
        if found is None:
            rules = (
                *self.noise[noise].rules_for(operation),
                *self.extra_rules,
                *self.live.rules_for(service, operation),
            )
            found = self._comparators[key] = Comparator(rules, self.options)
        return found

    def _forget(self, service: str, operation: str) -> None:
        """A rule was learned for the operation: its comparators are built again when next used."""
        for key in [k for k in self._comparators if k[1] == service and k[2] == operation]:
            del self._comparators[key]

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
        legacy_sent: Request | None = None,
    ) -> ResultRecord:
        """`legacy` None means: compare with the recording. `carried`: (legacy, candidate) vars;
        `shapes`: the variables whose candidate value must have a shape (`Unit.shapes`);
        `later`: each side's later messages (legacy's are the recording's without live legacy);
        `legacy_sent`: what legacy was sent when it differs from `sent` (a scenario step)."""
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
        comparator = self.comparator(noise, exchange.operation, exchange.service)
        self.live.compared(exchange.service, exchange.operation)
        legacy_request = legacy_sent or (sent if live_legacy else exchange.request)
        context = CompareContext(
            legacy_request, sent, *(carried if carried is not None else _NOTHING_CARRIED)
        )
        differences = comparator.compare(legacy_side, candidate, context)
        if watched:
            later_comparator = self.later_comparator(noise, exchange.operation)
            answers = (legacy_side, candidate)
            differences.extend(later_comparator.compare(later_a, later_b, answers))
        if differences:
            differences = same_meaning_removed_for(
                differences,
                _with_addresses(context, self.origins.swaps(exchange.service, live_legacy)),
                _shape_check(shapes) if shapes else None,
            )
        if differences:  # values each side stamped with its own answer's time
            differences = now_stamps_removed(differences, legacy_side, candidate)
        if differences and live_legacy and exchange.recorded:
            unstable = {d.path: d for d in comparator.compare(recorded, legacy_side, context)}
            if watched:
                later_comparator = self.later_comparator(noise, exchange.operation)
                unstable.update(
                    (d.path, d)
                    for d in later_comparator.compare(
                        exchange.later, later_a, (recorded, legacy_side)
                    )
                )
            if unstable:
                answers = (recorded, legacy_side)
                differences = [d for d in differences if not covered_by(d, unstable, answers)]
        judged = self.waivers.apply(exchange.service, exchange.operation, differences)
        return self._record(
            exchange, sent, verdict_of(judged), judged, legacy_side, candidate, None, summary
        )

    def reconsider(
        self,
        noise: int,
        exchange: Exchange,
        record: ResultRecord,
        first: Outcome | None,
        second: Outcome | None,
        asked: tuple[Request, Request] | None = None,
        carried: tuple[Mapping[str, str], Mapping[str, str]] | None = None,
    ) -> ResultRecord:
        """The record once legacy's second answer (`second`, to the request as sent again) is
        weighed: a difference at a path where legacy disagrees with itself is noise here, and
        the counts of the run move (`LiveNoise`). No second answer: only the counts move."""
        open_ = [d for d in record.differences if d.waiver is None]
        raw = [Difference(d.path, d.kind, d.legacy, d.candidate) for d in open_]
        if not isinstance(first, Response) or not isinstance(second, Response):
            self.live.observe(exchange.service, exchange.operation, raw, None)
            return record
        comparator = self.comparator(noise, exchange.operation, exchange.service)
        first_sent, second_sent = asked or (None, None)
        context = CompareContext(first_sent, second_sent, *(carried or _NOTHING_CARRIED))
        own = comparator.compare(first, second, context)
        if own:
            own = same_meaning_removed_for(own, context)
        noisy = self.live.observe(exchange.service, exchange.operation, raw, own, (first, second))
        # Judged before the run learned (another worker's exchange) that a field is noise:
        noisy.update(
            d.path for d in raw if self.live.is_noise(exchange.service, exchange.operation, d.path)
        )
        if not noisy:
            return record
        kept = tuple(d for d in record.differences if d.waiver is not None or d.path not in noisy)
        return replace(
            record,
            differences=kept,
            verdict=verdict_of(kept),
            cancelled=tuple(sorted(noisy)),
        )

    def error_record(
        self, exchange: Exchange, sent: Request, message: str, kind: str | None = None
    ) -> ResultRecord:
        """A step that could not be sent at all (e.g. an earlier step's value is missing), or
        was not run (`kind` "not_run": it depends on an earlier step that failed)."""
        record = self._record(exchange, sent, Verdict.ERROR, (), None, None, message)
        return record if kind is None else replace(record, error_kind=kind)

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
            conformance=self._conformance(exchange, candidate),
        )

    def _conformance(
        self, exchange: Exchange, candidate: Outcome | None
    ) -> tuple[Finding, ...] | None:
        """How the candidate's answer departs from its operation's document (None: no check,
        no answer, or no document for the operation)."""
        if self.conformance is None or not isinstance(candidate, Response):
            return None
        try:
            return self.conformance(exchange.service, exchange.operation, candidate)
        except Exception:  # a checking bug must not end the rehearsal: the answer is unchecked
            return None


def _shape_check(shapes: Mapping[str, str]) -> SameShape:
    """Each side's value of a shaped variable stands for the other's only when both have the
    shape (a valid NHS number for a valid NHS number); other variables always do."""

    def same_shape(name: str, legacy: str, candidate: str) -> bool:
        shape = shapes.get(name)
        return shape is None or (fits(shape, legacy) and fits(shape, candidate))

    return same_shape


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
