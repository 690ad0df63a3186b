"""A rehearsal killed mid-run resumes without losing or repeating exchanges; Ctrl-C stops
cleanly with a partial report. Both drive `python -m harness rehearse` in a child process.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.serving import serve_in_thread
from tests.integration.rehearsal_support import thing_exchanges, things_app, write_contracts

pytestmark = pytest.mark.integration
COUNT = 240


@pytest.fixture(scope="module")
def slow_candidate() -> Iterator[str]:
    with serve_in_thread(things_app(first_id=5000, delay_s=0.01)) as server:
        yield server.url


@pytest.fixture(scope="module")
def contracts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_contracts(tmp_path_factory.mktemp("contracts"), thing_exchanges(COUNT))


def start(args: list[str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "harness", "rehearse", "--no-progress", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=dict(os.environ, PYTHONUNBUFFERED="1"),
    )


def wait_for_lines(path: Path, at_least: int, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if path.exists() and path.read_bytes().count(b"\n") >= at_least:
            return
        if process.poll() is not None:
            pytest.fail(f"rehearsal ended early: {process.communicate()[0]}")
        time.sleep(0.01)
    pytest.fail("rehearsal made no progress")


def ids(path: Path) -> list[str]:
    return [json.loads(line)["id"] for line in path.read_bytes().split(b"\n") if line]


def test_killed_rehearsal_resumes_without_loss_or_duplicates(
    tmp_path: Path, contracts: Path, slow_candidate: str
) -> None:
    common = ["--contracts", str(contracts), "--out", str(tmp_path), "--concurrency", "2"]
    results = tmp_path / "r" / "results.jsonl"
    process = start(["--candidate", slow_candidate, "--name", "r", *common])
    wait_for_lines(results, 20, process)
    process.kill()
    process.wait()
    with results.open("ab") as handle:  # what a kill during a write leaves behind
        handle.write(b'{"format_version": 1, "id": "torn')

    resumed = start(["--resume", "r", *common])
    output = resumed.communicate(timeout=60)[0]
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
    process = start(
        [
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
    output = process.communicate(timeout=30)[0]
    assert process.returncode == 130, output
    assert "Traceback" not in output and "interrupted" in output
    done = ids(results)
    assert 10 <= len(done) < COUNT + 3 and len(done) == len(set(done))
    meta = json.loads((tmp_path / "r" / "rehearsal.json").read_text())
    assert meta["interrupted"] is True and meta["finished_at"]
    gate = json.loads((tmp_path / "r" / "gate.json").read_text())
    assert gate["passed"] is False
    assert any("interrupted" in reason for reason in gate["reasons"])
