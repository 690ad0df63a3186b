"""The pure summary: counts, parity, divergence groups, latency sketch, changes between runs."""

from __future__ import annotations

import math
import random

import pytest

from harness.core.latency import EXACT_LIMIT, LatencySketch
from harness.core.summary import (
    MAX_DIVERGENCE_GROUPS,
    SummaryBuilder,
    changes_between,
    clip_value,
    parity,
)
from tests.reports_factory import LATENCY_FIELDS, result


def test_counts_and_parity_per_service_and_operation() -> None:
    results = [
        result(1, "pds", "getPatient"),
        result(2, "pds", "getPatient", "mismatch", [{"path": "/id", "kind": "changed"}]),
        result(3, "pds", "getPatient", "waived", [{"path": "/x", "waiver": "W1"}]),
        result(4, "pds", "searchPatients", "error", error="boom\nstack"),
        result(5, "sds", "searchDevices"),
    ]
    summary = SummaryBuilder().add_all(results).to_dict()
    assert summary["totals"] == {
        "exchanges": 5,
        "match": 2,
        "mismatch": 1,
        "waived": 1,
        "error": 1,
        "parity": 60.0,
    }
    services = {s["service"]: s for s in summary["services"]}
    assert services["pds"]["parity"] == 50.0
    assert services["sds"]["parity"] == 100.0
    operations = {o["operation"]: o for o in summary["operations"]}
    assert operations["getPatient"]["parity"] == pytest.approx(66.667)
    assert operations["searchPatients"]["error"] == 1
    assert summary["errors"][0]["message"] == "boom"
    assert summary["errors"][0]["example"]["id"] == "pds-searchPatients-00004"


def test_divergences_grouped_with_the_first_example_and_waived_counted() -> None:
    diff = {"path": "/name/0/given", "kind": "changed", "legacy": "A", "candidate": "B"}
    results = [
        result(n, "pds", "getPatient", "mismatch", [diff, diff | {"legacy": f"other {n}"}])
        for n in range(5)
    ] + [result(9, "pds", "getPatient", "waived", [diff | {"waiver": "W-1"}])]
    groups = SummaryBuilder().add_all(results).to_dict()["divergences"]
    assert len(groups) == 1
    group = groups[0]
    # the same path twice in one exchange counts once; the example is the first one seen
    assert (group["exchanges"], group["waived"]) == (6, 1)
    assert group["example"]["id"] == "pds-getPatient-00000"
    assert (group["example"]["legacy"], group["example"]["candidate"]) == ("A", "B")
    assert group["example"]["reproducer"].endswith("--only pds-getPatient-00000")
    assert group["example"]["request"].startswith("GET /personal-demographics/FHIR/R4/Patient/")


def test_list_indices_share_one_group_and_the_example_keeps_its_path() -> None:
    results = [
        result(n, "pds", "searchPatients", "mismatch", [{"path": f"/entry/{n}/resource/id"}])
        for n in range(4)
    ] + [result(9, "smsp", "getNHSNumber", "mismatch", [{"path": "/Envelope/Body/id[2]/@root"}])]
    groups = SummaryBuilder().add_all(results).to_dict()["divergences"]
    assert [(g["path"], g["exchanges"]) for g in groups] == [
        ("/Envelope/Body/id[*]/@root", 1),
        ("/entry/*/resource/id", 4),
    ]
    assert groups[1]["example"]["path"] == "/entry/0/resource/id"


def test_divergence_groups_are_bounded() -> None:
    builder = SummaryBuilder()
    for n in range(MAX_DIVERGENCE_GROUPS + 10):
        builder.add(result(n, "pds", "getPatient", "mismatch", [{"path": f"/field{n}"}]))
    summary = builder.to_dict()
    assert len(summary["divergences"]) == MAX_DIVERGENCE_GROUPS
    assert summary["divergence_groups_dropped"] == 10
    assert summary["totals"]["mismatch"] == MAX_DIVERGENCE_GROUPS + 10


def test_big_values_are_clipped_for_the_example() -> None:
    assert clip_value("x" * 10, limit=5) == "xxxxx …[clipped]"
    clipped = clip_value({"a": "y" * 100}, limit=20)
    assert isinstance(clipped, str) and clipped.endswith("[clipped]")
    assert clip_value({"a": 1}) == {"a": 1}


def test_parity_of_nothing_is_unknown() -> None:
    assert parity({}) is None
    assert SummaryBuilder().to_dict()["totals"]["parity"] is None


def test_changes_between_rehearsals_keyed_by_operation_path_kind() -> None:
    def summary(*keys: tuple[str, str, str], waived: int = 0) -> dict[str, object]:
        return {
            "divergences": [
                {"operation": o, "path": p, "kind": k, "exchanges": 2, "waived": waived}
                for o, p, k in keys
            ]
        }

    a, b, c = ("getPatient", "/a", "changed"), ("getPatient", "/b", "missing"), ("x", "/c", "extra")
    changes = changes_between(summary(a, b), summary(b, c))
    assert changes.new == (c,)
    assert changes.fixed == (a,)
    assert changes.still_failing == (b,)
    # fully waived divergences are not failing: they count as fixed
    assert changes_between(summary(a), summary(a, waived=2)).fixed == (a,)


