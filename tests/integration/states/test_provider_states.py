"""Provider states on the simulator: a long-lived PDS target left dirty by a run cut short (the
registration of a fixed patient sent, its PATCH never) fails every later rehearsal of that
scenario (a duplicate registration answers 200, not 201) until the scenario's provider state
(a reset command, then a set-up call) makes each target clean before the conversation. The
state is declared in the scenario file, run on both record targets, written to contract.yaml
(never as an exchange), run on the candidate before each rehearsal's conversation; a set-up
that fails leaves the conversation `not run`, not divergent."""

from __future__ import annotations

import sys
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from tests.cli_support import run
from tests.integration.generation.support import json_lines, simulator
from tests.integration.test_proxy_then_generate import CREATE

pytestmark = pytest.mark.integration
HERE = Path(__file__).resolve().parent
BASE = "/personal-demographics/FHIR/R4"
# the proxy test's registration, under a name of its own
PATIENT = {
    **CREATE,
    "name": [{"use": "usual", "given": ["Quill"], "family": "Strayworth",
              "period": {"start": "2023-05-06"}}],
}  # fmt: skip


def scenario_file(directory: Path, setup_path: str = "{{base}}/Patient") -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    document = {
        "defaults": {"headers": {"X-Request-ID": "{{$uuid}}", "NHSD-Session-URID": "555254242106"}},
        "variables": {"base": BASE},
        "states": [
            {
                "name": "no-quill-strayworth",
                "reset": [sys.executable, str(HERE / "reset_strayworth.py"), "{target}"],
                "setup": [
                    {"name": "no Quill Strayworth left", "path": setup_path,
                     "query": {"family": "Strayworth", "birthdate": "eq2023-05-06"},
                     "expect": 200},
                ],
            }
        ],
        "scenarios": [
            {
                "name": "register-quill-strayworth",
                "steps": [
                    {"name": "register", "method": "POST", "path": "{{base}}/Patient",
                     "json": PATIENT, "capture": {"nhs": "/id"}, "expect": 201},
                    {"name": "read", "path": "{{base}}/Patient/{{nhs}}",
                     "capture": {"etag": "header:etag"}, "expect": 200},
                    {"name": "patch", "method": "PATCH", "path": "{{base}}/Patient/{{nhs}}",
                     "headers": {"If-Match": "{{etag}}",
                                 "Content-Type": "application/json-patch+json"},
                     "json": {"patches": [{"op": "replace", "path": "/gender",
                                           "value": "female"}]},
                     "expect": 200},
                ],
            }
        ],
    }  # fmt: skip
    path = directory / "register.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    return directory


def interrupted_run(url: str) -> None:
    """What a run cut short between the registration and its PATCH leaves behind."""
    headers = {"X-Request-ID": str(uuid.uuid4()), "NHSD-Session-URID": "555254242106"}
    answer = httpx.post(f"{url}{BASE}/Patient", json=PATIENT, headers=headers, timeout=30)
    assert answer.status_code == 201


def record(tmp_path: Path, capsys: pytest.CaptureFixture[str], scenarios: Path) -> Path:
    contracts = tmp_path / "contracts"
    with simulator() as legacy, simulator() as twin:
        interrupted_run(legacy.url)  # the record targets are dirty too: the state cleans them
        interrupted_run(twin.url)
        code, printed = run(
            ["record", "--target", legacy.url, "--twin", twin.url, "--out", str(contracts),
             "--scenarios", str(scenarios)],
            capsys,
        )  # fmt: skip
    assert code == 0, printed
    return contracts


def rehearse(
    capsys: pytest.CaptureFixture[str], contracts: Path, url: str, out: Path, name: str
) -> tuple[int, str, list[dict[str, Any]]]:
    code, printed = run(
        ["rehearse", "--candidate", url, "--contracts", str(contracts), "--out", str(out),
         "--name", name, "--no-progress"],
        capsys,
    )  # fmt: skip
    return code, printed, json_lines(out / name / "results.jsonl")


