"""schemathesis, a client this project did not write, holds the simulator's /openapi.json to
its behaviour on both flavours: its request-validation checks (a schema-valid request is
accepted, a schema-violating one refused, a missing required header refused, an undeclared
method refused) find nothing, and no answer is a 5xx.

The rules of the NHS specifications that OpenAPI 3.0 cannot state are declared, with their
reasons, in `simulator_schemathesis.toml`; the `nhs-number` format is drawn by
`simulator_hooks.py`. The schemathesis command line runs in a child process, as a user runs it.
It covers the PDS (FHIR and SOAP), SDS and EPS services (their tags); the messaging services
(MESH, MHS) have tests of their own.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from harness.serving import spawn_harness_server

pytestmark = pytest.mark.integration
HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
CHECKS = (
    "not_a_server_error,positive_data_acceptance,negative_data_rejection,"
    "missing_required_header,unsupported_method"
)


@pytest.mark.parametrize("flavour", ["legacy", "spine2"])
def test_request_validation_checks_find_nothing(flavour: str, tmp_path: Path) -> None:
    simulator = ["simulate", "--population", "500", "--flavour", flavour]
    with spawn_harness_server(simulator) as server:
        done = subprocess.run(
            [
                *(sys.executable, "-m", "schemathesis.cli"),
                *("--config-file", str(HERE / "simulator_schemathesis.toml"), "--no-color"),
                *("run", f"{server.url}/openapi.json", "--checks", CHECKS),
                *("--phases", "examples,coverage,fuzzing", "--max-examples", "25"),
                *("--seed", "1", "--request-timeout", "60"),
                *("--include-tag", "pds", "--include-tag", "sds", "--include-tag", "eps"),
            ],
            cwd=tmp_path,  # schemathesis keeps its cache in the working directory
            env={
                **os.environ,
                "SCHEMATHESIS_HOOKS": "tests.integration.simulator_hooks",
                "PYTHONPATH": str(ROOT),
            },
            capture_output=True,
            text=True,
            timeout=900,
        )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-6000:]
    assert "Tested: 15" in output and " failures" not in output.splitlines()[-1], output[-3000:]
