"""Executing a cutover plan against the facade, phase after phase, while consumers keep sending.

One phase:

1. `phase_started`; with `state.how: dual_write`, the slice's writes are mirrored from now on
   (to the candidate while legacy answers, to legacy once the candidate does), or from the
   facade's first request with `dual_writes_from: rehearsal` (`prepare`);
2. `observe_s` with legacy answering and the candidate shadowing;
3. **the switch**: the slice's new requests are held (they wait, they are not refused), the
   requests in flight on legacy finish there, the dual writes mirrored to the candidate are
   waited for, the migration step runs when the plan has one (`{from}` legacy, `{to}` the
   candidate), then the slice is routed to the candidate and the held requests go on there.
   The slice is held for at most `budget.switch_s`: when the requests in flight on legacy
   (the slice's, counted as crossing the switch) have not finished by then, or the dual writes
   have not all been mirrored, the slice is let go to legacy again, unmoved, and the phase ends
   rolled back with nothing to move back (as after a failed migration); a switch that moved
   but took longer than its budget rolls back;
4. the **state check**: records written before the switch are read back on the candidate;
5. `soak_s` with the candidate answering and legacy shadowing (the reverse shadow);
6. **the gate** over the last `window_s`: the mirror is settled (everything offered judged and
   stored), then parity, errors and latency of legacy's copies and the availability the
   facade served are held to the policy (`harness.cutover.gates`);
7. passed: `phase_completed`. Failed: **the rollback** (the migration step back, `{from}` the
   candidate and `{to}` legacy; the table swapped back; in flight drained; the state check
   again, on legacy, for what the candidate took), `rolled_back`, and the next phase runs
   unless `after_rollback: stop`.

Everything that happens is published to the status feed (and its webhooks) as it happens.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from harness.cutover.facade import CutoverFacade
from harness.cutover.gates import decide, parity_by_service, store_tally
from harness.cutover.plan import Phase, Plan
from harness.cutover.routing import Side
from harness.cutover.served import Crossing
from harness.cutover.state import StateCheckResult, StepResult, check_reads, run_step

Settle = Callable[[float, bool, bool], Awaitable[bool]]  # (timeout_s, flush, writes only)


@dataclass(frozen=True, slots=True)
class Sides:
    """The two sides' base URLs, their mirrors' stores, and how to settle each mirror."""

    legacy: str
    candidate: str
    stores: Mapping[Side, Path]  # by the side that shadows
    settle: Mapping[Side, Settle]

    def url(self, side: Side) -> str:
        return self.legacy if side == "legacy" else self.candidate


@dataclass
class SwitchRun:
    to: Side
    started: float
    ended: float = 0.0
    migration: StepResult | None = None
    crossing: Crossing | None = None
    drained: bool = True
    over_budget: bool = False
    moved: bool = False  # the routing table was swapped (a failed migration stops before it)
    mirrored: bool = True  # the dual writes mirrored to the side moved to had all landed
    held: int = 0  # consumer requests that waited for the switch (answered by the new side)

    @property
    def elapsed_s(self) -> float:
        return self.ended - self.started

    def to_dict(self) -> dict[str, object]:
        return {
            "to": self.to,
            "started": self.started,
            "elapsed_s": round(self.elapsed_s, 4),
            "migration": None if self.migration is None else self.migration.to_dict(),
            "in_flight": None if self.crossing is None else self.crossing.to_dict(),
            "moved": self.moved,
            "held": self.held,
            "mirrored": self.mirrored,
            "drained": self.drained,
            "over_budget": self.over_budget,
        }


@dataclass
class PhaseRun:
    index: int
    phase: Phase
    started: float
    ended: float = 0.0
    outcome: str = "running"  # completed | rolled_back | not_run
    reason: str = ""
    switch: SwitchRun | None = None
    rollback: SwitchRun | None = None
    gate: dict[str, Any] | None = None
    state: list[StateCheckResult] = field(default_factory=list)
    measured: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, object]:
        phase = self.phase
        return {
            "index": self.index,
            "name": phase.name,
            "description": phase.description,
            "slice": phase.move.describe(),
            "outcome": self.outcome,
            "reason": self.reason,
            "started": self.started,
            "ended": self.ended,
            "switch": None if self.switch is None else self.switch.to_dict(),
            "rollback": None if self.rollback is None else self.rollback.to_dict(),
            "gate": self.gate,
            "state": {
                "how": phase.state.how,
                "checks": [check.to_dict() for check in self.state],
            },
            **self.measured,
        }


class Executor:
    def __init__(self, plan: Plan, facade: CutoverFacade, sides: Sides) -> None:
        self.plan = plan
        self.facade = facade
        self.sides = sides
        self.feed = facade.feed
        self.runs: list[PhaseRun] = []
        self.started = 0.0
        self.ended = 0.0

    def prepare(self) -> None:
        """Before the first consumer request: the dual writes that begin with the rehearsal."""
        for phase in self.plan.phases:
            if phase.state.dual_writes and phase.state.dual_writes_from == "rehearsal":
                self.facade.switch(self.facade.table.writing(phase.name, phase.move))

    async def run(self) -> list[PhaseRun]:
        self.started = time.time()
        self.feed.state = "running"
        self.feed.publish(
            "rehearsal_started", None, plan=self.plan.name, phases=len(self.plan.phases)
        )
        stopped = False
        for index, phase in enumerate(self.plan.phases, start=1):
            if stopped:
                run = PhaseRun(index, phase, time.time(), time.time(), "not_run")
                run.reason = "an earlier phase rolled back with after_rollback: stop"
                self.runs.append(run)
                continue
            run = await self._phase(index, phase)
            self.runs.append(run)
            stopped = run.outcome == "rolled_back" and phase.after_rollback == "stop"
        await asyncio.sleep(self.plan.settle_s)
        self.ended = time.time()
        rolled_back = [r.phase.name for r in self.runs if r.outcome == "rolled_back"]
        self.feed.state = "finished"
        self.feed.publish(
            "rehearsal_finished",
            None,
            outcome="rolled_back" if rolled_back else "completed",
            rolled_back=rolled_back,
        )
        await self.feed.delivered()
        return self.runs

    async def _phase(self, index: int, phase: Phase) -> PhaseRun:
        run = PhaseRun(index, phase, time.time())
        facade = self.facade
        self.feed.publish(
            "phase_started",
            phase.name,
            index=index,
            slice=phase.move.describe(),
            soak_s=phase.soak_s,
            gate_window_s=phase.gate.window_s,
            state=phase.state.how,
        )
        if phase.state.dual_writes and phase.state.dual_writes_from == "phase":
            facade.switch(facade.table.writing(phase.name, phase.move))
        await asyncio.sleep(phase.observe_s)
        switch = run.switch = await self._switch(phase, "candidate")
        self.feed.publish("switched", phase.name, **switch.to_dict())
        failure = self._switch_failure(switch, phase.budget.switch_s)
        if failure is None and phase.state.check is not None:
            # dual writes alone carry what was written since they began; a migration, everything
            whole = phase.state.migrates or phase.state.dual_writes_from == "rehearsal"
            since = 0.0 if whole else run.started
            check = await self._check(phase, since, switch.started, "candidate", "switch")
            run.state.append(check)
            if not check.passed:
                failure = "state check failed: records written before the switch are not readable"
        if failure is None:
            await asyncio.sleep(self._soak(phase, run))
            run.gate = await self._gate(phase, switch)
            if not run.gate["passed"]:
                failure = "gate failed: " + "; ".join(run.gate["reasons"])
        if failure is None:
            run.outcome = "completed"
            run.ended = time.time()
            self._measure(run)
            self.feed.publish("phase_completed", phase.name, index=index)
            return run
        run.reason = failure
        if not switch.moved:  # legacy never stopped answering the slice: nothing to move back
            return self._not_moved(run, failure)
        self.feed.publish("rollback_started", phase.name, reason=failure)
        rollback = run.rollback = await self._switch(phase, "legacy")
        rollback.over_budget = rollback.elapsed_s > phase.budget.rollback_s
        if phase.state.check is not None:
            since = switch.started
            run.state.append(
                await self._check(phase, since, rollback.started, "legacy", "rollback")
            )
        if phase.state.dual_writes:
            facade.switch(facade.table.not_writing(phase.name))
        run.outcome = "rolled_back"
        run.ended = time.time()
        self._measure(run)
        self.feed.publish("rolled_back", phase.name, reason=failure, **rollback.to_dict())
        return run

    def _not_moved(self, run: PhaseRun, failure: str) -> PhaseRun:
        """The switch let the slice go back to legacy before routing it anywhere else: the
        phase ends rolled back with no rollback switch (the feed says so)."""
        phase = run.phase
        if phase.state.dual_writes:
            self.facade.switch(self.facade.table.not_writing(phase.name))
        run.outcome = "rolled_back"
        run.ended = time.time()
        self._measure(run)
        self.feed.publish("rolled_back", phase.name, reason=failure, moved=False)
        return run

    def _soak(self, phase: Phase, run: PhaseRun) -> float:
        """The soak, cut to what the phase's time budget leaves."""
        if phase.budget.phase_s is None:
            return phase.soak_s
        left = phase.budget.phase_s - (time.time() - run.started)
        return max(0.0, min(phase.soak_s, left))

    @staticmethod
    def _switch_failure(switch: SwitchRun, budget_s: float) -> str | None:
        if switch.migration is not None and not switch.migration.ok:
            return f"migration failed: {switch.migration.detail}"
        if not switch.drained:
            return "requests in flight on the old side did not finish"
        if not switch.mirrored:
            return "the dual writes mirrored to the candidate had not all landed"
        if switch.elapsed_s > budget_s:
            switch.over_budget = True
            return f"switch took {switch.elapsed_s:.2f} s, over its budget of {budget_s:g} s"
        return None

    async def _switch(self, phase: Phase, to: Side) -> SwitchRun:
        """Move the phase's slice to `to`: hold its new requests, let the side it leaves finish
        what it has in flight, let the mirror carry every dual write to `to`, migrate, then
        route the slice to `to` and let the held requests go there."""
        facade = self.facade
        switch = SwitchRun(to, time.time())
        budget = phase.budget.switch_s if to == "candidate" else phase.budget.rollback_s
        deadline = time.monotonic() + budget  # the slice is held for at most its budget
        held_before = facade.held
        facade.switch(facade.table.holding(phase.name, phase.move))
        leaving: Side = "legacy" if to == "candidate" else "candidate"
        number = facade.crossing(phase.move, leaving)
        while facade.log.crossing_in_flight(number) and time.monotonic() < deadline:
            await asyncio.sleep(0.002)
        switch.drained = facade.log.crossing_in_flight(number) == 0
        switch.crossing = facade.log.crossings[number]
        if phase.state.dual_writes:  # what `to` shadowed must have reached it before it answers
            left = max(0.05, deadline - time.monotonic())
            switch.mirrored = await self.sides.settle[to](left, False, True)
        if to == "candidate" and not (switch.drained and switch.mirrored):
            facade.switch(facade.table.released(phase.name))  # not moved: legacy answers on
            switch.held = facade.held - held_before
            switch.ended = time.time()
            return switch
        migrate = phase.state.migrate if phase.state.migrates else None
        if migrate is not None:
            values = {
                "from": self.sides.url(leaving),
                "to": self.sides.url(to),
                "legacy": self.sides.legacy,
                "candidate": self.sides.candidate,
            }
            switch.migration = await run_step(migrate, values)
        table = facade.table.released(phase.name)
        moving = to == "legacy" or switch.migration is None or switch.migration.ok
        if moving:
            table = (
                table.moving(phase.name, phase.move)
                if to == "candidate"
                else table.back(phase.name)
            )
        facade.switch(table)  # the held requests go on, to `to` (or stay on legacy)
        switch.moved = moving
        switch.held = facade.held - held_before
        switch.ended = time.time()
        return switch

    async def _check(
        self, phase: Phase, since: float, until: float, now_answering: Side, when: str
    ) -> StateCheckResult:
        """Records the side traffic left answered in [since, until), read on both sides."""
        assert phase.state.check is not None
        left: Side = "legacy" if now_answering == "candidate" else "candidate"
        written = [w for w in self.facade.writes if since <= w.at < until and w.side == left]
        result = await check_reads(
            phase.state.check,
            written,
            self.sides.url(now_answering),
            self.sides.url(left),
            when,
        )
        self.feed.publish("state_checked", phase.name, **result.to_dict())
        return result

    async def _gate(self, phase: Phase, switch: SwitchRun) -> dict[str, Any]:
        until = time.time()
        since = max(switch.ended, until - phase.gate.window_s)
        settled = await self.sides.settle["legacy"](60.0, True, False)
        tally = await asyncio.to_thread(
            store_tally, self.sides.stores["legacy"], since, until, phase.move
        )
        served = self.facade.log.window(
            since, until, lambda key: key[2] == "candidate" and phase.move.names(key[0], key[1])
        )
        decision = decide(tally, served, phase.gate.policy, date.today())
        gate = {
            "passed": decision.passed,
            "reasons": list(decision.reasons),
            "window": {"since": since, "until": until, "seconds": round(until - since, 3)},
            "policy": phase.gate.policy_file or "inline",
            "mirror_settled": settled,
            "compared": tally.total,
            "served": served.to_dict(),
            "parity": parity_by_service(tally),
            "decision": decision.to_dict(),
        }
        self.feed.publish(
            "gate",
            phase.name,
            passed=decision.passed,
            reasons=list(decision.reasons),
            compared=tally.total,
            served=served.requests,
        )
        return gate

    def _measure(self, run: PhaseRun) -> None:
        """Availability and latency per service over the whole phase, as the facade served."""
        log = self.facade.log
        overall = log.window(run.started, run.ended)
        by_service = {
            service: log.window(run.started, run.ended, _service_is(service)).to_dict()
            for service in log.services()
        }
        run.measured = {"served": overall.to_dict(), "served_by_service": by_service}


def _service_is(service: str) -> Callable[[tuple[str, str, str]], bool]:
    return lambda key: key[0] == service
