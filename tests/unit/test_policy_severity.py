"""The optional `severity` mapping of the gate policy (Allure severity per scope)."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.config.policy import load_policy
from harness.core.policy import Policy
from harness.errors import HarnessError


def test_the_most_specific_scope_wins_and_none_when_unset(tmp_path: Path) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text(
        'format_version: 1\nseverity:\n  "*": minor\n  pds: normal\n  pds.getPatient: critical\n'
    )
    policy = load_policy(path)
    assert policy.severity_for("pds", "getPatient") == "critical"
    assert policy.severity_for("pds", "searchPatients") == "normal"
    assert policy.severity_for("eps", "prepare") == "minor"
    assert Policy().severity_for("pds", "getPatient") is None


def test_an_unknown_severity_names_the_file_line_and_scope(tmp_path: Path) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text("format_version: 1\nseverity:\n  pds.getPatient: urgent\n")
    with pytest.raises(HarnessError) as error:
        load_policy(path)
    assert error.value.line == 3
    assert error.value.field == "severity.pds.getPatient"
    assert "blocker, critical, normal, minor, trivial" in str(error.value)
