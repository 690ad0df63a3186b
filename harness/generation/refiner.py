"""The runner hook that turns a generated divergence into a minimal regression contract.

After each generated or stateful unit, the runner hands its records to `Shrinker.refine`. For a
mismatch whose signature (difference paths) is new, the shrinker cuts the request or script down
with hypothesis (in a worker thread, sending through its own `DifferentialProbe`), saves the
minimal case under `contracts/<service>/regressions/`, and gives the record a reproducer: the
minimal request as curl, and the command that replays the regression. Later mismatches of the
same operation at a path already shrunk get the same reproducer without shrinking again.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from harness.contracts import Contract
from harness.core.difference import Verdict
from harness.core.exchange import Exchange
from harness.core.policy import Waiver, WaiverBook
from harness.core.result import ResultRecord, verdict_of
from harness.core.rules import NoiseModel
from harness.core.template import Template
from harness.engine import Judge, Unit, open_targets
from harness.engine.live_noise import LiveNoise, field_of
from harness.engine.reproducer import curl_command, rehearse_command
from harness.generation.confirm import CONFIRM_RUNS, Confirmation, SelfDisagreement, Status, confirm
from harness.generation.options import Deadline, GenerationOptions
from harness.generation.probe import DifferentialProbe
from harness.generation.regressions import build_regression, regression_id, save_regression
from harness.generation.shrink import rebuild, shrink_parts, signature, template_parts
from harness.generation.units import UNSAFE_UNIT, script_exchanges
from harness.scenario import Step, render
from harness.transport.limits import AnswerLimits
from harness.transport.signed import TargetAccess

GENERATED_SOURCES = frozenset({"generated", "stateful"})


@dataclass(frozen=True, slots=True)
class ShrinkOutcome:
    """One distinct divergence and what it shrank to (listed in generation.json)."""

    regression: str | None
    file: str | None
    service: str
    operation: str
    found_by: str
    paths: tuple[str, ...]
    parts_before: int
    parts_after: int
    sends: int
    reproducer: str
    minimal: tuple[dict[str, Any], ...]
    reproducible: bool = True
    confirmation: Confirmation | None = None  # how re-sending it turned out
    noise: Mapping[str, frozenset[str]] = field(default_factory=dict)  # record id -> noise paths
    evidence: tuple[SelfDisagreement, ...] = ()  # legacy's own differences, for the live counts

    @property
    def status(self) -> Status | None:
        return None if self.confirmation is None else self.confirmation.status


class Shrinker:
    def __init__(
        self,
        contracts: Sequence[Contract],
        noise: Sequence[NoiseModel],
        candidate_url: str,
        legacy_url: str,
        contracts_dir: Path,
        options: GenerationOptions,
        deadline: Deadline,
        *,
        waivers: Sequence[Waiver] = (),
        today: dt.date,
        timeout_s: float = 10.0,
        limits: Mapping[str, AnswerLimits] | None = None,
        access: Mapping[str, TargetAccess] | None = None,
        live: LiveNoise | None = None,
    ) -> None:
        self.live = live or LiveNoise()  # the rehearsal's: confirmation runs add to its counts
        self.contracts = contracts
        self.noise = noise
        self.waivers = tuple(waivers)
        self.today = today
        self.candidate_url = candidate_url
        self.legacy_url = legacy_url
        self.contracts_dir = contracts_dir
        self.options = options
        self.deadline = deadline
        self.timeout_s = timeout_s
        self.limits = limits
        self.access = access
        self.outcomes: list[ShrinkOutcome] = []
        self._known: dict[tuple[str, frozenset[str]], ShrinkOutcome] = {}
        # Fields confirmation runs found to be legacy's own noise, per kind of case.
        self._noise_fields: dict[str, set[str]] = {}
        self._lock = asyncio.Lock()
        self._probe: DifferentialProbe | None = None
        self._busy = threading.Lock()  # held by the worker thread while it shrinks
        # The URLs reproducers name (no connection opens until something is sent).
        self._targets = open_targets(candidate_url, legacy_url, timeout_s=timeout_s)

    @staticmethod
    def wants(records: list[ResultRecord]) -> bool:
        """Whether a unit's records hold a generated divergence to shrink."""
        return _diverging(records)

    async def refine(self, unit: Unit, records: list[ResultRecord]) -> list[ResultRecord]:
        if not _diverging(records):
            return records
        scripted = unit.scenario is not None and not unit.scenario.startswith(UNSAFE_UNIT)
        records = [self._known_noise_removed(record, unit, scripted) for record in records]
        if not _diverging(records):
            return records
        if scripted:
            failing = [r for r in records if r.verdict is Verdict.MISMATCH]
            last = max((r.step or 0) for r in failing)
            steps = tuple(step for step in unit.steps if (step.step or 0) <= last)
            outcome = await self._shrink(unit, steps, failing, scripted=True)
            return [_refined(r, outcome) for r in records]
        by_id = {step.id: step for step in unit.steps}
        out = []
        for record in records:
            exchange = by_id.get(record.id)
            if record.verdict is Verdict.MISMATCH and exchange is not None:
                outcome = await self._shrink(unit, (exchange,), [record], scripted=False)
                record = _refined(record, outcome)
            out.append(record)
        return out

    def _known_noise_removed(
        self, record: ResultRecord, unit: Unit, scripted: bool
    ) -> ResultRecord:
        """A record judged before the run learned that some of its fields are legacy's noise
        (a rule, or a confirmation of the same kind of case)."""
        if record.verdict is not Verdict.MISMATCH:
            return record
        fields = self._noise_fields.get(_kind_key(unit, record, scripted), set())
        noisy = {
            d.path
            for d in record.differences
            if d.waiver is None
            and (
                field_of(d.path) in fields
                or self.live.is_noise(record.service, record.operation, d.path)
            )
        }
        return _cancelled(record, noisy) if noisy else record

    async def _shrink(
        self,
        unit: Unit,
        steps: tuple[Exchange, ...],
        failing: list[ResultRecord],
        *,
        scripted: bool,
    ) -> ShrinkOutcome | None:
        key = (_kind_key(unit, steps[0], scripted), signature(failing))
        if not key[1]:
            return None
        async with self._lock:
            for (operation, paths), known in self._known.items():
                if operation == key[0] and paths & key[1]:
                    return known  # the same divergence (seen at one or more same paths)
            if len(self.outcomes) >= self.options.max_shrinks or self.deadline.passed:
                return None
            contract = self.contracts[unit.noise]
            outcome = await asyncio.to_thread(
                self._shrink_now, unit, steps, failing, scripted, contract
            )
            for seen in outcome.evidence:  # legacy's own differences count towards the run's
                self.live.observe(  # (the exchange itself was counted when it was judged)
                    seen.service, seen.operation, seen.raw, seen.own, seen.answers,
                    count_raw=False,
                )  # fmt: skip
            self.outcomes.append(outcome)
            self._known[key] = outcome
            self._noise_fields.setdefault(key[0], set()).update(
                field_of(path) for paths in outcome.noise.values() for path in paths
            )
            return outcome

    # The worker thread ---------------------------------------------------------------------

    def _probe_now(self) -> DifferentialProbe:
        if self._probe is None:
            # Its own Judge (the generated noise models and the policy's waivers): nothing
            # shared with the loop thread, and shrinking's sends are not counted in the
            # rehearsal's waiver book.
            judge = Judge(self.noise, WaiverBook(self.waivers, self.today), lambda e, s: "")
            self._probe = DifferentialProbe(
                judge,
                self.candidate_url,
                self.legacy_url,
                timeout_s=self.timeout_s,
                limits=self.limits,
                access=self.access,
            )
        return self._probe

    def _shrink_now(
        self,
        unit: Unit,
        steps: tuple[Exchange, ...],
        failing: list[ResultRecord],
        scripted: bool,
        contract: Contract,
    ) -> ShrinkOutcome:
        with self._busy:
            return self._shrink_locked(unit, steps, failing, scripted, contract)

    def _shrink_locked(
        self,
        unit: Unit,
        steps: tuple[Exchange, ...],
        failing: list[ResultRecord],
        scripted: bool,
        contract: Contract,
    ) -> ShrinkOutcome:
        probe = self._probe_now()
        wanted = signature(failing)  # until the confirmation says which paths are real
        before = probe.sends

        def sequence_of(kept: tuple[Any, ...]) -> tuple[Exchange, ...]:
            if scripted:
                script = tuple(
                    Step(e.label, _template(e), dict(e.captures or {}), operation=e.operation)
                    for e in kept
                )
                return script_exchanges(f"{unit.scenario}-shrink", steps[0].service, script)
            template = Template.from_dict(rebuild(_template(steps[0]).to_dict(), kept))
            request = render(template, {}, environ={})
            return (replace(steps[0], request=request, template=template),)

        def unit_of(sequence: tuple[Exchange, ...]) -> Unit:
            name = sequence[0].scenario if scripted else sequence[0].id
            return Unit(unit.noise, sequence, name, None)

        def diverges(kept: tuple[Any, ...]) -> bool:
            if not kept:
                return False
            results = probe.run(unit_of(sequence_of(kept)))
            return bool(signature(step.record for step in results) & wanted)

        parts: list[Any] = (
            list(steps) if scripted else template_parts(_template(steps[0]).to_dict())
        )
        position = {r.id: i for i, e in enumerate(steps) for r in failing if r.id == e.id}
        judge = probe.replayer.judge

        again = [probe.run(unit_of(sequence_of(tuple(parts)))) for _ in range(CONFIRM_RUNS)]
        first = confirm(judge, unit.noise, failing, again, position)
        wanted = first.remaining
        kept, final, last = tuple(parts), [], first
        regression = None
        if first.status is Status.CONFIRMED:
            kept = shrink_parts(parts, diverges, out_of_time=lambda: self.deadline.passed).parts
            minimal = sequence_of(kept)
            runs = [probe.run(unit_of(minimal)) for _ in range(CONFIRM_RUNS)]
            final = runs[0]
            diverging = [s.record for s in final if s.record.verdict is Verdict.MISMATCH]
            where = {s.record.id: i for i, s in enumerate(final)}
            last = confirm(judge, unit.noise, diverging, runs, where)
            if diverging and last.status is Status.CONFIRMED:
                regression = build_regression(
                    contract,
                    minimal,
                    [(s.legacy_request, s.legacy) for s in final],
                    diverging,
                    {
                        "seed": self.options.seed,
                        "found_by": steps[0].scenario if scripted else steps[0].id,
                        "command": self._replay_command(
                            regression_id(contract.service, minimal[0].operation, minimal)
                        ),
                        "confirmation": last.to_dict(),
                    },
                )
                if self.options.save_regressions:
                    save_regression(regression)
        minimal = sequence_of(kept)
        return ShrinkOutcome(
            regression=regression.id if regression else None,
            file=str(regression.path) if regression and self.options.save_regressions else None,
            service=steps[0].service,
            operation=steps[0].operation,
            found_by=str(steps[0].scenario if scripted else steps[0].id),
            paths=tuple(sorted(signature(failing))),
            parts_before=len(parts),
            parts_after=len(kept),
            sends=probe.sends - before,
            reproducer=self._reproducer(regression, minimal, final, scripted, last),
            minimal=tuple(
                {"label": e.meta.get("label"), "request": _template(e).to_dict()} for e in minimal
            ),
            reproducible=regression is not None,
            confirmation=last,
            noise=first.noise,
            evidence=first.evidence,
        )

    def _replay_command(self, regression: str) -> str:
        return rehearse_command(
            self.candidate_url, str(self.contracts_dir), regression, self.legacy_url
        )

    def _reproducer(
        self, regression: Any, minimal: Any, final: Any, scripted: bool, check: Confirmation
    ) -> str:
        if regression is None:
            return _unconfirmed(check)
        replay = self._replay_command(regression.id)
        if scripted:
            labels = " -> ".join(str(e.meta.get("label", e.operation)) for e in minimal)
            return f"{replay}  # minimal sequence: {labels}"
        sent = final[0].legacy_request or minimal[0].request
        curl = curl_command(self._targets.candidate.url_for(sent), sent)
        return f"{curl}  # minimal reproducer; replay it as a contract: {replay}"

    def close(self) -> None:
        """Stop shrinking (a worker thread still shrinking after Ctrl-C ends at its next send)
        and close the probe."""
        self.deadline.stop()
        with self._busy:
            if self._probe is not None:
                self._probe.close()
                self._probe = None

    def to_dict(self) -> list[dict[str, Any]]:
        return [
            {
                "regression": o.regression,
                "file": o.file,
                "service": o.service,
                "operation": o.operation,
                "found_by": o.found_by,
                "paths": list(o.paths),
                "parts_before": o.parts_before,
                "parts_after": o.parts_after,
                "sends": o.sends,
                "reproducible": o.reproducible,
                "confirmation": o.confirmation.to_dict() if o.confirmation else None,
                "reproducer": o.reproducer,
                "minimal": list(o.minimal),
            }
            for o in self.outcomes
        ]


