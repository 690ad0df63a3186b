"""Time with a tolerance, end to end: the committed contracts replayed (against their days-old
recordings, and against a live legacy) on a spine2 candidate whose noisy timestamps are moved.

Two days off is found in every operation whose timestamps the noise model covers; two seconds
of skew is found nowhere. Both the recorded and the live comparisons run through the simulators
over real sockets (`harness demo` with a drift profile written here)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from tests.cli_support import run
from tests.integration.test_demo import recorded  # noqa: F401  (the module's fixture)

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]
TWO_DAYS = 2 * 24 * 3600.0
# The SOAP endpoint's own operation (requests naming no known SOAP action): drift names actions.
NOT_DRIFTABLE = {"smspPds"}


def timestamp_rules(contracts: Path) -> dict[str, list[str]]:
    """Operation -> the paths its noise model calls timestamps."""
    found: dict[str, list[str]] = {}
    for noise in sorted(contracts.glob("*/noise.yaml")):
        data = yaml.safe_load(noise.read_text()) or {}
        for operation, rules in (data.get("operations") or {}).items():
            for rule in rules or []:
                if operation in NOT_DRIFTABLE:
                    continue
                body = str(rule.get("path", "")).startswith("/")  # not a later message's rule
                if rule.get("kind") == "timestamp" and rule.get("enabled", True) and body:
                    found.setdefault(str(operation), []).append(str(rule["path"]))
    return found


def shifted_profile(path: Path, rules: dict[str, list[str]], seconds: float) -> Path:
    entries = [
        {
            "id": f"shift-{index}",
            "operation": operation,
            "effect": {"kind": "shift_times", "seconds": seconds, "path": rule},
        }
        for index, (operation, rule) in enumerate(
            (operation, rule) for operation, paths in sorted(rules.items()) for rule in paths
        )
    ]
    path.write_text(yaml.safe_dump({"format_version": 1, "drift": entries}))
    return path


def demo_results(
    capsys: pytest.CaptureFixture[str], contracts: Path, out: Path, drift: Path, *flags: str
) -> list[dict[str, object]]:
    code, output = run(
        [
            "demo",
            "--contracts",
            str(contracts),
            "--drift",
            str(drift),
            "--policy",
            str(out / "no-policy.yaml"),
            "--out",
            str(out),
            *flags,
        ],
        capsys,
    )
    assert code == 0, output
    [report] = [p for p in out.iterdir() if p.name.startswith("demo-")]
    lines = (report / "results.jsonl").read_bytes().splitlines()
    return [json.loads(line) for line in lines if line]


@pytest.mark.parametrize("mode", [(), ("--replay-only",)], ids=["live-legacy", "recordings"])
@pytest.mark.parametrize("seconds", [TWO_DAYS, 2.0], ids=["two-days-off", "two-seconds-skew"])
def test_days_off_are_found_in_every_operation_with_noisy_timestamps_and_skew_nowhere(
    recorded: Path,  # noqa: F811
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    mode: tuple[str, ...],
    seconds: float,
) -> None:
    monkeypatch.chdir(ROOT)
    rules = timestamp_rules(recorded)
    drift = shifted_profile(tmp_path / "shifted.yaml", rules, seconds)
    results = demo_results(capsys, recorded, tmp_path, drift, *mode)
    assert results
    if seconds < 120:  # clock skew: no difference anywhere
        assert [(r["id"], r["differences"]) for r in results if r["verdict"] != "match"] == []
        return
    seen = {str(r["operation"]) for r in results if r["verdict"] != "error"}
    flagged = {str(r["operation"]) for r in results if r["differences"]}
    expected = {operation for operation in rules if operation in seen}
    assert expected and expected <= flagged, sorted(expected - flagged)
