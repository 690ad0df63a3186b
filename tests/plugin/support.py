"""Small contracts written with `harness.contracts.write_contract`, for the plugin's pytester runs.

Two services over the `things` app of tests/integration/rehearsal_support.py: `things`
(getThing x6, a 404, and a create-then-read scenario) and `widgets` (the same reads, as getWidget).
The candidate app renames thing 3 (`THING-3`): one mismatch, at `/name`.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from harness.contracts import write_contract
from harness.contracts.noisefile import NoiseEntry
from tests.integration.rehearsal_support import scenario_exchanges, thing_exchanges

READS = 6
DRIFTED = 3  # the candidate answers THING-3 for thing 3


def write_plugin_contracts(root: Path) -> Path:
    things = [*thing_exchanges(READS, with_scenario=False)]
    things += scenario_exchanges("create-then-read", first_id=1000)
    widgets = [
        replace(exchange, id=f"w-{number:04d}", service="widgets", operation="getWidget")
        for number, exchange in enumerate(thing_exchanges(2, with_scenario=False)[:2])
    ]
    provenance = {"target": "http://legacy.test", "seed": 0, "command": "tests/plugin"}
    shared = [NoiseEntry("*", "header:x-request-id", "ignore", comment="per call")]
    write_contract(
        root / "things",
        service="things",
        openapi={"openapi": "3.0.3", "paths": {}},
        exchanges=things,
        noise=[*shared, NoiseEntry("getThing", "/stamp", "uuid", comment="fresh per call")],
        provenance=provenance,
    )
    write_contract(
        root / "widgets",
        service="widgets",
        openapi={"openapi": "3.0.3", "paths": {}},
        exchanges=widgets,
        noise=[*shared, NoiseEntry("getWidget", "/stamp", "uuid", comment="fresh per call")],
        provenance=provenance,
    )
    return root


def write_policy(path: Path, *, expires: str = "2099-12-31", severity: str = "critical") -> Path:
    path.write_text(
        f"""\
format_version: 1
waivers:
  - id: W-NAME
    operation: things.getThing
    path: /name
    candidate: {{regex: "^THING-"}}
    owner: assurance@example.nhs.uk
    reason: spine2 upper-cases thing names (ticket T-42)
    expires: {expires}
severity:
  "*": minor
  things.getThing: {severity}
"""
    )
    return path
