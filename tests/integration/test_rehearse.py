"""End-to-end rehearsals over real sockets: tiny legacy/candidate apps, the CLI, the gate."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from harness.serving import serve_in_thread
from tests.cli_support import run
from tests.integration.rehearsal_support import (
    THINGS,
    scenario_exchanges,
    thing_exchanges,
    things_app,
    write_contracts,
)

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def legacy_url() -> Iterator[str]:
    with serve_in_thread(things_app(first_id=1000)) as server:
        yield server.url


@pytest.fixture(scope="module")
def candidate_url() -> Iterator[str]:
    with serve_in_thread(things_app(first_id=5000)) as server:
        yield server.url


@pytest.fixture(scope="module")
def drifted_url() -> Iterator[str]:
    with serve_in_thread(things_app(first_id=7000, drift_name_of=7)) as server:
        yield server.url


@pytest.fixture(scope="module")
def contracts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_contracts(tmp_path_factory.mktemp("contracts"), thing_exchanges())


def results(report: Path) -> list[dict[str, object]]:
    return [
        json.loads(line) for line in (report / "results.jsonl").read_bytes().split(b"\n") if line
    ]


def rehearse(
    capsys: pytest.CaptureFixture[str], out: Path, contracts: Path, candidate: str, *extra: str
) -> tuple[int, str]:
    return run(
        [
            "rehearse",
            "--candidate",
            candidate,
            "--contracts",
            str(contracts),
            "--out",
            str(out),
            "--name",
            "r",
            "--no-progress",
            *extra,
        ],
        capsys,
    )


def test_faithful_candidate_passes_with_every_exchange_matching(
    tmp_path: Path, contracts: Path, candidate_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, output = rehearse(capsys, tmp_path, contracts, candidate_url)
    assert code == 0, output
    rows = results(tmp_path / "r")
    assert len(rows) == THINGS + 3
    assert {row["verdict"] for row in rows} == {"match"}, [
        r for r in rows if r["verdict"] != "match"
    ]
    assert len({row["id"] for row in rows}) == len(rows)
    # The scenario's allocated id differs (1000 vs 5000) and is compared on meaning.
    created = next(row for row in rows if row["id"] == "create-then-read-1")
    assert created["request"]["path"] == "/things/5000"
    meta = json.loads((tmp_path / "r" / "rehearsal.json").read_text())
    assert meta["interrupted"] is False and meta["targets"]["candidate"] == candidate_url
    gate = json.loads((tmp_path / "r" / "gate.json").read_text())
    assert gate["passed"] is True and gate["format_version"] == 1
    assert "PASSED" in output and str(tmp_path / "r") in output


def test_drift_is_reported_at_its_path_and_fails_the_gate(
    tmp_path: Path, contracts: Path, drifted_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, output = rehearse(capsys, tmp_path, contracts, drifted_url)
    assert code == 1, output
    bad = [row for row in results(tmp_path / "r") if row["verdict"] != "match"]
    assert [row["id"] for row in bad] == ["r-0007"]
    assert bad[0]["differences"] == [
        {
            "path": "/name",
            "kind": "changed",
            "legacy": "thing-7",
            "candidate": "THING-7",
            "waiver": None,
        }
    ]
    assert bad[0]["reproducer"].startswith("curl ") and "/things/7" in bad[0]["reproducer"]
    assert "FAILED" in output and "/name" in output


def write_policy(path: Path, expires: str) -> Path:
    path.write_text(
        "thresholds:\n  '*': 100\nmax_errors: 0\nwaivers:\n"
        "  - id: W-NAME\n    operation: things.getThing\n    path: /name\n"
        "    candidate: {regex: '^THING-'}\n    owner: tester@example.org\n"
        f"    reason: upper-case names accepted\n    expires: {expires}\n"
    )
    return path


def test_waiver_accepts_the_drift_until_it_expires(
    tmp_path: Path, contracts: Path, drifted_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    policy = write_policy(tmp_path / "policy.yaml", "2999-12-31")
    code, output = rehearse(capsys, tmp_path, contracts, drifted_url, "--policy", str(policy))
    assert code == 0, output
    row = next(row for row in results(tmp_path / "r") if row["id"] == "r-0007")
    assert row["verdict"] == "waived" and row["differences"][0]["waiver"] == "W-NAME"
    gate = json.loads((tmp_path / "r" / "gate.json").read_text())
    assert gate["waivers"][0]["applied"] == 1 and gate["waivers"][0]["expired"] is False

    # The same rehearsal re-gated with an expired waiver: the difference counts again.
    write_policy(policy, "2020-01-01")
    code, output = run(["gate", str(tmp_path / "r"), "--policy", str(policy)], capsys)
    assert code == 1, output
    row = next(row for row in results(tmp_path / "r") if row["id"] == "r-0007")
    assert row["verdict"] == "mismatch" and row["differences"][0]["waiver"] is None
    gate = json.loads((tmp_path / "r" / "gate.json").read_text())
    assert gate["waivers"][0]["expired"] is True and gate["waivers"][0]["applied"] == 0
    assert any("W-NAME expired on 2020-01-01" in reason for reason in gate["reasons"])


def test_differential_mode_tells_noise_from_drift(
    tmp_path: Path,
    legacy_url: str,
    drifted_url: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # No noise model at all: the volatile `stamp` must still not be reported, since live legacy
    # also differs from its own recording there; the drift at /name must be.
    bare = write_contracts(tmp_path / "c", thing_exchanges(with_scenario=False), noise={})
    code, output = rehearse(capsys, tmp_path, bare, drifted_url, "--legacy", legacy_url)
    assert code == 1, output
    rows = results(tmp_path / "r")
    bad = [row for row in rows if row["verdict"] != "match"]
    assert [(row["id"], [d["path"] for d in row["differences"]]) for row in bad] == [
        ("r-0007", ["/name"])
    ]
    assert all(row["latency_ms"]["legacy"] is not None for row in rows)


def test_candidate_down_gives_errors_and_the_run_completes(
    tmp_path: Path, contracts: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, output = rehearse(capsys, tmp_path, contracts, "http://127.0.0.1:9")
    assert code == 1, output
    rows = results(tmp_path / "r")
    assert len(rows) == THINGS + 3
    assert {row["verdict"] for row in rows} == {"error"}
    assert "cannot connect" in str(rows[0]["error"])
    gate = json.loads((tmp_path / "r" / "gate.json").read_text())
    assert gate["passed"] is False and any("errors" in r for r in gate["reasons"])


def test_timeout_gives_error_verdict(
    tmp_path: Path, candidate_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from harness.core.exchange import Exchange, Request, Response

    slow = Exchange("slow-1", "things", "slow", Request("GET", "/slow"), Response(200))
    contracts = write_contracts(tmp_path / "c", [*thing_exchanges(3, with_scenario=False), slow])
    # /slow answers after 1.5 s: 1 s is past that for it, and generous for every other read.
    code, output = rehearse(capsys, tmp_path, contracts, candidate_url, "--timeout", "1")
    assert code == 1, output
    verdicts = {row["id"]: row["verdict"] for row in results(tmp_path / "r")}
    assert verdicts["slow-1"] == "error" and verdicts["r-0000"] == "match"
    row = next(row for row in results(tmp_path / "r") if row["id"] == "slow-1")
    assert "no answer within 1s" in row["error"]


def test_only_runs_one_exchange(
    tmp_path: Path, contracts: Path, candidate_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, output = rehearse(
        capsys, tmp_path, contracts, candidate_url, "--only", "create-then-read-1"
    )
    assert code == 0, output
    assert [row["id"] for row in results(tmp_path / "r")] == ["create-then-read-1"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["rehearse", "--contracts", "{contracts}"], "--candidate URL is required"),
        (
            ["rehearse", "--candidate", "http://x", "--contracts", "/nonexistent"],
            "no such contracts",
        ),
        (
            [
                "rehearse",
                "--candidate",
                "http://x",
                "--contracts",
                "{contracts}",
                "--policy",
                "{bad_policy}",
            ],
            "waivers.0.expires",
        ),
        (
            ["rehearse", "--candidate", "http://x", "--contracts", "{contracts}", "--only", "nope"],
            "no exchange or scenario with id nope",
        ),
        (["gate", "/nonexistent"], "not a rehearsal report directory"),
    ],
)
def test_usage_errors_exit_2_with_a_clear_message(
    tmp_path: Path,
    contracts: Path,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    message: str,
) -> None:
    bad_policy = tmp_path / "bad.yaml"
    bad_policy.write_text(
        "waivers:\n  - id: W\n    operation: a.b\n    path: /x\n    owner: o\n    reason: r\n"
        "    expires: soon\n"
    )
    filled = [a.format(contracts=contracts, bad_policy=bad_policy) for a in args]
    code, output = run(
        [*filled, "--out", str(tmp_path)] if filled[0] == "rehearse" else filled, capsys
    )
    assert code == 2, output
    assert message in output and "Traceback" not in output


def test_bound_values_are_compared_on_meaning_without_a_live_legacy(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`{{$uuid as n}}` sends a fresh value each rehearsal; replayed against the recording alone,
    the candidate echoes the fresh value where the recording has the old one: same meaning. A
    lone exchange binding a value is judged the same way."""
    old = "0b7c2a8e-6a51-4f1a-9a55-1c9d2e3f4a5b"
    create, read = scenario_exchanges("bound", first_id=1000)
    assert create.template is not None
    template = replace(create.template, body=json.dumps({"name": "{{$uuid as n}}"}))
    create = replace(
        create,
        request=replace(create.request, body=json.dumps({"name": old}).encode()),
        response=replace(create.response, body=json.dumps({"id": "1000", "name": old}).encode()),
        template=template,
    )
    echoed = json.dumps({"id": "1000", "name": old, "created": True}).encode()
    read = replace(read, response=replace(read.response, body=echoed))
    alone = replace(create, id="alone", scenario=None, step=None, captures=None)
    alone_answer = json.dumps({"id": "1000", "name": old}).encode()  # lone exchanges go first
    alone = replace(alone, response=replace(alone.response, body=alone_answer))
    contracts = write_contracts(tmp_path / "contracts", [create, read, alone])
    with serve_in_thread(things_app(first_id=1000)) as candidate:  # one at a time: ids in order
        code, output = rehearse(capsys, tmp_path, contracts, candidate.url, "--concurrency", "1")
    rows = results(tmp_path / "r")
    assert code == 0, output
    assert [(row["id"], row["verdict"]) for row in rows] == [
        ("alone", "match"),
        ("bound-0", "match"),
        ("bound-1", "match"),
    ]
    sent = {row["id"]: json.loads(row["request"]["body"] or "{}").get("name") for row in rows}
    assert sent["bound-0"] != old and sent["alone"] != old  # fresh values went out


