"""State across the switch, on the simulators: PDS records registered on legacy before the
switch are read on the candidate after it when the plan migrates them, and the phase rolls back
(saying why) when the plan moves no state; what the candidate registered during the phase is
read on legacy after the rollback."""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

from harness.core.exchange import Response
from harness.scenario import bind_fresh, captured_from, load_scenarios, render
from harness.serving import serve_in_thread
from harness.simulator.app import build_app
from harness.simulator.context import SimulatorConfig
from tests.integration.cutover.support import rehearsal, wait_finished, write_plan

ROOT = Path(__file__).resolve().parents[3]
CHECK = {
    "writes": ["pds.createPatient"],
    "id": "/id",
    "read": {
        "path": "/personal-demographics/FHIR/R4/Patient/{id}",
        "headers": {"X-Request-ID": "5b2f7b8e-2a7c-4d55-9a0e-3c1f0e2d4b6a"},
    },
    "sample": 10,
}
MIGRATE = {"command": ["python", "-m", "harness.simulator.migrate", "{from}", "{to}"]}
ANY_PARITY = {"thresholds": {"*": 0}, "max_errors": 1000}


@contextlib.contextmanager
def simulators() -> Iterator[tuple[str, str, dict[str, Any]]]:
    with (
        serve_in_thread(build_app(SimulatorConfig(population=300))) as legacy,
        serve_in_thread(build_app(SimulatorConfig(population=300, flavour="spine2"))) as candidate,
    ):
        document = httpx.get(f"{legacy.url}/openapi.json", timeout=30).json()
        yield legacy.url, candidate.url, document


@contextlib.contextmanager
def registering(url: str) -> Iterator[list[str]]:
    """A GP system registering new babies through the facade (create, then read) until stopped;
    the NHS numbers it was given."""
    (scenario,) = [
        s for s in load_scenarios(ROOT / "fixtures" / "scenarios") if s.name == "pds-create-patient"
    ]
    numbers: list[str] = []
    stop = threading.Event()

    def run() -> None:
        with httpx.Client(base_url=url, timeout=30) as client:
            while not stop.is_set():
                bindings: dict[str, str] = {}
                for step in scenario.steps:
                    bind_fresh(step.template, bindings)
                    request = render(step.template, bindings)
                    got = client.request(
                        request.method,
                        request.target,
                        headers=dict(request.headers),
                        content=request.body or None,
                    )
                    answer = Response(got.status_code, tuple(got.headers.items()), got.content)
                    bindings.update(captured_from(request, answer, step.captures).captured)
                if "nhs" in bindings:
                    numbers.append(bindings["nhs"])
                stop.wait(0.05)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    try:
        yield numbers
    finally:
        stop.set()
        worker.join(timeout=60)


def rehearsed(plan: Path, tmp_path: Path) -> dict[str, Any]:
    """The plan rehearsed between the simulators while a GP system registers babies."""
    with (
        simulators() as (legacy, candidate, document),
        rehearsal(plan, legacy, candidate, tmp_path / "run", document) as (url, session),
        registering(url) as numbers,
    ):
        wait_finished(session)
    assert numbers
    document: dict[str, Any] = json.loads((tmp_path / "run" / "cutover.json").read_text())
    return document


def phase(state: dict[str, Any], policy: dict[str, Any] | None = None) -> dict[str, Any]:
    entry: dict[str, Any] = {"name": "demographics", "move": {"services": ["pds"]}, "state": state}
    if policy is not None:
        entry["gate"] = {"window_s": 2, "policy": policy}
    return entry


def test_migrated_records_are_read_on_the_candidate_and_back_on_legacy(tmp_path: Path) -> None:
    # the candidate differs (spine2): hold it to a parity it misses, so the phase also rolls back
    plan = write_plan(
        tmp_path,
        [phase({"how": "migrate", "migrate": MIGRATE, "check": CHECK}, {"thresholds": {"*": 100}})],
    )
    run = rehearsed(plan, tmp_path)["phases"][0]
    switch_check, rollback_check = run["state"]["checks"]
    assert switch_check["when"] == "switch" and switch_check["passed"]
    assert switch_check["checked"] >= 1 and switch_check["readable"] == switch_check["checked"]
    assert run["switch"]["migration"]["ok"], run["switch"]["migration"]
    assert "migrated" in run["switch"]["migration"]["detail"]
    assert run["outcome"] == "rolled_back"
    # what the candidate registered while it answered was migrated back, and read on legacy
    assert rollback_check["when"] == "rollback" and rollback_check["passed"]
    assert rollback_check["checked"] >= 1
    assert run["rollback"]["migration"]["ok"]


def test_a_switch_that_moves_no_state_fails_its_check_and_rolls_back(tmp_path: Path) -> None:
    plan = write_plan(tmp_path, [phase({"how": "none", "check": CHECK}, ANY_PARITY)])
    run = rehearsed(plan, tmp_path)["phases"][0]
    (check,) = [c for c in run["state"]["checks"] if c["when"] == "switch"]
    assert not check["passed"] and check["checked"] >= 1
    assert check["unreadable"][0]["status"] == 404 and check["unreadable"][0]["old_status"] == 200
    assert run["outcome"] == "rolled_back"
    assert run["reason"].startswith("state check failed")
    assert run["gate"] is None  # no gate is held once the switch has failed


def test_dual_writes_alone_cannot_move_numbers_the_candidate_allocates(tmp_path: Path) -> None:
    # dual writes alone: the candidate registers its own NHS numbers for the mirrored creates,
    # so records are readable there only under the candidate's numbers; the check (reading the
    # numbers consumers were given) must say so
    plan = write_plan(tmp_path, [phase({"how": "dual_write", "check": CHECK}, ANY_PARITY)])
    run = rehearsed(plan, tmp_path)["phases"][0]
    assert run["switch"]["mirrored"] is True
    (check,) = [c for c in run["state"]["checks"] if c["when"] == "switch"]
    assert not check["passed"]
    assert run["outcome"] == "rolled_back"
    mirrored = json.loads((tmp_path / "run" / "cutover.json").read_text())["mirrors"]["candidate"]
    assert mirrored["correlated"] > 0  # the mirror mapped the candidate's numbers to legacy's
