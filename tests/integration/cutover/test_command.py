"""`harness cutover` as a user runs it: a bad plan exits 2 naming the file, line and field;
`--dry-run` prints the plan; a rehearsal exits 0 when every phase completed and 1 when one
rolled back; Locust's master and a worker send the consumers' load."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import threading
from pathlib import Path

import httpx
import pytest

from harness.cli import main
from harness.load.process import free_port
from harness.serving import READY_PREFIX
from tests.integration.cutover.support import Side, upstreams, write_plan

ROOT = Path(__file__).resolve().parents[3]


def run_main(args: list[str]) -> int:
    with pytest.raises(SystemExit) as exited:
        main(args)
    return int(exited.value.code or 0)


def test_a_bad_plan_exits_2_naming_the_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plan = write_plan(tmp_path, [{"name": "x", "move": {"services": ["a"], "percent": 150}}])
    code = run_main(
        ["cutover", "--plan", str(plan), "--legacy", "http://l", "--candidate", "http://c"]
    )
    said = capsys.readouterr().err
    assert code == 2
    assert f"{plan}:" in said and "field 'phases.0.move.percent'" in said
    assert "Traceback" not in said


def test_dry_run_prints_the_plan_as_it_would_run(capsys: pytest.CaptureFixture[str]) -> None:
    plan = ROOT / "fixtures/cutover/spine-weekend.yaml"
    code = run_main(
        ["cutover", "--plan", str(plan), "--legacy", "http://l:1", "--candidate", "http://c:2",
         "--dry-run"]
    )  # fmt: skip
    said = capsys.readouterr().out
    assert code == 0
    assert "1. directory: move sds" in said and "3. prescriptions: move eps" in said
    assert "migrate (python -m harness.simulator.migrate {from} {to})" in said
    assert "on a failed gate" in said


@pytest.mark.parametrize(("differs", "expected"), [(False, 0), (True, 1)])
def test_the_exit_code_says_whether_a_phase_rolled_back(
    tmp_path: Path, differs: bool, expected: int
) -> None:
    legacy, candidate = Side("legacy"), Side("candidate", differs=differs)
    plan = write_plan(tmp_path, [{"name": "all", "move": {"operations": ["*"]}}])
    with upstreams(legacy, candidate) as (left, right):
        process = subprocess.Popen(
            [sys.executable, "-m", "harness", "cutover", "--plan", str(plan), "--legacy",
             left.url, "--candidate", right.url, "--out", str(tmp_path / "out")],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
        assert process.stdout is not None
        before = []  # what it says before it serves (stderr is merged)
        while not (line := process.stdout.readline()).startswith(READY_PREFIX):
            assert line, "".join(before)
            before.append(line)
        url = line[len(READY_PREFIX) :].strip()
        stop = threading.Event()

        def consume() -> None:
            with httpx.Client(base_url=url, timeout=30) as client:
                while not stop.is_set():
                    try:
                        client.get("/read")
                    except httpx.HTTPError:
                        return  # the facade stopped
                    stop.wait(0.01)

        worker = threading.Thread(target=consume, daemon=True)
        worker.start()
        try:
            said = process.communicate(timeout=180)[0]
        finally:
            stop.set()
            worker.join(timeout=30)
    assert process.returncode == expected, said
    (document_path,) = (tmp_path / "out").glob("cutover-*/cutover.json")
    document = json.loads(document_path.read_text())
    assert document["format_version"] == 1 and document["exit_code"] == expected
    assert ("rolled back" in said) is differs


@pytest.mark.skipif(
    importlib.util.find_spec("locust") is None, reason="the load extra (Locust) is not installed"
)
def test_locust_master_and_worker_send_the_load(tmp_path: Path) -> None:
    # Locust runs in its own processes: importing it here would patch this one for gevent
    side = Side("legacy")
    out = tmp_path / "consumers.json"
    workload = tmp_path / "w.yaml"
    workload.write_text(
        "format_version: 1\n"
        f"scenarios: {ROOT / 'fixtures/scenarios'}\n"
        "rate: 20\nday_s: 600\n"
        "consumers:\n"
        "  directory-lookup:\n"
        "    think_s: [0.2, 0.4]\n"
        "    curve: [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\n"
        "    mix: {sds-devices: 1}\n",
        encoding="utf-8",
    )
    with upstreams(side) as (server,):
        subprocess.run(
            [sys.executable, "-m", "harness.load", "--host", server.url, "--workload",
             str(workload), "--seconds", "6", "--workers", "1", "--master-port", str(free_port()),
             "--out", str(out)],
            check=True, timeout=180, capture_output=True,
        )  # fmt: skip
    document = json.loads(out.read_text())
    assert document["totals"]["requests"] > 0 and document["totals"]["failures"] == 0
    assert sum(side.seen.values()) >= document["totals"]["requests"]
    assert document["consumer_types"] == ["directory-lookup"]
