"""The facade on real servers: requests in flight across a switch finish on the side that took
them (none lost, none answered twice), a failed gate rolls back by itself with its evidence,
the notifications reach the feed and a webhook, and a share of a slice moves whole consumers."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from harness.serving import serve_in_thread
from tests.integration.cutover.support import (
    PLAN_DEFAULTS,
    Consumers,
    Side,
    Webhook,
    rehearsal,
    upstreams,
    wait_finished,
    write_plan,
)

EVERYTHING = {"operations": ["*"]}


def test_requests_in_flight_across_the_switch_finish_where_they_started(tmp_path: Path) -> None:
    legacy, candidate = Side("legacy"), Side("candidate")
    plan = write_plan(tmp_path, [{"name": "all", "move": EVERYTHING}])
    # slow writes (never mirrored: no dual writes) keep requests in flight at every moment
    paths = (("POST", "/write?wait=0.25"), ("GET", "/read?wait=0.02"))
    with (
        upstreams(legacy, candidate) as (left, right),
        rehearsal(plan, left.url, right.url, tmp_path / "run") as (url, session),
        Consumers(url, paths, threads=8).running() as consumers,
    ):
        wait_finished(session)
    document = json.loads((tmp_path / "run" / "cutover.json").read_text())
    (phase,) = document["phases"]
    assert phase["outcome"] == "completed", phase["reason"]
    assert session.exit_code == 0
    crossing = phase["switch"]["in_flight"]
    assert crossing["in_flight_at_switch"] >= 1
    assert crossing["answered"] == crossing["in_flight_at_switch"]
    assert crossing["lost"] == 0 and crossing["failed"] == 0
    assert consumers.failures == []
    assert all(status == 200 for status, _ in consumers.answers.values())
    # each write was executed once, by the side whose answer the consumer got
    writes = [ident for ident in consumers.answers if int(ident.split("-")[1]) % 2 == 0]
    for ident in writes:
        counts = (legacy.seen[ident], candidate.seen[ident])
        assert sorted(counts) == [0, 1], (ident, counts)
        side = consumers.answers[ident][1]
        assert (legacy if side == "legacy" else candidate).seen[ident] == 1
    sides = Counter(side for _, side in consumers.answers.values())
    assert sides["legacy"] > 0 and sides["candidate"] > 0
    # the facade answered exactly what the consumers received
    assert document["served"]["requests"] == len(consumers.answers)
    assert document["served"]["failed"] == 0


@pytest.mark.parametrize("mirror_process", [False, True], ids=["mirror-in-loop", "mirror-process"])
def test_a_failed_gate_rolls_back_with_its_evidence_and_says_so(
    tmp_path: Path, mirror_process: bool
) -> None:
    legacy, candidate = Side("legacy"), Side("candidate", differs=True)
    hook = Webhook()
    with serve_in_thread(hook.app) as receiver:
        plan = write_plan(
            tmp_path,
            [{"name": "all", "move": EVERYTHING}],
            notifications={"webhooks": [f"{receiver.url}/hook"]},
        )
        with (
            upstreams(legacy, candidate) as (left, right),
            rehearsal(
                plan, left.url, right.url, tmp_path / "run", mirror_process=mirror_process
            ) as (url, session),
            Consumers(url, (("GET", "/read"),), threads=3).running() as consumers,
        ):
            during = httpx.get(f"{url}/_cutover/status", timeout=10).json()
            wait_finished(session)
            after = httpx.get(f"{url}/_cutover/status", timeout=10).json()
            routes = httpx.get(f"{url}/_cutover/routes", timeout=10).json()
    assert during["format_version"] == 1 and during["plan"] == "test"
    assert after["state"] == "finished"
    assert routes["candidate_answers"] == []  # rolled back: legacy answers everything again
    document = json.loads((tmp_path / "run" / "cutover.json").read_text())
    (phase,) = document["phases"]
    assert phase["outcome"] == "rolled_back"
    assert document["outcome"] == "rolled_back" and session.exit_code == 1
    assert phase["reason"].startswith("gate failed: *: parity")
    gate = phase["gate"]
    assert gate["passed"] is False and gate["compared"] > 0
    (threshold,) = gate["decision"]["thresholds"]
    assert threshold["actual"] < 100 and threshold["passed"] is False
    assert phase["rollback"]["moved"] and phase["rollback"]["in_flight"]["lost"] == 0
    # consumers were answered throughout, by legacy again once rolled back
    assert consumers.failures == []
    assert all(status == 200 for status, _ in consumers.answers.values())
    events = [entry["event"] for entry in after["entries"]]
    assert events == [
        "rehearsal_started",
        "phase_started",
        "switched",
        "gate",
        "rollback_started",
        "rolled_back",
        "rehearsal_finished",
    ]
    gate_entry = after["entries"][3]
    assert gate_entry["passed"] is False and gate_entry["phase"] == "all"
    told = [document["event"] for document in hook.received]
    assert told == [f"harness.cutover.{event}" for event in events]
    assert all(entry.get("delivery") == "delivered" for entry in document["notifications"])
    report = (tmp_path / "run" / "report.html").read_text()
    assert "NO-GO" in report and 'id="rollback-all"' in report


def test_a_share_of_a_slice_moves_whole_consumers(tmp_path: Path) -> None:
    legacy, candidate = Side("legacy"), Side("candidate")
    plan = write_plan(
        tmp_path, [{"name": "half", "move": {"operations": ["*"], "percent": 50}}], settle_s=0
    )
    with (
        upstreams(legacy, candidate) as (left, right),
        rehearsal(plan, left.url, right.url, tmp_path / "run") as (url, session),
        Consumers(url, (("GET", "/read"),), threads=12).running() as consumers,
    ):
        wait_finished(session)
    switched = session.executor.runs[0].switch
    assert switched is not None
    sides_after: dict[str, set[str]] = {}
    for ident, (_, side) in consumers.answers.items():
        if consumers.began[ident] > switched.ended:
            sides_after.setdefault(ident.split("-")[0], set()).add(side)
    # once the share moved, each consumer is answered by one side only: some by the candidate,
    # the others still by legacy
    assert all(len(sides) == 1 for sides in sides_after.values()), sides_after
    moved = {name for name, sides in sides_after.items() if sides == {"candidate"}}
    assert moved and len(moved) < len(sides_after)
    document = json.loads((tmp_path / "run" / "cutover.json").read_text())
    assert document["phases"][0]["outcome"] == "completed"


@dataclass
class SlowBesideFast:
    """A rehearsal of one phase with slow consumers (each request 7 s) beside fast ones."""

    slow: Consumers
    fast: Consumers
    exit_code: int
    phase: dict[str, Any]
    routes: dict[str, Any]  # as the facade said once the rehearsal had finished
    status: dict[str, Any]


def slow_beside_fast(tmp_path: Path, move: dict[str, Any], switch_s: float) -> SlowBesideFast:
    legacy, candidate = Side("legacy"), Side("candidate")
    plan = write_plan(
        tmp_path,
        [{"name": "all", "move": move}],
        defaults={**PLAN_DEFAULTS, "budget": {"switch_s": switch_s, "rollback_s": 3}},
    )
    with (
        upstreams(legacy, candidate) as (left, right),
        rehearsal(plan, left.url, right.url, tmp_path / "run") as (url, session),
        Consumers(url, (("GET", "/read?wait=7"),), threads=3, name="slow").running() as slow,
        Consumers(url, (("GET", "/read"),), threads=3, name="fast").running() as fast,
    ):
        wait_finished(session)
        routes = httpx.get(f"{url}/_cutover/routes", timeout=10).json()
        status = httpx.get(f"{url}/_cutover/status", timeout=10).json()
    (phase,) = json.loads((tmp_path / "run" / "cutover.json").read_text())["phases"]
    return SlowBesideFast(slow, fast, session.exit_code, phase, routes, status)


def test_a_switch_waits_only_for_its_own_slice(tmp_path: Path) -> None:
    # the slow consumers' requests take far longer than the switch's budget: had the switch
    # waited for everything in flight, it could not have moved
    run = slow_beside_fast(tmp_path, {"operations": ["*"], "consumers": ["fast-*"]}, 3)
    phase = run.phase
    assert phase["outcome"] == "completed", phase["reason"]
    assert phase["switch"]["moved"] and phase["switch"]["drained"]
    assert run.slow.failures == [] and run.fast.failures == []
    assert {side for _, side in run.slow.answers.values()} == {"legacy"}  # never in the slice
    assert "candidate" in {side for _, side in run.fast.answers.values()}


def test_a_slice_still_in_flight_past_the_budget_stays_on_legacy(tmp_path: Path) -> None:
    run = slow_beside_fast(tmp_path, EVERYTHING, 0.5)
    slow, fast, phase, routes, status = run.slow, run.fast, run.phase, run.routes, run.status
    assert run.exit_code == 1
    assert phase["outcome"] == "rolled_back"
    assert phase["reason"] == "requests in flight on the old side did not finish"
    switch = phase["switch"]
    assert not switch["moved"] and not switch["drained"] and phase["rollback"] is None
    assert switch["in_flight"]["in_flight_at_switch"] >= 1
    assert routes["candidate_answers"] == [] and routes["held"] == []
    # the held requests went on to legacy: every consumer answered, by legacy only
    assert slow.failures == [] and fast.failures == []
    answers = [*slow.answers.values(), *fast.answers.values()]
    assert {side for _, side in answers} == {"legacy"}
    assert all(code == 200 for code, _ in answers)
    rolled = [entry for entry in status["entries"] if entry["event"] == "rolled_back"]
    assert rolled and rolled[0]["moved"] is False
    assert "rollback_started" not in {entry["event"] for entry in status["entries"]}
    report = (tmp_path / "run" / "report.html").read_text()
    assert 'id="rollback-all"' in report and "not moved" in report


@pytest.mark.parametrize("mirror_process", [False, True], ids=["mirror-in-loop", "mirror-process"])
def test_dual_writes_not_yet_mirrored_keep_the_slice_on_legacy(
    tmp_path: Path, mirror_process: bool
) -> None:
    # the candidate takes long over each write: the dual writes mirrored to it have not all
    # landed when the switch's budget is spent, so the candidate must not answer yet
    legacy, candidate = Side("legacy"), Side("candidate", write_wait=4)
    plan = write_plan(
        tmp_path,
        [{"name": "all", "move": EVERYTHING, "state": {"how": "dual_write"}}],
        defaults={**PLAN_DEFAULTS, "budget": {"switch_s": 1, "rollback_s": 3}},
    )
    with (
        upstreams(legacy, candidate) as (left, right),
        rehearsal(
            plan,
            left.url,
            right.url,
            tmp_path / "run",
            drain_timeout_s=2,
            mirror_process=mirror_process,
        ) as (url, session),
        Consumers(url, (("POST", "/write"), ("GET", "/read")), threads=3).running() as consumers,
    ):
        wait_finished(session)
    (phase,) = json.loads((tmp_path / "run" / "cutover.json").read_text())["phases"]
    assert phase["outcome"] == "rolled_back"
    assert phase["reason"] == "the dual writes mirrored to the candidate had not all landed"
    assert phase["switch"]["drained"] and not phase["switch"]["mirrored"]
    assert not phase["switch"]["moved"]
    assert consumers.failures == []
    assert {side for _, side in consumers.answers.values()} == {"legacy"}


def test_dual_writes_from_the_rehearsal_reach_the_candidate_during_earlier_phases(
    tmp_path: Path,
) -> None:
    legacy, candidate = Side("legacy"), Side("candidate")
    state = {"how": "dual_write", "dual_writes_from": "rehearsal"}
    plan = write_plan(
        tmp_path,
        [
            {"name": "first", "move": {"operations": ["*"], "consumers": ["consumer-0"]}},
            {"name": "second", "move": EVERYTHING, "state": state},
        ],
    )
    with (
        upstreams(legacy, candidate) as (left, right),
        rehearsal(plan, left.url, right.url, tmp_path / "run") as (url, session),
        Consumers(url, (("POST", "/write"), ("GET", "/read")), threads=3).running() as consumers,
    ):
        wait_finished(session)
    first, second = session.executor.runs
    assert (first.outcome, second.outcome) == ("completed", "completed"), second.reason
    # every write legacy answered before the second phase, from the very first request, was
    # executed on the candidate too
    early = [
        ident
        for ident, (_, side) in consumers.answers.items()
        if int(ident.split("-")[1]) % 2 == 0
        and consumers.began[ident] < first.ended
        and side == "legacy"
    ]
    assert early and all(candidate.seen[ident] == 1 for ident in early)
    assert "c1-0" in early  # sent before the executor's first phase began
    assert consumers.failures == []
