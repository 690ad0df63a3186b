"""The EPS prescription life cycle as a hypothesis rule-based state machine that writes scripts.

Rules: create (a signed `prescription-order`), release (patient release to the nominated
pharmacy FA565 or another one, FCG71), dispense notification (complete or partial), claim,
return, withdraw and cancel (line 1). No rule has a precondition on the prescription's state:
hypothesis draws legal and illegal orders alike (cancel after dispense, release to another
dispenser, claim before dispense, return after claim...), and both targets must refuse the
illegal ones the same way.

Prescriptions live in a `Bundle` under logical names (`rx0`, `rx1`...). The create step binds
fresh values with `{{$prescription_id as rx0}}` and `{{$uuid as rx0_long}}`/`rx0_item1`/
`rx0_item2`: both targets get the same short-form id (they are separate systems), and a replay
(shrinking, a regression) gets a new one, so nothing collides with DUPLICATE_PRESCRIPTION_ID.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st
from hypothesis.stateful import Bundle, rule

from harness.core.template import Template
from harness.domains.spine import eps_messages as eps
from harness.generation.stateful import ScriptMachine
from harness.scenario import Step

NOMINATED = "FA565"
DISPENSERS = st.sampled_from((NOMINATED, NOMINATED, "FCG71"))  # mostly the nominated one


class EpsWorkflow(ScriptMachine):
    """Create, release, dispense, claim, return, withdraw, cancel - in any order."""

    prescriptions = Bundle("prescriptions")

    def __init__(self) -> None:
        super().__init__()
        self.stage: dict[str, int] = {}  # how far `advance` took each prescription

    def _add(self, label: str, operation: str, template: dict[str, Any]) -> None:
        self.steps.append(Step(label, Template.from_dict(template), operation=operation))

    def _message(self) -> str:
        return f"m{len(self.steps)}"

    @rule(target=prescriptions)
    def create(self) -> str:
        name = f"rx{sum(1 for s in self.steps if s.name.startswith('create '))}"
        self._add(f"create {name}", "processMessage", eps.order(name, self._message()))
        return name

    @rule(rx=prescriptions)
    def advance(self, rx: str) -> None:
        """The next legal step of the happy path: release to the nominated pharmacy, a partial
        then a complete dispense notification, claim. (First in name order, so hypothesis's
        simplest scripts walk the legal life cycle; the other rules make it illegal.)"""
        stage = self.stage.get(rx, 0)
        self.stage[rx] = stage + 1
        if stage == 0:
            self.release(rx, NOMINATED)
        elif stage in (1, 2):
            self.dispense(rx, NOMINATED, complete=stage == 2)
        elif stage == 3:
            self.claim(rx, NOMINATED)

    @rule(rx=prescriptions, dispenser=DISPENSERS)
    def release(self, rx: str, dispenser: str) -> None:
        template = eps.release(rx, dispenser, self._message())
        self._add(f"release {rx} to {dispenser}", "releasePrescription", template)

    @rule(rx=prescriptions, dispenser=DISPENSERS, complete=st.booleans())
    def dispense(self, rx: str, dispenser: str, complete: bool) -> None:
        kind = "complete" if complete else "partial"
        template = eps.dispense_notification(rx, dispenser, self._message(), complete)
        self._add(f"{kind} dispense {rx} by {dispenser}", "processMessage", template)

    @rule(rx=prescriptions, dispenser=DISPENSERS)
    def claim(self, rx: str, dispenser: str) -> None:
        self._add(f"claim {rx} by {dispenser}", "claim", eps.claim(rx, dispenser, self._message()))

    @rule(rx=prescriptions, dispenser=DISPENSERS)
    def return_it(self, rx: str, dispenser: str) -> None:
        template = eps.return_task(rx, dispenser, self._message())
        self._add(f"return {rx} by {dispenser}", "returnOrWithdraw", template)

    @rule(rx=prescriptions, dispenser=DISPENSERS)
    def withdraw(self, rx: str, dispenser: str) -> None:
        template = eps.withdraw_task(rx, dispenser, self._message())
        self._add(f"withdraw {rx} by {dispenser}", "returnOrWithdraw", template)

    @rule(rx=prescriptions)
    def cancel(self, rx: str) -> None:
        self._add(f"cancel {rx} line 1", "processMessage", eps.cancellation(rx, self._message()))
