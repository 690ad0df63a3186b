"""A GP session recorded through the proxy replays against a fresh spine2 candidate: each
target is sent the NHS number and ETag it allocated itself, and allocated values are compared
by shape."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from harness.cli import main
from harness.contracts.noisefile import read_noise_file
from harness.contracts.store import NOISE_FILE
from harness.correlation import CORRELATIONS_FILE, read_correlations
from harness.record.interface import load_openapi
from harness.record.proxy import ProxyRecorder, RecordingProxy
from harness.record.redact import Redactor
from harness.serving import serve_in_thread
from harness.simulator.app import build_app
from harness.simulator.context import SimulatorConfig
from tests.integration.correlation.gp_session import gp_session

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("gp") / "contracts"
    with serve_in_thread(build_app(SimulatorConfig(population=300))) as legacy:
        document = load_openapi(f"{legacy.url}/openapi.json")
        recorder = ProxyRecorder(out, legacy.url, document, Redactor(), {"target": legacy.url})
        proxy = RecordingProxy(legacy.url, recorder)
        with serve_in_thread(proxy) as served:
            statuses = gp_session(served.url)
            proxy.shutdown()
        recorder.finish()
    assert statuses == [201, 200, 200, 200, 200] * 3
    return out


def rehearse(
    contracts: Path, out: Path, legacy: str | None = None
) -> tuple[int, list[dict[str, object]]]:
    with serve_in_thread(build_app(SimulatorConfig(population=300, flavour="spine2"))) as fresh:
        try:
            main(
                [
                    *("rehearse", "--candidate", fresh.url, "--contracts", str(contracts)),
                    *("--out", str(out), "--name", "r", "--no-progress"),
                    *(("--legacy", legacy) if legacy else ()),
                ]
            )
            code = 0
        except SystemExit as exited:
            code = int(exited.code or 0)
    lines = (out / "r" / "results.jsonl").read_text().splitlines()
    return code, [json.loads(line) for line in lines]


def copied(source: Path, target: Path) -> Path:
    shutil.copytree(source, target)
    return target


def test_the_session_is_correlated(recorded: Path) -> None:
    reviewed = read_correlations(recorded / "pds" / CORRELATIONS_FILE)
    by_source = {entry.key: entry for entry in reviewed.entries}
    number = by_source[("createPatient", "/id")]
    assert (number.shape, number.allocated, number.values) == ("nhs-number", True, 3)
    carried = {(use.operation, use.location): use.count for use in number.uses}
    assert carried[("getPatient", "path")] == 6
    assert carried[("updatePatient", "path")] == 3
    assert carried[("searchPatients", "answer")] == 3
    etag = by_source[("getPatient", "header:etag")]
    assert [(u.operation, u.location, u.count) for u in etag.uses] == [
        ("updatePatient", "headers.if-match", 3)
    ]
    # Names and postcodes the client sent itself are not followed.
    assert not any("postalCode" in entry.expression for entry in reviewed.entries)


def test_a_read_repeated_across_the_clients_patch_teaches_no_noise(recorded: Path) -> None:
    """The proxy asks each read again a second later; the client's PATCH came in between, so
    the second answer differs by what the PATCH changed: not noise, never learned."""
    noise = read_noise_file(recorded / "pds" / NOISE_FILE, "pds")
    learned = {(entry.operation, entry.path) for entry in noise.entries}
    assert not {path for operation, path in learned if operation == "getPatient"} & {
        "/gender",
        "/meta/versionId",
        "header:etag",
    }, learned
    assert ("getPatient", "header:x-request-id") in learned  # a clean pair still teaches


def test_replays_against_a_fresh_spine2(recorded: Path, tmp_path: Path) -> None:
    code, results = rehearse(recorded, tmp_path / "reports")
    assert len(results) == 15
    assert [r["verdict"] for r in results] == ["match"] * 15, [
        (r["id"], r["differences"][:2], r["error"]) for r in results if r["verdict"] != "match"
    ]
    assert code == 0
    # Each target was sent its own NHS number: the candidate's reads carried the one it allocated.
    created = [r for r in results if r["operation"] == "createPatient"]
    reads = [r for r in results if r["operation"] == "getPatient"]
    recorded_numbers = {
        json.loads(line)["request"]["path"].rsplit("/", 1)[1]
        for line in (recorded / "pds" / "exchanges.jsonl").read_text().splitlines()
        if json.loads(line)["operation"] == "getPatient"
    }
    sent_numbers = {str(r["request"]["path"]).rsplit("/", 1)[1] for r in reads}  # type: ignore[index]
    assert len(sent_numbers) == len(created) == 3
    assert not sent_numbers & recorded_numbers


def test_an_allocated_value_of_the_wrong_shape_is_a_divergence(
    recorded: Path, tmp_path: Path
) -> None:
    edited = copied(recorded, tmp_path / "contracts")
    file = edited / "pds" / CORRELATIONS_FILE
    text = file.read_text()
    assert "shape: nhs-number" in text
    file.write_text(text.replace("shape: nhs-number", "shape: uuid"))
    code, results = rehearse(edited, tmp_path / "reports")
    created = [r for r in results if r["operation"] == "createPatient"]
    assert all(r["verdict"] == "mismatch" for r in created)
    assert {d["path"] for r in created for d in r["differences"]} >= {"/id"}
    assert code == 1


def test_without_correlations_every_exchange_mismatches(recorded: Path, tmp_path: Path) -> None:
    """What happens when a reviewer switches every entry off: the recorded values are sent."""
    edited = copied(recorded, tmp_path / "contracts")
    file = edited / "pds" / CORRELATIONS_FILE
    file.write_text(file.read_text().replace("learned: true", "enabled: false"))
    _, results = rehearse(edited, tmp_path / "reports")
    assert sum(r["verdict"] == "mismatch" for r in results) == 15


def foreign_har(contracts: Path, har_file: Path) -> Path:
    """The session as another tool's HAR: exported, then stripped of the harness's own keys."""
    exported = har_file.with_suffix(".ours.har")
    main(["har", "export", str(contracts), "--out", str(exported)])

    def strip(value: object) -> object:
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if not k.startswith("_")}
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value

    har_file.write_text(json.dumps(strip(json.loads(exported.read_text()))))
    return har_file


def test_a_har_capture_is_correlated_and_replays_against_a_fresh_spine2(
    recorded: Path, tmp_path: Path
) -> None:
    har_file = foreign_har(recorded, tmp_path / "gp.har")
    assert "_harness" not in har_file.read_text()
    out = tmp_path / "contracts"
    document = recorded / "pds" / "openapi.json"
    main(["record", "--har", str(har_file), "--out", str(out), "--openapi", str(document)])
    reviewed = read_correlations(out / "pds" / CORRELATIONS_FILE)
    number = {entry.key: entry for entry in reviewed.entries}[("createPatient", "/id")]
    assert (number.shape, number.allocated) == ("nhs-number", True)
    # A capture teaches no noise: a live legacy (asked again where it differs) stands in.
    with serve_in_thread(build_app(SimulatorConfig(population=300))) as legacy:
        code, results = rehearse(out, tmp_path / "reports", legacy.url)
    assert [r["verdict"] for r in results] == ["match"] * 15, [
        (r["id"], r["differences"][:2], r["error"]) for r in results if r["verdict"] != "match"
    ]
    assert code == 0


def test_record_har_refuses_what_a_capture_cannot_take(tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["record", "--har", str(tmp_path / "x.har"), "--generate", "5"])
    assert exited.value.code == 2