def test_latency_sketch_is_exact_for_small_samples() -> None:
    sketch = LatencySketch()
    for value in [5.0, 1.0, 3.0, 2.0, 4.0]:
        sketch.add(value)
    figures = sketch.to_dict()
    assert figures["p50"] == 3.0
    assert figures["p25"] == 2.0
    assert figures["p95"] == pytest.approx(4.8)
    assert (figures["min"], figures["max"], figures["mean"]) == (1.0, 5.0, 3.0)
    assert figures["approximate"] is False
    assert LatencySketch().to_dict() == {"count": 0}


def test_latency_sketch_stays_within_one_percent_in_bounded_memory() -> None:
    rng = random.Random(7)
    values = [rng.lognormvariate(2.5, 0.8) for _ in range(50_000)]
    sketch = LatencySketch()
    for value in values:
        sketch.add(value)
    ordered = sorted(values)
    assert sketch.approximate
    for q in (0.05, 0.5, 0.95, 0.99):
        true = ordered[math.ceil(q * (len(ordered) - 1))]
        assert sketch.quantile(q) == pytest.approx(true, rel=0.01)
    # memory: buckets of 1% over the observed range, not one entry per value
    assert len(sketch._buckets) < 2_000
    assert sketch.count == len(values) > EXACT_LIMIT


def test_operations_carry_the_latency_verdict_with_its_evidence() -> None:
    """operations[].latency beside latency_ms; the rehearsal's first 32 results are warm-up."""
    rng = random.Random(4)
    warmup = [result(n, "eps", "claim", latency=(500.0, 5.0)) for n in range(32)]
    timings = []
    for n in range(60):
        legacy = rng.lognormvariate(math.log(20.0), 0.2)
        timings.append(result(n, "eps", "releasePrescription", latency=(legacy, legacy + 40.0)))
        timings.append(result(n, "eps", "prepare", latency=(legacy, legacy * 1.02)))
    timings += [result(n, "pds", "getPatient", latency=(10.0, None)) for n in range(12)]
    summary = SummaryBuilder().add_all(warmup + timings).to_dict()
    assert summary["latency_criteria"] == {
        "alpha": 0.05,
        "confidence": 0.95,
        "min_samples": 10,
        "min_shift_ms": 5.0,
        "min_shift_relative": 0.1,
        "warmup_results": 32,
    }
    operations = {o["operation"]: o for o in summary["operations"]}
    release = operations["releasePrescription"]["latency"]
    assert release["verdict"] == "slower"
    assert set(release) == LATENCY_FIELDS
    assert release["ci_ms"][0] <= release["shift_ms"] == pytest.approx(40.0, abs=0.01)
    assert release["p"] <= release["q"] < 0.05 and release["floor_ms"] == 5.0
    assert (release["n_legacy"], release["n_candidate"], release["sampled_legacy"]) == (60, 60, 60)
    assert operations["releasePrescription"]["latency_ms"]["legacy"]["count"] == 60  # kept
    assert operations["prepare"]["latency"]["verdict"] == "same"
    claim = operations["claim"]  # every timing in the warm-up: no verdict, sketches still fed
    assert claim["latency"] == {
        "verdict": "insufficient",
        "shift_ms": None,
        "ci_ms": None,
        "p": None,
        "q": None,
        "floor_ms": None,
        "n_legacy": 0,
        "n_candidate": 0,
        "sampled_legacy": 0,
        "sampled_candidate": 0,
    }
    assert claim["latency_ms"]["legacy"]["count"] == 32
    patient = operations["getPatient"]["latency"]  # the candidate never answered
    assert (patient["verdict"], patient["n_legacy"], patient["n_candidate"]) == (
        "insufficient",
        12,
        0,
    )


def _with_later(n: int, legacy_ms: float, candidate_ms: float) -> dict[str, object]:
    line = result(n, "mhs", "send")
    line["later"] = {
        side: [{"kind": "acknowledgement", "after_ms": ms + (n % 7)}]
        for side, ms in (("legacy", legacy_ms), ("candidate", candidate_ms))
    }
    return line


@pytest.mark.parametrize(
    ("candidate_ms", "verdict"),
    [(45.0, "same"), (120.0, "slower")],
    ids=["a queue's offset (+50%) is not a verdict", "2.7 times as long is slower"],
)
def test_later_messages_are_judged_past_the_warm_up_with_a_wider_floor(
    candidate_ms: float, verdict: str
) -> None:
    warm_up = [_with_later(n, 30.0, 900.0) for n in range(32)]  # first connections, never judged
    judged = [_with_later(n, 30.0, candidate_ms) for n in range(32, 132)]
    summary = SummaryBuilder().add_all(warm_up + judged).to_dict()
    (later,) = summary["later_latency"]
    assert later["kind"] == "acknowledgement"
    assert later["latency"]["verdict"] == verdict
    assert later["latency"]["n_legacy"] == 100
    assert summary["later_latency_criteria"]["min_shift_ms"] == 50.0