def without_states(contracts: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "stateless" / "pds"
    copy.mkdir(parents=True)
    for item in (contracts / "pds").iterdir():
        (copy / item.name).write_bytes(item.read_bytes())
    manifest = yaml.safe_load((copy / "contract.yaml").read_text())
    manifest.pop("states")
    (copy / "contract.yaml").write_text(yaml.safe_dump(manifest))
    return copy.parent


def test_a_dirty_long_lived_target_is_made_clean_by_the_scenarios_state(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    contracts = record(tmp_path, capsys, scenario_file(tmp_path / "scenarios"))
    stored = yaml.safe_load((contracts / "pds" / "contract.yaml").read_text())
    [state] = stored["states"]
    assert state["name"] == "no-quill-strayworth"
    assert state["for"] == ["register-quill-strayworth"]
    assert [call["path"] for call in state["setup"]] == [f"{BASE}/Patient"]
    recorded = json_lines(contracts / "pds" / "exchanges.jsonl")
    # the state's calls were sent to both record targets, never recorded
    assert [(e["request"]["method"], e["response"]["status"]) for e in recorded] == [
        ("POST", 201), ("GET", 200), ("PATCH", 200)
    ]  # fmt: skip

    out = tmp_path / "reports"
    with simulator(flavour="spine2") as candidate:
        interrupted_run(candidate.url)  # a long-lived candidate, left dirty by a run cut short
        code, printed, results = rehearse(
            capsys, without_states(contracts, tmp_path), candidate.url, out, "no-state"
        )
        assert code == 1
        assert results[0]["verdict"] == "mismatch"  # a duplicate registration: 200, not 201
        assert results[0]["status"] == {"legacy": 201, "candidate": 200}
        for name in ("clean", "clean-again"):  # and again: each run leaves the target dirty
            code, printed, results = rehearse(capsys, contracts, candidate.url, out, name)
            assert code == 0, printed
            assert [r["verdict"] for r in results] == ["match"] * 3, printed


def test_a_failing_set_up_leaves_the_conversation_not_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    contracts = record(tmp_path, capsys, scenario_file(tmp_path / "scenarios"))
    manifest = contracts / "pds" / "contract.yaml"
    data = yaml.safe_load(manifest.read_text())
    data["states"][0]["setup"][0]["path"] = f"{BASE}/NoSuchThing"
    manifest.write_text(yaml.safe_dump(data, sort_keys=False))
    with simulator() as candidate:
        code, _, results = rehearse(capsys, contracts, candidate.url, tmp_path / "r", "r")
    assert code == 1
    assert [(r["verdict"], r["error_kind"]) for r in results] == [("error", "not_run")] * 3
    assert all(r["differences"] == [] for r in results)
    assert "provider state 'no-quill-strayworth' set-up failed" in results[0]["error"]
    assert "answered 404, expected 200" in results[0]["error"]
    assert "(on candidate)" in results[0]["error"]


def test_a_misspelt_state_field_names_file_line_and_the_nearest_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    contract = tmp_path / "contracts" / "pds"
    contract.mkdir(parents=True)
    (contract / "exchanges.jsonl").write_text("")
    (contract / "contract.yaml").write_text(
        "format_version: 1\nservice: pds\nstates:\n  - name: clean\n    setpu:\n"
        "      - {path: /reset}\n"
    )
    code, printed = run(
        ["rehearse", "--candidate", "http://127.0.0.1:9", "--contracts", str(contract.parent),
         "--out", str(tmp_path / "reports"), "--no-progress"],
        capsys,
    )  # fmt: skip
    assert code == 2, printed
    assert f"{contract / 'contract.yaml'}:5" in printed
    assert "states.0.setpu" in printed and "did you mean 'setup'?" in printed
    assert "Traceback" not in printed
    assert not (tmp_path / "reports").exists()
