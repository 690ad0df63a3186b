"""The PDS workflow machine writes scripts: deterministic, placeholders per logical patient."""

from __future__ import annotations

from harness.domains.spine.pds_workflow import PdsWorkflow
from harness.generation.stateful import draw_scripts
from harness.generation.units import script_exchanges


def test_same_seed_same_scripts_and_only_defined_names_used() -> None:
    first = draw_scripts(PdsWorkflow, 4, seed=5)
    assert first == draw_scripts(PdsWorkflow, 4, seed=5)
    assert len(first) == 4
    for script in first:
        assert script[0].operation == "createPatient"
        captured: set[str] = set()
        for step in script:
            text = str(step.template)
            for name in ("p0", "p1", "p2"):
                if "{{" + name + "}}" in text:
                    assert name in captured, (step.name, captured)
            captured |= set(step.captures)


def test_scripts_become_scenario_steps() -> None:
    (script,) = draw_scripts(PdsWorkflow, 1, seed=0)
    steps = script_exchanges("stateful-pds-000", "pds", script)
    assert [s.step for s in steps] == list(range(len(script)))
    assert all(s.source == "stateful" and not s.recorded for s in steps)
    assert steps[0].captures is not None and steps[0].captures["p0"] == "/id"
