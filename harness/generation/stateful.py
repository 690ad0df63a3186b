"""Stateful workflows as hypothesis rule-based state machines that write scripts.

A machine models one workflow (a domain pack's: the Spine pack's PDS create-read-PATCH cycle,
the EPS prescription life cycle) and each rule appends a step: a request template plus the
values to capture from the answer. Records live in a hypothesis `Bundle` under logical names
(`p0`, `p1`...); a step refers to them as `{{p0}}`, `{{p0_etag}}`, so each target substitutes
the identifiers and ETags *it* allocated, and the runner compares the two on meaning.

`ScriptMachine` is the base of every workflow machine; `draw_scripts` draws distinct scripts
from one. Scripts are scenarios (`harness.scenario.Step`s): the rehearsal runner drives both
targets through them like recorded scenarios; `harness.generation.shrink` cuts a diverging one
down to its shortest sequence.
"""

from __future__ import annotations

import contextlib
from typing import Any

from hypothesis import HealthCheck, Phase, settings
from hypothesis import seed as hypothesis_seed
from hypothesis.stateful import RuleBasedStateMachine

from harness.scenario import Step

Script = tuple[Step, ...]


class ScriptMachine(RuleBasedStateMachine):
    """A workflow machine: its rules append the `Step`s of one script."""

    def __init__(self) -> None:
        super().__init__()
        self.steps: list[Step] = []


def draw_scripts(
    machine: type[ScriptMachine], count: int, seed: int, max_steps: int = 6
) -> list[Script]:
    """`count` distinct scripts from the machine, the same for the same seed."""
    from hypothesis.stateful import get_state_machine_test

    scripts: list[Script] = []

    class Recording(machine):  # type: ignore[valid-type,misc]
        def teardown(self) -> None:
            script = tuple(self.steps)
            if script and len(scripts) < count and script not in scripts:  # distinct scripts
                scripts.append(script)

    Recording.__name__ = machine.__name__
    chosen = settings(
        max_examples=count * 2 + 5,
        stateful_step_count=max_steps,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    test = get_state_machine_test(Recording, settings=chosen)

    class _Enough(Exception):
        pass

    original_teardown = Recording.teardown

    def teardown(self: Any) -> None:
        original_teardown(self)
        if len(scripts) >= count:
            raise _Enough

    Recording.teardown = teardown  # type: ignore[method-assign]
    with contextlib.suppress(_Enough):
        hypothesis_seed(seed)(test)()
    return scripts[:count]
