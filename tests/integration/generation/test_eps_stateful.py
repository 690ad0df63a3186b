"""EPS life-cycle workflows (legal and illegal transitions) in rehearsals, live to live.

Real servers on ephemeral ports (population 500): an EPS contract recorded from two fresh
legacy instances with the EPS scenarios, then stateful generation only (`--generate 0
--stateful`: a few scripts), against plain spine2 and against a spine2 drifted on an
illegal transition.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.generation.options import GenerationOptions
from tests.integration.generation.support import (
    copy_contract,
    json_lines,
    record_contract,
    rehearse_live,
    simulator,
)

ILLEGAL_CLAIM_DRIFT = """
format_version: 1
drift:
  - id: illegal-claim-conflict
    operation: claim
    effect: {kind: status, from: 400, to: 409}
"""
RELEASE_FIELD_DRIFT = """
format_version: 1
drift:
  - id: release-total-dropped
    operation: releasePrescription
    effect: {kind: drop, path: /parameter/0/resource/total}
"""


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The EPS contract recorded from two fresh legacy instances (the EPS scenarios)."""
    return record_contract(
        tmp_path_factory.mktemp("eps-recorded"), ["eps-prescriptions.yaml"], "eps"
    )


@pytest.fixture()
def contracts(recorded: Path, tmp_path: Path) -> Path:
    return copy_contract(recorded, tmp_path)


@pytest.fixture()
def legacy() -> Iterator[str]:
    """A fresh legacy per test: the recorded scenarios use fixed prescription ids."""
    with simulator() as server:
        yield server.url


def test_eps_life_cycle_against_plain_spine2_finds_no_divergence(
    contracts: Path, legacy: str, tmp_path: Path
) -> None:
    with simulator(flavour="spine2") as candidate:
        options = GenerationOptions(0, seed=2, stateful=True)
        outcome, results = rehearse_live(contracts, candidate.url, legacy, tmp_path, options)
    stateful = [r for r in results if r["source"] == "stateful"]
    assert len({r["scenario"] for r in stateful}) == 3
    statuses = {r["status"]["legacy"] for r in stateful}
    assert {200, 400} <= statuses  # legal and illegal transitions both exercised
    operations = {r["operation"] for r in stateful}
    assert {"processMessage", "releasePrescription", "claim"} <= operations
    problems = [
        (r["id"], r["differences"], r["error"]) for r in stateful if r["verdict"] != "match"
    ]
    assert problems == []
    assert not (contracts / "regressions").exists()
    report = json.loads((outcome.report_dir / "generation.json").read_text())
    assert report["divergences"] == []


def test_illegal_transition_drift_shrinks_to_the_shortest_sequence(
    contracts: Path, legacy: str, tmp_path: Path
) -> None:
    drift = tmp_path / "drift.yaml"
    drift.write_text(ILLEGAL_CLAIM_DRIFT)
    with simulator(flavour="spine2", drift_file=drift) as candidate:
        options = GenerationOptions(0, seed=0, stateful=True)  # claims before dispense
        _, results = rehearse_live(contracts, candidate.url, legacy, tmp_path / "r", options)
        stateful = [r for r in results if r["source"] == "stateful"]
        diverging = [r for r in stateful if r["verdict"] == "mismatch"]
        assert diverging, "the illegal-claim drift was not found"
        assert {r["operation"] for r in diverging} == {"claim"}
        files = sorted((contracts / "regressions").glob("*.jsonl"))
        scripts = [lines for lines in map(json_lines, files) if len(lines) > 1]
        assert len(scripts) == 1
        (steps,) = scripts
        assert [s["operation"] for s in steps] == ["processMessage", "claim"]
        assert "$prescription_id as rx" in steps[0]["meta"]["template"]["body"]
        assert {d["path"] for d in steps[0]["meta"]["divergence"]} >= {"status"}

        # A plain rehearsal (no generation) replays it, with a fresh prescription id.
        _, replayed = rehearse_live(contracts, candidate.url, legacy, tmp_path / "plain", None)
    again = [r for r in replayed if r["scenario"] == steps[0]["scenario"]]
    assert [(r["source"], r["verdict"]) for r in again] == [
        ("regression", "match"),
        ("regression", "mismatch"),
    ]
    assert again[1]["status"] == {"legacy": 400, "candidate": 409}


def test_a_field_dropped_from_the_release_answer_shrinks_to_create_and_release(
    contracts: Path, legacy: str, tmp_path: Path
) -> None:
    drift = tmp_path / "drift.yaml"
    drift.write_text(RELEASE_FIELD_DRIFT)
    with simulator(flavour="spine2", drift_file=drift) as candidate:
        options = GenerationOptions(0, seed=1, stateful=True)
        outcome, results = rehearse_live(contracts, candidate.url, legacy, tmp_path / "r", options)
    diverging = [r for r in results if r["source"] == "stateful" and r["verdict"] == "mismatch"]
    assert {r["operation"] for r in diverging} == {"releasePrescription"}
    report = json.loads((outcome.report_dir / "generation.json").read_text())
    (divergence,) = [d for d in report["divergences"] if d["found_by"].startswith("stateful-")]
    assert divergence["paths"] == ["/parameter/*/resource/total"]
    assert [step["label"] for step in divergence["minimal"]] == [
        "create rx0",
        "release rx0 to FA565",
    ]
