"""Shared setup for the generated-traffic rehearsal tests: real simulators, recorded contracts."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

from rich.console import Console

from harness.generation.options import GenerationOptions
from harness.rehearsal.session import RehearsalOutcome, RehearsalRequest, rehearse
from harness.serving import ThreadServer, serve_in_thread
from harness.simulator.app import build_app
from harness.simulator.context import SimulatorConfig

ROOT = Path(__file__).resolve().parents[3]
POPULATION = 500


def simulator(**config: Any) -> AbstractContextManager[ThreadServer]:
    """A simulator on an ephemeral loopback port (legacy unless `flavour=` says otherwise)."""
    return serve_in_thread(build_app(SimulatorConfig(population=POPULATION, **config)))


def record_contract(base: Path, scenario_files: Iterable[str], service: str) -> Path:
    """The service's contract recorded from two fresh legacy instances with these scenarios."""
    from harness.record.session import RecordRequest, run_record

    scenarios = base / "scenarios"
    scenarios.mkdir()
    for name in scenario_files:
        shutil.copy(ROOT / "fixtures" / "scenarios" / name, scenarios / name)
    with simulator() as first, simulator() as twin:
        request = RecordRequest(
            out=base / "contracts",
            command="test",
            target=first.url,
            twin=twin.url,
            scenarios=scenarios,
        )
        assert run_record(request, echo=lambda line: None)
    return base / "contracts" / service


def copy_contract(recorded: Path, tmp_path: Path) -> Path:
    """A per-test copy, so regressions written by one test never reach another."""
    copy = tmp_path / "contracts" / recorded.name
    shutil.copytree(recorded, copy)
    return copy


GENEROUS_TIMEOUT_S = 120.0


def rehearse_live(
    contracts: Path, candidate: str, legacy: str, out: Path, generation: GenerationOptions | None
) -> tuple[RehearsalOutcome, list[dict[str, Any]]]:
    outcome = rehearse(
        RehearsalRequest(
            candidate=candidate,
            legacy=legacy,
            contracts=contracts,
            name="run",
            out=out,
            progress=False,
            generation=generation,
            write_reports=False,
            timeout=GENEROUS_TIMEOUT_S,  # a busy machine is slow, never wrong
        ),
        Console(quiet=True),
    )
    return outcome, json_lines(outcome.report_dir / "results.jsonl")


def json_lines(path: Path) -> list[dict[str, Any]]:
    """JSON lines (split on newlines only: bodies may hold other line separators)."""
    return [json.loads(line) for line in path.read_bytes().split(b"\n") if line.strip()]
