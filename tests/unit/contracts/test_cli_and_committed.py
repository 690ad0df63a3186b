"""The record command's user errors, and the committed contracts as a reader sees them."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.cli import main
from harness.contracts import discover, iter_exchanges, load_noise

ROOT = Path(__file__).resolve().parents[3]


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    with pytest.raises(SystemExit) as done:
        main(argv)
    return int(done.value.code or 0), capsys.readouterr().err


def test_record_needs_exactly_one_target(capsys: pytest.CaptureFixture[str]) -> None:
    code, err = run(["record", "--out", "x"], capsys)
    assert code == 2 and "--target URL, --simulator or --har FILE" in err
    code, err = run(["record", "--simulator", "--target", "http://x"], capsys)
    assert code == 2


def test_a_bad_scenario_file_is_named_with_its_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "scenarios").mkdir()
    (tmp_path / "scenarios" / "s.yaml").write_text("steps:\n  - path: /a\n    methd: GET\n")
    code, err = run(
        ["record", "--target", "http://127.0.0.1:9", "--scenarios", "scenarios"], capsys
    )
    assert code == 2
    assert "scenarios/s.yaml:3" in err and "steps.0.methd" in err


def test_committed_contracts_read_cleanly() -> None:
    root = ROOT / "contracts"
    if not any(root.glob("*/contract.yaml")):
        pytest.skip("no committed contracts in this checkout yet")
    contracts = discover(root)
    assert {c.service for c in contracts} >= {"pds"}
    for contract in contracts:
        assert contract.provenance["command"].startswith("harness record --simulator")
        operations = {e.operation for e in iter_exchanges(contract)}
        assert operations, contract.service
        load_noise(contract)