def test_a_mistyped_policy_stops_the_rehearsal_before_any_traffic(
    tmp_path: Path, contracts: Path, drifted_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text("thresholds:\n  '*': 100\n  things.getThign: 0.995\n")
    code, output = rehearse(capsys, tmp_path, contracts, drifted_url, "--policy", str(policy))
    assert code == 2 and f"{policy}:3" in output and "looks like a fraction" in output
    policy.write_text("thresholds:\n  '*': 100\n  things.getThign: 99.5\n")
    code, output = rehearse(capsys, tmp_path, contracts, drifted_url, "--policy", str(policy))
    assert code == 2 and f"{policy}:3" in output, output
    assert "'things.getThign'" in output and "did you mean 'things.getThing'" in output
    assert not (tmp_path / "r").exists()  # refused before the report directory was made


def test_noise_rules_for_an_unknown_operation_are_warned_and_the_run_goes_on(
    tmp_path: Path, drifted_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    noisy = write_contracts(
        tmp_path / "c",
        thing_exchanges(with_scenario=False),
        noise={"operations": {"getThign": [{"path": "/stamp", "kind": "ignore"}]}},
    )
    code, output = rehearse(capsys, tmp_path, noisy, drifted_url)
    assert code == 1  # the typo hides nothing: /stamp is reported, and so is the drift
    assert "noise.yaml:2" in " ".join(output.split()) and "'getThign'" in output


def test_changes_compare_only_the_same_lineage_or_the_named_baseline(
    tmp_path: Path, contracts: Path, drifted_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    def named(name: str, *extra: str) -> tuple[int, str]:
        args = ["rehearse", "--candidate", drifted_url, "--contracts", str(contracts)]
        return run([*args, "--out", str(tmp_path), "--name", name, "--no-progress", *extra], capsys)

    named("first")
    named("just-one", "--only", "r-0007")  # another selection: another lineage
    named("second")
    page = (tmp_path / "second" / "report.html").read_text()
    assert "Compared with <strong>first</strong>" in page
    assert "1 rehearsal of another lineage in this directory is not compared" in page
    named("third", "--baseline", "just-one")
    assert (
        "Compared with <strong>just-one</strong>"
        in (tmp_path / "third" / "report.html").read_text()
    )
    code, output = named("fourth", "--baseline", "nothing-like-it")
    assert code == 2 and "no rehearsal named 'nothing-like-it'" in output
