"""Triage by root cause: status subsumes, paths that always differ together are one signature,
scenario cascades fold into their cause, the smallest exchange is the example, severity from
the policy (path rules first)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from harness.config.policy import load_policy
from harness.core.triage import clusters_of


def result(
    identifier: str,
    operation: str,
    *differences: tuple[str, str],
    scenario: str | None = None,
    step: int | None = None,
    path: str = "/x",
    verdict: str = "mismatch",
    waiver: str | None = None,
) -> dict[str, Any]:
    return {
        "id": identifier,
        "service": "pds",
        "operation": operation,
        "scenario": scenario,
        "step": step,
        "request": {"method": "GET", "path": path, "query": [], "body": None},
        "verdict": verdict,
        "differences": [
            {
                "path": p,
                "kind": k,
                "legacy": 200 if k == "status" else "a",
                "candidate": 503 if k == "status" else "b",
                "waiver": waiver,
            }
            for p, k in differences
        ],
        "reproducer": f"curl {identifier}",
    }


def test_a_status_change_is_one_cluster_whatever_its_body_says() -> None:
    results = [
        result(
            f"e{n}",
            "processMessage",
            ("status", "status"),
            (f"/issue/{n}/code", "changed"),
            ("/meta", "missing"),
        )
        for n in range(10)
    ]
    (cluster,) = clusters_of(results)
    assert cluster.kind == "status" and cluster.exchanges == 10
    assert cluster.signature == ("pds.processMessage status -> 503",)


def test_paths_that_always_differ_together_are_one_signature() -> None:
    results = [
        result("a", "getPatient", ("/meta/versionId", "changed"), ("header:etag", "header")),
        result("b", "getPatient", ("/meta/versionId", "changed"), ("header:etag", "header")),
        result("c", "getPatient", ("/birthDate", "changed")),
        result("d", "getPatient", ("/birthDate", "changed"), ("/address", "extra")),
        result("e", "getPatient"),  # a match: nothing
    ]
    clusters = {c.signature: c for c in clusters_of(results)}
    assert set(clusters) == {
        ("pds.getPatient /meta/versionId changed", "pds.getPatient header:etag header"),
        ("pds.getPatient /birthDate changed",),
        ("pds.getPatient /address extra",),
    }
    assert clusters[("pds.getPatient /birthDate changed",)].exchanges == 2


def test_a_scenarios_cascade_folds_into_the_step_that_caused_it() -> None:
    results = [
        result("s/0", "createPatient", scenario="s", step=0),
        result("s/1", "updatePatient", ("/meta/versionId", "changed"), scenario="s", step=1),
        result("s/2", "updatePatient", ("status", "status"), scenario="s", step=2),
        result("s/3", "getPatient", ("/meta/versionId", "changed"), scenario="s", step=3),
        # the same kind of step failing on its own elsewhere is its own cause
        result("t/0", "getPatient", ("/gender", "changed"), scenario="t", step=0),
    ]
    clusters = clusters_of(results)
    by_operation = {c.operations: c for c in clusters}
    cause = by_operation[("pds.getPatient", "pds.updatePatient")]
    assert cause.signature == ("pds.updatePatient /meta/versionId changed",)
    assert (cause.exchanges, cause.cascaded) == (3, 2)
    assert by_operation[("pds.getPatient",)].signature == ("pds.getPatient /gender changed",)


def test_the_example_is_the_smallest_exchange_and_errors_cluster_by_kind() -> None:
    results = [
        result("long", "searchPatients", ("/entry/1", "missing"), path="/Patient?" + "x" * 80),
        result("short", "searchPatients", ("/entry/1", "missing"), path="/Patient"),
        {**result("down", "getPatient", verdict="error"), "error_kind": "connection"},
    ]
    clusters = {c.kind: c for c in clusters_of(results)}
    assert clusters["missing"].example["id"] == "short"
    assert clusters["missing"].reproducer == "curl short"
    assert clusters["error"].signature == ("pds.getPatient error connection",)


def test_severity_comes_from_the_policy_path_rules_first(tmp_path: Path) -> None:
    policy_file = tmp_path / "policy.yaml"
    policy_file.write_text(
        "format_version: 1\nseverity:\n  '*': minor\n  pds.getPatient: critical\n"
        "  'pds.getPatient /address/**': blocker\n"
    )
    policy = load_policy(policy_file)
    assert policy.severity_at("pds", "getPatient", "/address/0/line") == "blocker"
    assert policy.severity_at("pds", "getPatient", "/birthDate") == "critical"
    assert policy.severity_at("pds", "searchPatients", "/entry") == "minor"
    results = [
        result("a", "searchPatients", ("/entry/1", "missing")),
        result("b", "getPatient", ("/birthDate", "changed")),
        result("c", "getPatient", ("/address", "extra")),
        result("w", "getPatient", ("/name", "changed"), waiver="W-1"),
    ]
    ordered = clusters_of(results, lambda s, o, p: policy.severity_at(s, o, p) or "normal")
    assert [(c.severity, c.waived) for c in ordered] == [
        ("blocker", False),
        ("critical", False),
        ("critical", True),
        ("minor", False),
    ]
