"""Cutover plans: the example plans load, and every mistake is named by file, line and field;
the routing table, what the facade served, and the workload's consumer types."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.core.gate import Tally, evaluate
from harness.core.policy import AvailabilityFloor, Policy
from harness.cutover.dryrun import describe
from harness.cutover.plan import Move
from harness.cutover.planfile import load_plan
from harness.cutover.routing import RoutingTable, bucket_of
from harness.cutover.served import ServedLog
from harness.errors import HarnessError
from harness.monitor.workload import load_workload

ROOT = Path(__file__).resolve().parents[2]
GOOD = """\
format_version: 1
name: weekend
defaults:
  soak_s: 5
  gate:
    window_s: 3
    policy: {thresholds: {"*": 100}, availability: {"*": 99.9}}
phases:
  - name: one
    move: {services: [sds]}
  - name: two
    move: {operations: ["pds.get*"], percent: 25}
    gate: {window_s: 2, policy: {thresholds: {"*": 99}}}
"""


def plan_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "plan.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def error_of(tmp_path: Path, text: str) -> HarnessError:
    with pytest.raises(HarnessError) as caught:
        load_plan(plan_file(tmp_path, text))
    return caught.value


@pytest.mark.parametrize("name", sorted(p.name for p in (ROOT / "fixtures/cutover").glob("*.yaml")))
def test_the_example_plans_load(name: str) -> None:
    plan = load_plan(ROOT / "fixtures/cutover" / name)
    assert plan.phases
    text = describe(plan, "http://legacy", "http://candidate")
    assert all(phase.name in text for phase in plan.phases)


def test_the_demo_plan_moves_three_services_in_order() -> None:
    plan = load_plan(ROOT / "fixtures/cutover/spine-weekend.yaml")
    assert [p.move.services for p in plan.phases] == [("sds",), ("pds",), ("eps",)]
    assert [p.state.how for p in plan.phases] == ["none", "both", "dual_write"]
    assert plan.phases[2].state.dual_writes_from == "rehearsal"
    floors = plan.phases[1].gate.policy.availability
    assert floors == (AvailabilityFloor("*", 99.9),)


def test_defaults_apply_and_a_phase_overrides_them(tmp_path: Path) -> None:
    plan = load_plan(plan_file(tmp_path, GOOD))
    one, two = plan.phases
    assert one.soak_s == two.soak_s == 5.0
    assert one.gate.window_s == 3.0 and two.gate.window_s == 2.0
    assert two.gate.policy.thresholds[0].min_parity == 99.0
    assert two.move.percent == 25.0


@pytest.mark.parametrize(
    ("old", "new", "line", "field", "words"),
    [
        ("format_version: 1", "format_version: 2", 1, "format_version", "format_version"),
        ("name: weekend", "name: ''", 2, "name", "non-empty"),
        ("  soak_s: 5", "  soak_s: -5", 4, "defaults.soak_s", "seconds"),
        ("  soak_s: 5", "  soak: 5", 4, "defaults.soak", "unknown field"),
        (
            "    move: {services: [sds]}",
            "    move: {service: [sds]}",
            10,
            "phases.0.move.service",
            "unknown",
        ),
        ("percent: 25", "percent: 0", 12, "phases.1.move.percent", "(0, 100]"),
        (
            '{thresholds: {"*": 99}}',
            '{thresholds: {"*": 101}}',
            13,
            "phases.1.gate.policy.thresholds.*",
            "percentage",
        ),
        (
            'availability: {"*": 99.9}',
            'availability: {"*": high}',
            7,
            "defaults.gate.policy.availability.*",
            "percentage",
        ),
        ("    window_s: 3", "    window_s: 0", 6, "defaults.gate.window_s", "> 0"),
        ("  - name: two", "  - name: one", 11, "phases.1.name", "used twice"),
    ],
)
def test_each_mistake_names_its_file_line_and_field(
    tmp_path: Path, old: str, new: str, line: int, field: str, words: str
) -> None:
    assert old in GOOD
    error = error_of(tmp_path, GOOD.replace(old, new, 1))
    assert error.file is not None and error.file.endswith("plan.yaml")
    assert (error.line, error.field) == (line, field), error.describe()
    assert words in error.message


def test_state_mistakes_are_named(tmp_path: Path) -> None:
    migrate_without_step = GOOD + "    state: {how: migrate}\n"
    error = error_of(tmp_path, migrate_without_step)
    assert error.field == "phases.1.state.how" and error.line == 14
    bad_check = (
        GOOD
        + "    state: {how: none, check: {writes: [pds.createPatient], id: id, read: {path: /x}}}\n"
    )
    error = error_of(tmp_path, bad_check)
    assert error.field == "phases.1.state.check.id" and "capture" in error.message
    no_placeholder = GOOD + "    state: {check: {writes: [a.b], id: /id, read: {path: /x}}}\n"
    assert error_of(tmp_path, no_placeholder).field == "phases.1.state.check.read.path"
    step = GOOD + "    state: {how: migrate, migrate: {command: [x], http: {url: http://h}}}\n"
    assert "exactly one" in error_of(tmp_path, step).message
    since = GOOD + "    state: {how: dual_write, dual_writes_from: yesterday}\n"
    error = error_of(tmp_path, since)
    assert error.field == "phases.1.state.dual_writes_from" and error.line == 14
    nothing_to_begin = GOOD + "    state: {how: none, dual_writes_from: rehearsal}\n"
    assert "dual_write or both" in error_of(tmp_path, nothing_to_begin).message


def test_notification_mistakes_are_named(tmp_path: Path) -> None:
    text = GOOD + "notifications: {webhooks: [ftp://x], events: [gate]}\n"
    assert error_of(tmp_path, text).field == "notifications.webhooks.0"
    text = GOOD + "notifications: {events: [gate, lunch]}\n"
    error = error_of(tmp_path, text)
    assert error.field == "notifications.events.1" and "lunch" in error.message


def test_a_gate_policy_file_is_read_relative_to_the_plan(tmp_path: Path) -> None:
    (tmp_path / "policies").mkdir()
    (tmp_path / "policies" / "p.yaml").write_text("format_version: 1\nmax_errors: 3\n")
    plan = load_plan(
        plan_file(
            tmp_path,
            GOOD.replace(
                '{window_s: 2, policy: {thresholds: {"*": 99}}}', "{policy: policies/p.yaml}"
            ),
        )
    )
    assert plan.phases[1].gate.policy.max_errors == 3
    missing = GOOD.replace('{window_s: 2, policy: {thresholds: {"*": 99}}}', "{policy: nope.yaml}")
    error = error_of(tmp_path, missing)
    assert error.field == "phases.1.gate.policy" and "not found" in error.message


def test_the_routing_table_moves_slices_and_back() -> None:
    table = RoutingTable()
    half = Move(services=("pds",), percent=50)
    moved = table.moving("two", half)
    assert moved.version == 1
    sides = {moved.side("pds", "getPatient", f"c{n}", bucket_of(f"c{n}")) for n in range(200)}
    assert sides == {"legacy", "candidate"}
    for n in range(50):  # a consumer's side is stable
        bucket = bucket_of(f"c{n}")
        assert moved.side("pds", "a", f"c{n}", bucket) == moved.side("pds", "b", f"c{n}", bucket)
    assert moved.side("sds", "x", "c1", bucket_of("c1")) == "legacy"
    named = table.moving("one", Move(consumers=("pharmacy-*",)))
    assert named.side("eps", "x", "pharmacy-3", 0) == "candidate"
    assert named.side("eps", "x", "gp-3", 0) == "legacy"
    assert moved.back("two").moved == () and moved.back("two").version == 2
    held = moved.holding("three", Move(services=("eps",)))
    assert held.holds("eps", "x", "c", 0) and not held.released("three").holds("eps", "x", "c", 0)


def test_the_served_log_counts_windows_and_crossings() -> None:
    log = ServedLog(origin=1000.0)
    log.began()
    log.began()
    number = 1
    log.switched(number, 2)  # two of the slice's requests in flight when it moved
    log.ended(1000.2, ("pds", "get", "legacy"), 200, 5.0, crossing=number)
    assert log.crossing_in_flight(number) == 1
    log.ended(1000.4, ("pds", "get", "legacy"), None, 9.0, crossing=number)
    log.began()
    log.ended(1001.5, ("pds", "get", "candidate"), 503, 1.0)
    crossing = log.crossings[number].to_dict()
    assert crossing == {"in_flight_at_switch": 2, "answered": 1, "failed": 1, "lost": 0}
    assert log.crossing_in_flight(number) == 0 and log.in_flight == 0
    first = log.window(1000.0, 1001.0)
    assert (first.requests, first.failed, first.p50_ms, first.p99_ms) == (2, 1, 5.0, 9.0)
    candidate = log.window(1000.0, 1002.0, lambda key: key[2] == "candidate")
    assert (candidate.requests, candidate.failed, candidate.availability) == (1, 1, 0.0)


def test_availability_and_error_rate_are_gated() -> None:
    tally = Tally()
    tally.served = {("pds", "getPatient"): (1000, 2), ("sds", "search"): (100, 0)}
    policy = Policy(availability=(AvailabilityFloor("*", 99.9), AvailabilityFloor("pds", 99.9)))
    decision = evaluate(tally, policy, __import__("datetime").date(2026, 12, 1))
    assert not decision.passed
    assert any("pds: availability 99.800%" in reason for reason in decision.reasons)
    outcomes = {o.scope: o.to_dict() for o in decision.availability}
    assert outcomes["*"]["requests"] == 100 and outcomes["pds"]["failed"] == 2


def test_consumer_types_share_the_busiest_hour() -> None:
    workload = load_workload(ROOT / "fixtures/workloads/spine-consumers.yaml")
    names = [c.name for c in workload.consumers]
    assert names == ["gp-practice", "dispensing-pharmacy", "urgent-care", "directory-lookup"]
    busiest = max(sum(workload.type_rates(h / 4).values()) for h in range(96))
    assert busiest == pytest.approx(workload.rate)
    night, morning = workload.type_rates(3.0), workload.type_rates(9.5)
    assert night["urgent-care"] > night["gp-practice"]
    assert morning["gp-practice"] > morning["urgent-care"]
    assert workload.hour_at(workload.day_s / 2) == pytest.approx((workload.start_hour + 12) % 24)


def test_consumer_type_mistakes_are_named(tmp_path: Path) -> None:
    text = (ROOT / "fixtures/workloads/spine-consumers.yaml").read_text()
    bad = tmp_path / "w.yaml"
    bad.write_text(
        text.replace("scenarios: ../scenarios", f"scenarios: {ROOT}/fixtures/scenarios").replace(
            "think_s: [1, 3]", "think_s: [3, 1]"
        )
    )
    with pytest.raises(HarnessError) as caught:
        load_workload(bad)
    assert caught.value.field == "consumers.gp-practice.think_s"
