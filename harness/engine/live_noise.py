"""Live noise cancellation: what legacy disagrees with itself on is noise, field by field.

Diffy sends every request to two legacy instances and counts, per field, how often the
candidate differs from legacy (raw) against how often legacy differs from itself (noise). We
ask legacy a second time only where legacy and candidate differ on a path the noise model does
not cover (the hot path stays one comparison), so the counts are kept over those exchanges:

- `raw`: exchanges where legacy and candidate differed at the field (nothing covered it);
- `asked`: of those, how many had a second legacy answer (asked again, a twin, or a
  confirmation run of a generated case);
- `noise`: of those, how many where legacy disagreed with itself there.

Per exchange, a difference at a field where the second legacy answer disagreed with the first
is noise for that exchange. Over the run, a field is classified with Diffy's two thresholds,
over its asked exchanges: `relative` = |raw - noise| / (raw + noise) and `absolute` =
|raw - noise| / the operation's exchanges, both in percent. `noise` when relative <= the
relative threshold (legacy disagrees with itself about as often as with the candidate) after at
least `min_asked` second answers; such a field becomes a rule for the rest of the run, so it is
never asked about again. `divergence` when relative and absolute are both above their
thresholds; otherwise `undecided` (too rare to call: each exchange's own evidence stands; a
rare real difference is never hidden by the statistics). A status is never learned.

`proposal()` lists the fields learned as noise, with their counts, for a reviewer to copy into
the contract's noise model; nothing is ever written into `contracts/` by the run.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from harness.core.difference import Difference
from harness.core.exchange import Response
from harness.core.rules import Rule
from harness.core.varying import (
    absolute_gap,
    combined_kind,
    kind_of,
    learned_tolerance,
    timestamp_spread,
)

_INDEX = re.compile(r"/\d+(?=/|$)")
NEVER_LEARNED = frozenset({"status", "/"})


def field_of(path: str) -> str:
    """The field a difference path belongs to: list indices as `*`."""
    return _INDEX.sub("/*", path)


@dataclass(frozen=True, slots=True)
class NoiseThresholds:
    """Diffy's defaults: 20% relative, 0.03% absolute; at least two second answers."""

    relative_pct: float = 20.0
    absolute_pct: float = 0.03
    min_asked: int = 2


class FieldVerdict(enum.StrEnum):
    NOISE = "noise"
    DIVERGENCE = "divergence"
    UNDECIDED = "undecided"


@dataclass(slots=True)
class FieldCounts:
    raw: int = 0
    asked: int = 0
    noise: int = 0
    kinds: set[str] = field(default_factory=set)
    spread_s: float = 0.0  # timestamps: the largest gap seen between legacy's two answers

    def relative_pct(self) -> float:
        total = self.asked + self.noise
        return 0.0 if total == 0 else abs(self.asked - self.noise) / total * 100.0

    def to_dict(self) -> dict[str, int]:
        return {"raw": self.raw, "asked": self.asked, "noise": self.noise}


@dataclass(frozen=True, slots=True)
class LearnedField:
    """A field classified over the run, with its counts, as the proposal lists it."""

    service: str
    operation: str
    path: str
    verdict: FieldVerdict
    counts: FieldCounts
    compared: int  # exchanges of the operation judged in the run
    rule: Rule | None = None  # the rule it became (noise only)


