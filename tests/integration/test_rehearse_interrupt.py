"""A rehearsal killed mid-run resumes without losing or repeating exchanges; Ctrl-C stops
cleanly with a partial report. The gate's word holds: a rehearsal that did not reach its end
cannot pass, one process at a time owns a rehearsal directory, a resume keeps what was
selected, a run that fails before its first exchange leaves nothing behind, and doubled results
are refused. Every case drives `python -m harness` in child processes (kill -9 included)
against a slow candidate on loopback.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from harness.serving import serve_in_thread
from tests.cli_support import run
from tests.integration.rehearsal_support import thing_exchanges, things_app, write_contracts
from tests.integration.scripted import ScriptedServer

pytestmark = pytest.mark.integration
COUNT = 240
PLANNED = len(thing_exchanges(COUNT))
PATIENCE_S = 120  # generous: a loaded machine is slow, never wrong


@pytest.fixture(scope="module")
def slow_candidate() -> Iterator[str]:
    with serve_in_thread(things_app(first_id=5000, delay_s=0.01)) as server:
        yield server.url


@pytest.fixture(scope="module")
def contracts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_contracts(tmp_path_factory.mktemp("contracts"), thing_exchanges(COUNT))


STARTED: list[subprocess.Popen[str]] = []


@pytest.fixture(autouse=True)
def no_process_outlives_its_test() -> Iterator[None]:
    yield
    while STARTED:
        process = STARTED.pop()
        if process.poll() is None:
            process.kill()
        process.communicate()


def harness(*args: str, cwd: Path | None = None) -> subprocess.Popen[str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "harness", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=dict(os.environ, PYTHONUNBUFFERED="1", COLUMNS="250"),
        cwd=cwd,
    )
    STARTED.append(process)
    return process


def finish(process: subprocess.Popen[str]) -> tuple[int, str]:
    output = process.communicate(timeout=PATIENCE_S)[0]
    return process.returncode, output


def rehearse(contracts: Path, out: Path, *args: str) -> subprocess.Popen[str]:
    common = ["--contracts", str(contracts), "--out", str(out), "--no-progress"]
    return harness("rehearse", *common, "--concurrency", "1", *args)


def wait_for_lines(path: Path, at_least: int, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + PATIENCE_S
    while time.monotonic() < deadline:
        if path.exists() and path.read_bytes().count(b"\n") >= at_least:
            return
        if process.poll() is not None:
            pytest.fail(f"rehearsal ended early: {process.communicate()[0]}")
        time.sleep(0.01)
    pytest.fail("rehearsal made no progress")


def kill(process: subprocess.Popen[str]) -> None:
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=PATIENCE_S)


def ids(path: Path) -> list[str]:
    if not path.exists():  # killed before its first result: no results file yet
        return []
    return [json.loads(line)["id"] for line in path.read_bytes().splitlines() if line.strip()]


def test_a_killed_rehearsal_never_resumed_does_not_pass_the_gate(
    tmp_path: Path, contracts: Path, slow_candidate: str
) -> None:
    first = rehearse(contracts, tmp_path, "--candidate", slow_candidate, "--name", "r")
    wait_for_lines(tmp_path / "r" / "results.jsonl", 20, first)
    kill(first)
    done = len(ids(tmp_path / "r" / "results.jsonl"))

    code, output = finish(harness("gate", str(tmp_path / "r")))
    assert code == 1, output
    assert "incomplete" in output and f"{done} results of {PLANNED} planned" in output, output
    assert "--resume r" in output and "Traceback" not in output
    gate = json.loads((tmp_path / "r" / "gate.json").read_text())
    assert gate["passed"] is False and gate["complete"] is False
    assert gate["reasons"][0].startswith("incomplete: the rehearsal ended before its end")

    code, output = finish(rehearse(contracts, tmp_path, "--resume", "r"))
    assert code == 0, output
    assert sorted(ids(tmp_path / "r" / "results.jsonl")) == sorted(
        e.id for e in thing_exchanges(COUNT)
    )
    code, output = finish(harness("gate", str(tmp_path / "r")))
    assert code == 0 and "all thresholds met" in output, output


def test_a_second_rehearsal_or_a_resume_of_a_running_one_is_refused(
    tmp_path: Path, contracts: Path, slow_candidate: str
) -> None:
    first = rehearse(contracts, tmp_path, "--candidate", slow_candidate, "--name", "r")
    wait_for_lines(tmp_path / "r" / "results.jsonl", 5, first)
    for second in (
        rehearse(contracts, tmp_path, "--candidate", slow_candidate, "--name", "r"),
        rehearse(contracts, tmp_path, "--resume", "r"),
    ):
        code, output = finish(second)
        assert code == 2, output
        assert f"being run by process {first.pid}" in output, output
        assert "Traceback" not in output
    code, output = finish(harness("gate", str(tmp_path / "r")))
    assert code == 1 and "still running" in output, output
    assert first.poll() is None, "the refused runs must not have stopped the first"
    code, output = finish(first)
    assert code == 0, output
    seen = ids(tmp_path / "r" / "results.jsonl")
    assert len(seen) == len(set(seen)) == PLANNED


def test_a_resume_keeps_the_selection_it_started_with(
    tmp_path: Path, contracts: Path, slow_candidate: str
) -> None:
    chosen = [f"r-{n:04d}" for n in range(0, 60, 2)]
    selection = [arg for ident in chosen for arg in ("--only", ident)]
    first = rehearse(contracts, tmp_path, "--candidate", slow_candidate, "--name", "r", *selection)
    wait_for_lines(tmp_path / "r" / "results.jsonl", 5, first)
    kill(first)

    code, output = finish(rehearse(contracts, tmp_path, "--resume", "r", "--only", "r-0001"))
    assert code == 2 and "keeps the selection it started with (--only" in output, output
    code, output = finish(rehearse(contracts, tmp_path, "--resume", "r"))
    assert code == 0, output
    assert sorted(ids(tmp_path / "r" / "results.jsonl")) == chosen


def test_a_resume_runs_against_its_stored_targets_not_a_changed_harness_toml(
    tmp_path: Path, contracts: Path, slow_candidate: str
) -> None:
    out = tmp_path / "reports"
    first = rehearse(contracts, out, "--candidate", slow_candidate, "--name", "r")
    wait_for_lines(out / "r" / "results.jsonl", 5, first)
    kill(first)
    project = tmp_path / "project"
    project.mkdir()  # a harness.toml edited since: another candidate, nothing listening there
    (project / "harness.toml").write_text('candidate = "http://127.0.0.1:9"\n')

    common = ["--contracts", str(contracts), "--out", str(out), "--no-progress"]
    resumed = harness("rehearse", *common, "--resume", "r", cwd=project)
    code, output = finish(resumed)
    assert code == 0, output
    assert "note: resuming" not in output
    assert sorted(set(ids(out / "r" / "results.jsonl"))) == sorted(
        e.id for e in thing_exchanges(COUNT)
    )
    meta = json.loads((out / "r" / "rehearsal.json").read_text())
    assert meta["targets"]["candidate"] == slow_candidate


def test_a_run_that_fails_before_its_first_exchange_leaves_nothing_behind(
    tmp_path: Path,
    contracts: Path,
    slow_candidate: str,
    capsys: pytest.CaptureFixture[str],
    scripted: Callable[..., ScriptedServer],
) -> None:
    base = ["rehearse", "--contracts", str(contracts), "--out", str(tmp_path), "--no-progress"]
    for bad in (["--candidate", "http://[::1"], ["--candidate", "ftp://x"]):
        code, output = run([*base, *bad, "--name", "r"], capsys)
        assert code == 2 and "Traceback" not in output, output
        assert not (tmp_path / "r").exists()
    # Killed before it could judge anything: the directory holds a header and no result.
    silent = scripted(lambda index, request: (b"", "hold"))
    first = rehearse(contracts, tmp_path, "--candidate", silent.url, "--name", "r")
    deadline = time.monotonic() + PATIENCE_S
    while not (tmp_path / "r" / "rehearsal.json").exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    kill(first)
    assert (tmp_path / "r" / "rehearsal.json").exists() and not ids(
        tmp_path / "r" / "results.jsonl"
    )
    code, output = run([*base, "--candidate", slow_candidate, "--name", "r"], capsys)
    assert code == 0, output
    assert len(ids(tmp_path / "r" / "results.jsonl")) == PLANNED


def test_an_error_that_stops_a_run_midway_leaves_an_incomplete_rehearsal(
    tmp_path: Path, slow_candidate: str
) -> None:
    """A contract line spoilt while the run reads it: exit 2, results kept, gate incomplete."""
    # Longer than what the replay reads ahead (a batch, and the look-ahead that takes
    # operations in turn), so the line appended below is read while the run goes on.
    contracts = write_contracts(tmp_path / "c", thing_exchanges(1200, with_scenario=False))
    first = rehearse(contracts, tmp_path, "--candidate", slow_candidate, "--name", "r")
    wait_for_lines(tmp_path / "r" / "results.jsonl", 5, first)
    with (contracts / "things" / "exchanges.jsonl").open("a") as handle:
        handle.write('{"id": "late", "oops": true}\n')
    code, output = finish(first)
    assert code == 2, output
    assert "exchanges.jsonl:" in output and "Traceback" not in output
    header = json.loads((tmp_path / "r" / "rehearsal.json").read_text())
    assert header["finished_at"] and header["error"]
    gate = json.loads((tmp_path / "r" / "gate.json").read_text())
    assert gate["passed"] is False and gate["reasons"][0].startswith(
        "incomplete: an error stopped the rehearsal"
    )
    code, output = finish(harness("gate", str(tmp_path / "r")))
    assert code == 1 and "an error stopped the rehearsal" in output, output


def test_results_with_a_repeated_id_are_refused_by_every_reader(
    tmp_path: Path, contracts: Path, slow_candidate: str, capsys: pytest.CaptureFixture[str]
) -> None:
    base = ["rehearse", "--contracts", str(contracts), "--out", str(tmp_path), "--no-progress"]
    code, output = run([*base, "--candidate", slow_candidate, "--name", "r"], capsys)
    assert code == 0, output
    results = tmp_path / "r" / "results.jsonl"
    lines = results.read_bytes().splitlines(keepends=True)
    results.write_bytes(b"".join([*lines, lines[3]]))  # what two runs in one directory left
    for command in (
        ["gate", str(tmp_path / "r")],
        ["report", "all", str(tmp_path / "r")],
        ["rehearse", "--out", str(tmp_path), "--resume", "r", "--no-progress"],
    ):
        code, output = run(command, capsys)
        assert code == 2, (command, output)
        assert f"is on lines 4 and {len(lines) + 1}" in output, (command, output)
        assert "Traceback" not in output


def test_killed_rehearsal_resumes_without_loss_or_duplicates(
    tmp_path: Path, contracts: Path, slow_candidate: str
) -> None:
    common = ["--contracts", str(contracts), "--out", str(tmp_path), "--concurrency", "2"]
    results = tmp_path / "r" / "results.jsonl"
    process = harness(
        "rehearse", "--no-progress", "--candidate", slow_candidate, "--name", "r", *common
    )
    wait_for_lines(results, 20, process)
    process.kill()
    process.wait()
    with results.open("ab") as handle:  # what a kill during a write leaves behind
        handle.write(b'{"format_version": 1, "id": "torn')

    resumed = harness("rehearse", "--no-progress", "--resume", "r", *common)
    output = resumed.communicate(timeout=PATIENCE_S)[0]
    assert resumed.returncode == 0, output
    seen = ids(results)
    expected = {e.id for e in thing_exchanges(COUNT)}
    assert len(seen) == len(set(seen)), "an exchange was repeated"
    assert set(seen) == expected, "an exchange was lost"
    meta = json.loads((tmp_path / "r" / "rehearsal.json").read_text())
    assert meta["resumed"] == 1 and meta["interrupted"] is False


def test_ctrl_c_stops_cleanly_with_a_partial_report(
    tmp_path: Path, contracts: Path, slow_candidate: str
) -> None:
    results = tmp_path / "r" / "results.jsonl"
    process = harness(
        *[
            "rehearse",
            "--no-progress",
            "--candidate",
            slow_candidate,
            "--contracts",
            str(contracts),
            "--out",
            str(tmp_path),
            "--name",
            "r",
            "--concurrency",
            "2",
        ]
    )
    wait_for_lines(results, 10, process)
    process.send_signal(signal.SIGINT)
    output = process.communicate(timeout=PATIENCE_S)[0]
    assert process.returncode == 130, output
    assert "Traceback" not in output and "interrupted" in output
    done = ids(results)
    assert 10 <= len(done) < COUNT + 3 and len(done) == len(set(done))
    meta = json.loads((tmp_path / "r" / "rehearsal.json").read_text())
    assert meta["interrupted"] is True and meta["finished_at"]
    gate = json.loads((tmp_path / "r" / "gate.json").read_text())
    assert gate["passed"] is False
    assert any("interrupted" in reason for reason in gate["reasons"])
