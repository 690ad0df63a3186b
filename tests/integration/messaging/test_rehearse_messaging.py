"""Rehearsals of the committed MHS contracts with their later messages, against simulators on
loopback that deliver to the harness's own endpoint: parity with a plain spine2, each messaging
drift found, a reliable message sent twice delivered once, retries observed."""

from __future__ import annotations

import contextlib
import io
import json
import shutil
import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from harness.auth import access_for
from harness.cli.simulators import signing_the_simulator
from harness.config.settings import Settings
from harness.contracts import discover, iter_exchanges
from harness.domains.spine.messaging.ebxml import read_ebxml
from harness.messaging import Channels, WaitPolicy
from harness.rehearsal.session import RehearsalRequest, rehearse
from harness.serving import serve_in_thread
from harness.simulator.app import build_app
from harness.simulator.clock import clock_of
from harness.simulator.context import SimulatorConfig
from harness.simulator.drift import load_profile

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[3]
MESSAGING_DRIFT = ROOT / "fixtures" / "drift" / "messaging.yaml"


def committed(service: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    found = ROOT / "contracts" / service
    if not (found / "contract.yaml").is_file():
        pytest.skip(f"contracts/{service} is not recorded")
    copy = tmp_path_factory.mktemp("contracts") / service
    shutil.copytree(found, copy)
    return copy


@pytest.fixture(scope="module")
def contracts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return committed("mhs", tmp_path_factory)


@pytest.fixture(scope="module")
def mesh_contracts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return committed("mesh", tmp_path_factory)


@contextlib.contextmanager
def simulators(
    channels: Channels, drift: Path | None = None, flavour: str = "spine2"
) -> Iterator[tuple[Any, Any]]:
    """Legacy and a candidate, each delivering to its side's path of the channels' endpoint."""
    legacy_app = build_app(
        SimulatorConfig(seed=0, population=100, mhs_consumer_url=channels.urls("legacy")["mhs"])
    )
    candidate_app = build_app(
        SimulatorConfig(
            seed=0,
            population=100,
            flavour=flavour,  # type: ignore[arg-type]
            drift_file=drift,
            mhs_consumer_url=channels.urls("candidate")["mhs"],
        )
    )
    with serve_in_thread(legacy_app) as legacy, serve_in_thread(candidate_app) as candidate:
        yield (legacy, legacy_app), (candidate, candidate_app)


def rehearsed(
    contracts: Path, tmp_path: Path, drift: Path | None = None, **options: Any
) -> list[dict[str, Any]]:
    channels = Channels(
        ["legacy", "candidate"],
        refuse_first=options.pop("refuse_first", 0),
        policy=WaitPolicy(timeout_s=options.pop("timeout_s", 10.0)),
    )
    with simulators(channels, drift, options.pop("flavour", "spine2")) as (legacy, candidate):
        during = options.pop("during", None)
        if during is not None:
            during(legacy[1], candidate[1], channels)
        rehearse(
            RehearsalRequest(
                candidate=candidate[0].url,
                legacy=legacy[0].url,
                contracts=contracts,
                name="messaging",
                out=tmp_path,
                progress=False,
                channels=channels,
                **options,
            ),
            Console(file=io.StringIO()),
        )
    lines = (tmp_path / "messaging" / "results.jsonl").read_bytes().split(b"\n")
    return [json.loads(line) for line in lines if line]


def drift_of(tmp_path: Path, entry: str) -> Path:
    """A drift file holding one entry of fixtures/drift/messaging.yaml."""
    profile = load_profile(MESSAGING_DRIFT)
    assert entry in {e.id for e in profile.entries}
    text = MESSAGING_DRIFT.read_text()
    head, _, entries = text.partition("drift:\n")
    blocks = entries.split("\n\n")
    kept = [b for b in blocks if f"- id: {entry}\n" in b]
    path = tmp_path / f"{entry}.yaml"
    path.write_text(head + "drift:\n" + kept[0].strip("\n") + "\n")
    return path


def test_legacy_against_a_plain_spine2_is_full_parity_later_messages_included(
    contracts: Path, tmp_path: Path
) -> None:
    results = rehearsed(contracts, tmp_path)
    assert results and all(r["verdict"] == "match" for r in results), [
        (r["id"], r["differences"]) for r in results if r["verdict"] != "match"
    ]
    observed = {r["id"]: r["later"] for r in results if r.get("later")}
    # the express answer, both reliable answers of each scenario and the two late acks
    assert len(observed) >= 5
    for later in observed.values():
        assert [m["kind"] for m in later["legacy"]] and len(later["legacy"]) == len(
            later["candidate"]
        )
    summary = json.loads((tmp_path / "messaging" / "summary.json").read_text())
    kinds = {(e["operation"], e["kind"]) for e in summary["later_latency"]}
    assert kinds and all(e["latency_ms"]["candidate"]["count"] for e in summary["later_latency"])
    report = (tmp_path / "messaging" / "report.html").read_text()
    for operation, kind in kinds:  # each kind of later message has its latency card
        assert f'{operation} <span class="muted">later</span> {kind}' in report


def test_a_reliable_message_sent_twice_is_delivered_once(contracts: Path, tmp_path: Path) -> None:
    results = {r["id"]: r for r in rehearsed(contracts, tmp_path)}
    first = results["mhs-reliable-prescription/0"]
    again = results["mhs-reliable-prescription/1"]
    for side in ("legacy", "candidate"):
        assert [m["kind"] for m in first["later"][side]] == ["message"]
    assert again.get("later") is None  # nothing came for the resend, on either side
    assert again["verdict"] == first["verdict"] == "match"


def test_the_contract_ties_each_later_message_to_its_request_by_ref_to_message_id(
    contracts: Path,
) -> None:
    [contract] = discover(contracts)
    tied = 0
    for exchange in iter_exchanges(contract):
        if not exchange.later:
            continue
        header = read_ebxml(exchange.request.header("content-type"), exchange.request.body)
        assert header is not None
        for message in exchange.later:
            assert message.correlation is not None
            assert message.correlation.name == "RefToMessageId"
            assert message.correlation.value == header.message_id.upper()
            tied += 1
    assert tied >= 7


@pytest.mark.parametrize(
    ("entry", "operation", "path"),
    [
        ("mhs-acknowledgement-lost", "mhsGpSummaryUpload", "later:acknowledgement"),
        ("mhs-acknowledgement-late", "mhsEpsParentPrescription", "later:acknowledgement"),
        ("mhs-answer-duplicated", "mhsPsisDocumentListQuery", "later:message:duplicates"),
    ],
)
def test_each_messaging_drift_is_found_as_a_divergence(
    contracts: Path, tmp_path: Path, entry: str, operation: str, path: str
) -> None:
    results = rehearsed(contracts, tmp_path, drift_of(tmp_path, entry), timeout_s=5.0)
    diverging = [r for r in results if r["verdict"] == "mismatch"]
    assert {r["operation"] for r in diverging} == {operation}
    assert path in {d["path"] for r in diverging for d in r["differences"]}
    assert not any(r["verdict"] == "error" for r in results)


SIDES = ("legacy", "candidate")


def signed() -> dict[str, Any]:
    """MESH requests signed for the simulator's mailboxes, on both sides (as the demo does)."""
    return {"access": access_for(signing_the_simulator(Settings(), SIDES, 0), SIDES)}


def test_mesh_legacy_against_a_plain_spine2_is_full_parity(
    mesh_contracts: Path, tmp_path: Path
) -> None:
    results = rehearsed(mesh_contracts, tmp_path, **signed())
    scenario = [r for r in results if r["scenario"]]
    assert len(scenario) >= 20
    assert all(r["verdict"] == "match" for r in results), [
        (r["id"], r["differences"], r["error"]) for r in results if r["verdict"] != "match"
    ]
    # each send's inbox entry (the REPORT, for the undeliverable one) was polled on both sides
    observed = {r["id"]: r["later"] for r in results if r.get("later")}
    kinds = {
        step: ([m["kind"] for m in later["legacy"]], [m["kind"] for m in later["candidate"]])
        for step, later in observed.items()
    }
    assert kinds == {
        "mesh-send-inbox-download-acknowledge/1": (["inbox"], ["inbox"]),
        "mesh-chunked-message/1": (["inbox"], ["inbox"]),
        "mesh-report-undeliverable/0": (["report"], ["report"]),
        "mesh-acknowledged-stays-acknowledged/0": (["inbox"], ["inbox"]),
    }
    report = observed["mesh-report-undeliverable/0"]
    assert [m["code"] for m in report["legacy"] + report["candidate"]] == ["14", "14"]
    summary = json.loads((tmp_path / "messaging" / "summary.json").read_text())
    latency = {(e["operation"], e["kind"]) for e in summary["later_latency"]}
    assert ("meshSendMessage", "inbox") in latency


@pytest.mark.parametrize(
    ("entry", "step", "path"),
    [
        ("mesh-duplicate-delivered", "mesh-send-inbox-download-acknowledge/2", "/messages/1"),
        ("mesh-report-missing", "mesh-report-undeliverable/1", "/approx_inbox_count"),
        ("mesh-report-missing", "mesh-report-undeliverable/0", "later:report"),
        ("mesh-delivery-lost", "mesh-acknowledged-stays-acknowledged/0", "later:inbox"),
        ("mesh-chunks-reversed", "mesh-chunked-message/3", "/1"),
        (
            "mesh-acknowledgement-lost",
            "mesh-acknowledged-stays-acknowledged/3",
            "/approx_inbox_count",
        ),
    ],
)
def test_each_mesh_drift_is_found_as_a_divergence(
    mesh_contracts: Path, tmp_path: Path, entry: str, step: str, path: str
) -> None:
    results = {
        r["id"]: r
        for r in rehearsed(mesh_contracts, tmp_path, drift_of(tmp_path, entry), **signed())
    }
    assert results[step]["verdict"] == "mismatch"
    assert path in {d["path"] for d in results[step]["differences"]}
    diverging = {r["scenario"] for r in results.values() if r["verdict"] != "match"}
    assert diverging == {step.split("/")[0]}


def test_retries_follow_the_directory_and_are_observed(contracts: Path, tmp_path: Path) -> None:
    """The harness's endpoint refuses each reliable answer's first delivery (a consumer down for
    a moment); once a refusal has come, both simulators' clocks move on by the directory's retry
    interval (PT1M), the retry comes, and both sides are seen to have retried alike."""

    def advance_when_refused(legacy: Any, candidate: Any, channels: Channels) -> None:
        def watch() -> None:
            seen = 0
            for _ in range(1200):  # at most 60 s
                stop.wait(0.05)
                if stop.is_set():
                    return
                if channels.endpoint.refused > seen:  # a refusal came: its retry falls due
                    seen = channels.endpoint.refused
                    for app in (legacy, candidate):
                        clock_of(app).advance(timedelta(seconds=61))

        stop = threading.Event()
        threading.Thread(target=watch, daemon=True).start()
        cleanups.append(stop.set)

    cleanups: list[Any] = []
    try:
        results = rehearsed(
            contracts, tmp_path, refuse_first=1, flavour="legacy", during=advance_when_refused
        )
    finally:
        for cleanup in cleanups:
            cleanup()
    retried = {
        r["id"]: r["later"]
        for r in results
        if r.get("later") and any(m.get("attempt") == 2 for m in r["later"]["candidate"])
    }
    # every reliable answer (GP summaries, prescriptions) was delivered twice: refused, retried
    assert {i.rsplit("/", 1)[0] for i in retried} == {
        "mhs-reliable-gp-summary",
        "mhs-reliable-prescription",
    }
    for later in retried.values():
        for side in ("legacy", "candidate"):
            attempts = [m.get("attempt", 1) for m in later[side] if m["kind"] == "message"]
            assert attempts == [1, 2]
    assert all(r["verdict"] == "match" for r in results if r["id"] in retried)
