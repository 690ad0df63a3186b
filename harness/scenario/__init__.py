"""The scenario language: templates with placeholders, built-ins, captures, scenario files, and
the one way a step is sent (`run_step`).

Used by recording (a scenario recorded against a legacy target), rehearsals (each target
substitutes its own values) and generated workflows (scripts are scenarios). The `Template`
value itself lives in `harness.core.template`, so that exchanges can carry it.
"""

from __future__ import annotations

from harness.core.template import Builtin, Template
from harness.scenario.builtins import builtin, builtins, seeded_value
from harness.scenario.capture import CaptureError, capture, xpath_of
from harness.scenario.files import Scenario, load_scenario_file, load_scenarios
from harness.scenario.render import bind_fresh, recorded_bindings, render, template_of
from harness.scenario.step import StepOutcome, captured_from, run_step
from harness.scenario.stepfile import Step

__all__ = [
    "Builtin",
    "CaptureError",
    "Scenario",
    "Step",
    "StepOutcome",
    "Template",
    "bind_fresh",
    "builtin",
    "builtins",
    "capture",
    "captured_from",
    "load_scenario_file",
    "load_scenarios",
    "recorded_bindings",
    "render",
    "run_step",
    "seeded_value",
    "template_of",
    "xpath_of",
]
