"""What people mistype is refused (policy names, fractions for percentages) or warned about (noise
rules for unknown operations, an emptied noise model), naming the file, the line and the name."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.config.names import KnownNames, check_policy_names, noise_warnings
from harness.config.policy import load_policy
from harness.config.settings import load_settings
from harness.contracts import discover
from harness.errors import HarnessError

OPENAPI = {
    "openapi": "3.0.3",
    "info": {"title": "pds", "version": "1"},
    "paths": {
        "/Patient/{id}": {"get": {"operationId": "getPatient", "tags": ["pds"]}},
        "/Patient": {"get": {"operationId": "searchPatients", "tags": ["pds"]}},
    },
}


def contracts_dir(tmp_path: Path, noise: str | None = None, learned: str = "twin") -> Path:
    root = tmp_path / "contracts"
    pds = root / "pds"
    pds.mkdir(parents=True)
    (pds / "contract.yaml").write_text(
        f"format_version: 1\nservice: pds\nprovenance:\n  noise: {learned}\n"
        "summary:\n  exchanges: 1\n  operations:\n    getRelatedPersons: 1\n"
    )
    (pds / "openapi.json").write_text(json.dumps(OPENAPI))
    (pds / "exchanges.jsonl").write_text("")
    if noise is not None:
        (pds / "noise.yaml").write_text(noise)
    return root


def policy(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "policy.yaml"
    path.write_text("format_version: 1\n" + text)
    return path


@pytest.mark.parametrize(
    ("text", "line", "name", "nearest"),
    [
        ("thresholds:\n  '*': 100\n  pds.getPatinet: 100\n", 4, "pds.getPatinet", "getPatient"),
        ("thresholds:\n  pdss: 99\n", 3, "pdss", "pds"),
        ("severity:\n  pds.searchPatient: critical\n", 3, "pds.searchPatient", "searchPatients"),
        ("latency:\n  pds.getPatint: {max_shift_ms: 5}\n", 3, "pds.getPatint", "getPatient"),
        (
            "waivers:\n  - id: W\n    operation: pds.getPatinet\n    path: /x\n    owner: o\n"
            "    reason: r\n    expires: 2099-01-01\n",
            4,
            "pds.getPatinet",
            "getPatient",
        ),
        (
            "waivers:\n  - id: W\n    operation: sds.*\n    path: /x\n    owner: o\n"
            "    reason: r\n    expires: 2099-01-01\n",
            4,
            "sds.*",
            None,
        ),
    ],
)
def test_a_policy_naming_what_the_rehearsal_lacks_is_refused_with_the_nearest_name(
    tmp_path: Path, text: str, line: int, name: str, nearest: str | None
) -> None:
    known = KnownNames.of(discover(contracts_dir(tmp_path)))
    loaded = load_policy(policy(tmp_path, text))
    with pytest.raises(HarnessError) as raised:
        check_policy_names(loaded, known)
    error = raised.value
    assert (error.file, error.line) == (str(tmp_path / "policy.yaml"), line)
    assert repr(name) in error.message
    if nearest:
        assert "did you mean" in error.message and nearest in error.message


def test_names_the_rehearsal_has_pass_including_globs_and_recorded_operations(
    tmp_path: Path,
) -> None:
    known = KnownNames.of(discover(contracts_dir(tmp_path)))
    loaded = load_policy(
        policy(
            tmp_path,
            "thresholds:\n  pds: 99\n  pds.getPatient: 100\n  pds.getRelatedPersons: 100\n"
            "waivers:\n  - id: W\n    operation: pds.*\n    path: /x\n    owner: o\n"
            "    reason: r\n    expires: 2099-01-01\n  - id: V\n    operation: search*\n"
            "    path: /x\n    owner: o\n    reason: r\n    expires: 2099-01-01\n",
        )
    )
    check_policy_names(loaded, known)


@pytest.mark.parametrize("value", ["0.995", "1", "0.5"])
def test_a_fraction_where_a_percentage_is_meant_is_refused(tmp_path: Path, value: str) -> None:
    with pytest.raises(HarnessError) as raised:
        load_policy(policy(tmp_path, f"thresholds:\n  pds: {value}\n"))
    assert raised.value.line == 3 and "looks like a fraction" in raised.value.message
    assert f"write {float(value) * 100:g}" in raised.value.message


def test_percent_strings_say_what_they_mean(tmp_path: Path) -> None:
    loaded = load_policy(policy(tmp_path, "thresholds:\n  pds: '0.5%'\n  '*': '99.5%'\n"))
    assert {t.scope: t.min_parity for t in loaded.thresholds} == {"pds": 0.5, "*": 99.5}
    with pytest.raises(HarnessError, match=r"percentage 0\.\.100"):
        load_policy(policy(tmp_path, "thresholds:\n  pds: '120%'\n"))


def test_noise_rules_for_unknown_operations_and_an_emptied_model_are_warned(
    tmp_path: Path,
) -> None:
    noise = (
        "format_version: 1\nservice: pds\noperations:\n  getPatient:\n"
        "    - {path: /meta, kind: ignore}\n  getPatinet:\n    - {path: /id, kind: ignore}\n"
    )
    warnings = noise_warnings(discover(contracts_dir(tmp_path, noise)))
    assert len(warnings) == 1
    assert "noise.yaml:6" in warnings[0] and "'getPatinet'" in warnings[0]
    assert "did you mean 'getPatient'" in warnings[0]

    emptied = noise_warnings(discover(contracts_dir(tmp_path / "b", "")))
    assert len(emptied) == 1 and "noise.yaml:1" in emptied[0] and "empty" in emptied[0]
    # A contract recorded without learning noise has nothing to miss.
    assert noise_warnings(discover(contracts_dir(tmp_path / "c", "", "not learned"))) == []


@pytest.mark.parametrize(
    ("text", "line", "field"),
    [
        ('candidate = "x"\n\nconcurrency = 0\n', 3, "concurrency"),
        ('seed = 1\n[profiles.ci]\n# a comment\ntimeout = "soon"\n', 4, "profiles.ci.timeout"),
        ("[redact]\nheaders = 3\n", 2, "redact.headers"),
        ('candidate = "x"\ncandidat = "y"\n', 2, "candidat"),
    ],
)
def test_harness_toml_errors_name_the_line(
    tmp_path: Path, text: str, line: int, field: str
) -> None:
    (tmp_path / "harness.toml").write_text(text)
    with pytest.raises(HarnessError) as raised:
        load_settings({}, start=tmp_path, environ={}, profile="ci")
    assert (raised.value.line, raised.value.field) == (line, field)


def test_pyproject_errors_name_the_line_in_the_tool_harness_table(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\n\n[tool.harness]\ncandidate = "x"\nconcurrency = "many"\n'
    )
    with pytest.raises(HarnessError) as raised:
        load_settings({}, start=tmp_path, environ={})
    assert raised.value.line == 6
    (tmp_path / "pyproject.toml").write_text('[tool.harness]\ncandidate = "x\n')
    with pytest.raises(HarnessError) as broken:
        load_settings({}, start=tmp_path, environ={})
    assert broken.value.line == 2
