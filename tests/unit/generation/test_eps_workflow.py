"""The EPS life-cycle machine writes scripts: deterministic, legal and illegal, names bound."""

from __future__ import annotations

import re

from harness.domains.spine import pack
from harness.domains.spine.eps_workflow import EpsWorkflow
from harness.generation.stateful import draw_scripts
from harness.generation.units import script_exchanges

EPS_INTERFACE = {
    "paths": {
        f"/{name}": {"post": {"operationId": name, "tags": ["eps"]}}
        for name in ("processMessage", "releasePrescription", "claim")
    }
}

_REFERENCE = re.compile(r"\{\{(rx\d+)(?:_\w+)?\}\}")
_BINDING = re.compile(r"\{\{\$prescription_id as (rx\d+)\}\}")


def test_same_seed_same_distinct_scripts() -> None:
    first = draw_scripts(EpsWorkflow, 6, seed=4)
    assert first == draw_scripts(EpsWorkflow, 6, seed=4)
    assert len(first) == 6
    assert all(a != b for i, a in enumerate(first) for b in first[i + 1 :])
    assert first != draw_scripts(EpsWorkflow, 6, seed=5)
    assert list(pack.workflows("eps", EPS_INTERFACE)) == [EpsWorkflow]


def test_the_simplest_script_walks_the_legal_life_cycle() -> None:
    script = draw_scripts(EpsWorkflow, 1, seed=0)[0]
    assert [s.name for s in script] == [
        "create rx0",
        "release rx0 to FA565",
        "partial dispense rx0 by FA565",
        "complete dispense rx0 by FA565",
        "claim rx0 by FA565",
    ]


def test_every_prescription_is_created_before_it_is_used() -> None:
    labels = []
    for seed in range(3):
        for script in draw_scripts(EpsWorkflow, 5, seed=seed):
            created: set[str] = set()
            for step in script:
                body = str(step.template.body)
                created |= set(_BINDING.findall(body))
                assert set(_REFERENCE.findall(body)) <= created, step.name
                labels.append(step.name)
    # illegal moves are drawn too: another dispenser, a claim or cancellation at any time
    assert any("FCG71" in label for label in labels)
    assert any(label.startswith("cancel") for label in labels)
    assert any(label.startswith(("return", "withdraw")) for label in labels)


def test_eps_scripts_become_stateful_scenario_steps() -> None:
    script = draw_scripts(EpsWorkflow, 1, seed=0)[0]
    steps = script_exchanges("stateful-eps-000", "eps", script)
    assert [s.operation for s in steps] == [
        "processMessage",
        "releasePrescription",
        "processMessage",
        "processMessage",
        "claim",
    ]
    assert all(s.source == "stateful" and s.scenario == "stateful-eps-000" for s in steps)