class LiveNoise:
    """Per-field counts over a run, and the rules learned from them. Used on one thread (the
    engine's loop); `on_learn` callbacks (the judge's comparator cache) run when a rule is added."""

    def __init__(self, thresholds: NoiseThresholds | None = None) -> None:
        self.thresholds = thresholds or NoiseThresholds()
        self._fields: dict[tuple[str, str, str], FieldCounts] = {}
        self._compared: dict[tuple[str, str], int] = {}
        self._rules: dict[tuple[str, str], dict[str, Rule]] = {}
        self._listeners: list[Callable[[str, str], None]] = []
        self.asked = 0  # second legacy answers over the run
        self.cancelled = 0  # differences dropped as noise over the run

    def on_learn(self, listener: Callable[[str, str], None]) -> None:
        self._listeners.append(listener)

    def compared(self, service: str, operation: str) -> None:
        key = (service, operation)
        self._compared[key] = self._compared.get(key, 0) + 1

    def rules_for(self, service: str, operation: str) -> tuple[Rule, ...]:
        return tuple(self._rules.get((service, operation), {}).values())

    def observe(
        self,
        service: str,
        operation: str,
        raw: Iterable[Difference],
        self_differences: Iterable[Difference] | None,
        answers: tuple[Response, Response] | None = None,
        *,
        count_raw: bool = True,
    ) -> set[str]:
        """Count an exchange's uncovered differences (`raw`, legacy vs candidate) against what
        legacy's second answer differed in (`self_differences`; None: no second answer). Returns
        the paths of `raw` that are noise on this exchange (at or under a path where legacy
        disagreed with itself); fields that the counts now call noise become rules.
        `count_raw` False: a further second answer for an exchange already counted (the
        confirmation runs of a generated divergence)."""
        raw = list(raw)
        asked = self_differences is not None
        unstable = {d.path: d for d in self_differences or ()}
        noisy: set[str] = set()
        seen: set[str] = set()
        for difference in raw:
            own = _under(difference.path, unstable) if asked else None
            if own is not None and not _within_noise(difference, own, answers):
                counts_only = own  # legacy's clock moved a little; the candidate's far more
                own = None
            else:
                counts_only = None
            if own is not None:
                noisy.add(difference.path)
            name = field_of(difference.path)
            if name in seen:
                continue
            seen.add(name)
            counts = self._fields.setdefault((service, operation, name), FieldCounts())
            counts.raw += 1 if count_raw else 0
            if not asked:
                continue
            counts.asked += 1
            own = own if own is not None else counts_only
            if own is None:
                continue
            counts.noise += 1
            counts.kinds.add(kind_of(own))
            if answers is not None and counts.kinds == {"timestamp"}:
                counts.spread_s = max(counts.spread_s, timestamp_spread(own, *answers))
        if asked:
            self.asked += 1
            self.cancelled += len(noisy)
            for name in seen:
                self._promote(service, operation, name)
        return noisy

    def is_noise(self, service: str, operation: str, path: str) -> bool:
        """Whether the run has learned that the field of this difference path is noise."""
        return field_of(path) in self._rules.get((service, operation), {})

    def verdict(self, service: str, operation: str, name: str) -> FieldVerdict:
        counts = self._fields.get((service, operation, name))
        if counts is None or counts.asked < self.thresholds.min_asked:
            return FieldVerdict.UNDECIDED
        if counts.relative_pct() <= self.thresholds.relative_pct:
            return FieldVerdict.NOISE
        compared = max(1, self._compared.get((service, operation), 0), counts.raw)
        absolute = abs(counts.asked - counts.noise) / compared * 100.0
        if counts.noise < counts.asked and absolute > self.thresholds.absolute_pct:
            return FieldVerdict.DIVERGENCE
        return FieldVerdict.UNDECIDED

    def _promote(self, service: str, operation: str, name: str) -> None:
        rules = self._rules.setdefault((service, operation), {})
        if name in rules or name in NEVER_LEARNED:
            return
        if self.verdict(service, operation, name) is not FieldVerdict.NOISE:
            return
        counts = self._fields[(service, operation, name)]
        kind = combined_kind(counts.kinds)
        tolerance = learned_tolerance(counts.spread_s) if kind == "timestamp" else None
        rules[name] = Rule(name, kind, tolerance_s=tolerance, comment="learned live")
        for listener in self._listeners:
            listener(service, operation)

    def fields(self) -> list[LearnedField]:
        """Every field counted, classified, in a stable order."""
        out = []
        for (service, operation, name), counts in sorted(self._fields.items()):
            out.append(
                LearnedField(
                    service,
                    operation,
                    name,
                    self.verdict(service, operation, name),
                    counts,
                    self._compared.get((service, operation), 0),
                    self._rules.get((service, operation), {}).get(name),
                )
            )
        return out

    def proposal(self) -> list[LearnedField]:
        """The fields learned as noise (each with the rule it became)."""
        return [f for f in self.fields() if f.rule is not None]

    def summary(self) -> dict[str, object]:
        learned = self.proposal()
        return {
            "asked": self.asked,
            "cancelled": self.cancelled,
            "learned": len(learned),
            "fields": [
                {
                    "service": f.service,
                    "operation": f.operation,
                    "path": f.path,
                    "verdict": f.verdict.value,
                    "compared": f.compared,
                    **f.counts.to_dict(),
                }
                for f in self.fields()
            ],
        }


def covered_by(
    difference: Difference,
    unstable: Mapping[str, Difference],
    answers: tuple[Response, Response] | None = None,
) -> bool:
    """Whether legacy's own disagreement (`unstable`, by path: with a second answer, or with its
    recording) at the path or an ancestor explains this difference away."""
    own = _under(difference.path, unstable)
    return own is not None and _within_noise(difference, own, answers)


def _within_noise(
    difference: Difference, own: Difference, answers: tuple[Response, Response] | None
) -> bool:
    """Whether legacy's own disagreement covers the candidate's: for two timestamps, only within
    the tolerance that legacy's spread calls for (seconds apart is noise, days apart is not)."""
    if kind_of(own) != "timestamp":
        return True
    gap = absolute_gap(difference)
    if gap is None:
        return True
    spread = timestamp_spread(own, *answers) if answers is not None else (absolute_gap(own) or 0.0)
    return gap <= learned_tolerance(spread)


def _under(path: str, unstable: Mapping[str, Difference]) -> Difference | None:
    """The unstable difference at `path` or at an ancestor of it, if any."""
    while True:
        found = unstable.get(path)
        if found is not None:
            return found
        cut = path.rfind("/")
        if cut <= 0:
            return None
        path = path[:cut]