def _template(exchange: Exchange) -> Template:
    """A generated exchange's template (generated units always carry one)."""
    if exchange.template is None:
        raise AssertionError(f"generated exchange {exchange.id} has no template")
    return exchange.template


def _kind_key(unit: Unit, step: Exchange | ResultRecord, scripted: bool) -> str:
    """What kind of case a divergence is found in: its operation, or its workflow."""
    return str(unit.scenario).rsplit("-", 1)[0] if scripted else step.operation


def _diverging(records: list[ResultRecord]) -> bool:
    return any(r.verdict is Verdict.MISMATCH and r.source in GENERATED_SOURCES for r in records)


def _cancelled(record: ResultRecord, paths: set[str] | frozenset[str]) -> ResultRecord:
    """The record without its differences at `paths` (legacy's own noise), which it lists."""
    kept = tuple(d for d in record.differences if d.waiver is not None or d.path not in paths)
    if len(kept) == len(record.differences):
        return record
    dropped = {d.path for d in record.differences} - {d.path for d in kept}
    cancelled = tuple(sorted({*record.cancelled, *dropped}))
    return replace(record, differences=kept, verdict=verdict_of(kept), cancelled=cancelled)


def _refined(record: ResultRecord, outcome: ShrinkOutcome | None) -> ResultRecord:
    """A record once its divergence was confirmed (or not) by sending it again."""
    if outcome is None or record.verdict is not Verdict.MISMATCH:
        return record
    noisy = outcome.noise.get(record.id)
    if noisy is None:  # a later record of a known divergence: its fields, by shape
        fields = {field_of(p) for paths in outcome.noise.values() for p in paths}
        noisy = frozenset(d.path for d in record.differences if field_of(d.path) in fields)
    record = _cancelled(record, noisy)
    if record.verdict is not Verdict.MISMATCH:
        return record
    return replace(record, reproducer=outcome.reproducer)


def _unconfirmed(check: Confirmation) -> str:
    if check.status is Status.NOISE:
        return "legacy disagreed with itself here when sent again: noise, nothing saved"
    return (
        f"unconfirmed ({check.status.value}): the candidate diverged again in "
        f"{check.reproduced} of {check.runs} runs sent again; nothing saved - see the request"
    )
