"""Contract exchanges and scenarios as pytest items.

An item replays its unit (one exchange, or a scenario's steps in order) through the rehearsal's
own Runner and Judge, then: passes on a match; fails with a readable table of differences and
the reproducer on a mismatch or error; is xfailed (with the waivers' reasons) when every
difference is covered by a live waiver of the policy.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import pytest

from harness.core.difference import Verdict
from harness.core.policy import Policy
from harness.engine import ReplayedStep, Unit
from harness.pytest.failure import ParityFailure, describe_failure

if TYPE_CHECKING:
    from _pytest._code.code import ExceptionInfo, TerminalRepr


class Replaying(Protocol):
    """What an item needs from the plugin's session (`harness.pytest.session.HarnessSession`)."""

    policy: Policy
    report_url: str | None
    allure_enabled: bool

    def exchange_file(self, unit: Unit) -> Path: ...

    def replay(self, unit: Unit) -> list[ReplayedStep]: ...


class ContractsCollector(pytest.Collector):
    """The parent of every contract item (node id `harness`); items are added, not collected."""

    def collect(self) -> Iterable[pytest.Item | pytest.Collector]:
        return []


class ContractItem(pytest.Item):
    def __init__(self, *, harness: Replaying, unit: Unit, operation: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.harness = harness
        self.unit = unit
        self.service = unit.steps[0].service
        self.operation = operation  # "scenario" for a scenario item
        self.steps: list[ReplayedStep] = []

    @property
    def exchange_file(self) -> Path:
        return self.harness.exchange_file(self.unit)

    def runtest(self) -> None:
        self.steps = self.harness.replay(self.unit)
        if self.harness.allure_enabled:
            from harness.pytest.allure_support import attach_steps

            attach_steps(self.unit, self.steps)
        failed = [s for s in self.steps if s.record.verdict in (Verdict.MISMATCH, Verdict.ERROR)]
        if failed:
            raise ParityFailure(self.name, self.steps)
        reasons = self.waiver_reasons()
        if reasons:
            pytest.xfail("; ".join(reasons))

    def waiver_reasons(self) -> list[str]:
        """`ID (owner, until DATE): reason` for every waiver that covered a difference here."""
        waivers = {waiver.id: waiver for waiver in self.harness.policy.waivers}
        used: dict[str, None] = {}
        for step in self.steps:
            for difference in step.record.differences:
                if difference.waiver is not None:
                    used[difference.waiver] = None
        out = []
        for waiver_id in used:
            waiver = waivers.get(waiver_id)
            if waiver is None:
                out.append(f"waived by {waiver_id}")
            else:
                out.append(
                    f"waived by {waiver.id} ({waiver.owner}, until {waiver.expires}): "
                    f"{waiver.reason}"
                )
        return out

    def repr_failure(
        self,
        excinfo: ExceptionInfo[BaseException],
        style: Any = None,
    ) -> str | TerminalRepr:
        if isinstance(excinfo.value, ParityFailure):
            return describe_failure(excinfo.value.steps)
        return super().repr_failure(excinfo, style=style)

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.exchange_file, None, self.name


def item_for(parent: ContractsCollector, harness: Replaying, unit: Unit) -> ContractItem:
    first = unit.steps[0]
    if unit.scenario is not None:
        operation, label = "scenario", unit.scenario
    elif len(unit.steps) > 1:  # a recorded conversation (harness.correlation)
        operation, label = "conversation", unit.partition
    else:
        operation, label = first.operation, first.id
    item = ContractItem.from_parent(
        parent,
        name=f"{first.service}::{operation}::{label}",
        harness=harness,
        unit=unit,
        operation=operation,
    )
    item.add_marker(first.service)
    if harness.allure_enabled:
        from harness.pytest.allure_support import add_allure_marks

        add_allure_marks(item, unit, operation, harness.policy, harness.report_url)
    return item
