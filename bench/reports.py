"""Benchmark the report writers: results/s and peak memory for 20k and 200k results.

Writes synthetic rehearsals (results.jsonl per the pinned format) to a temporary directory, then
runs `write_reports` in a child process per size so each peak RSS is measured on its own.
Peak memory should not grow with the number of results (the writers stream).

    .venv/bin/python bench/reports.py [--sizes 20000,200000] [--allure 20000]
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

import orjson

OPERATIONS = (
    ("pds", "getPatient"),
    ("pds", "searchPatients"),
    ("pds", "getPatientDetailsByNHSNumber"),
    ("sds", "searchDevices"),
    ("eps", "releasePrescription"),
    ("eps", "prepare"),
)
PATHS = ("/name/0/given/1", "header:etag", "/meta/versionId", "/entry/0/resource/gender", "status")


def write_rehearsal(directory: Path, size: int, started_at: str) -> None:
    directory.mkdir(parents=True)
    header = {
        "format_version": 1,
        "name": directory.name,
        "started_at": started_at,
        "finished_at": started_at,
        "interrupted": False,
        "targets": {"candidate": "http://127.0.0.1:9001", "legacy": "http://127.0.0.1:9000"},
        "contracts": "contracts",
        "policy": None,
        "seed": 1,
        "command": "bench",
        "harness_version": "bench",
    }
    (directory / "rehearsal.json").write_text(json.dumps(header))
    rng = random.Random(size)
    with (directory / "results.jsonl").open("wb") as stream:
        for number in range(size):
            service, operation = OPERATIONS[number % len(OPERATIONS)]
            roll = rng.random()
            differences = []
            verdict = "match"
            if roll < 0.05:
                verdict = "mismatch"
                path = PATHS[number % len(PATHS)] if roll > 0.001 else f"/entry/{number}/id"
                differences = [
                    {
                        "path": path,
                        "kind": "changed",
                        "legacy": "a" * 20,
                        "candidate": "b" * 20,
                        "waiver": None,
                    }
                ]
            elif roll < 0.06:
                verdict = "error"
            legacy = rng.lognormvariate(2.3, 0.4)
            record = {
                "format_version": 1,
                "id": f"{operation}-{number}",
                "source": "recorded",
                "service": service,
                "operation": operation,
                "scenario": None,
                "step": None,
                "request": {
                    "method": "GET",
                    "path": f"/personal-demographics/FHIR/R4/Patient/{9000000000 + number}",
                    "query": [],
                    "headers": [["X-Request-ID", "{{$uuid}}"], ["Accept", "application/fhir+json"]],
                    "body": None,
                    "body_encoding": "utf-8",
                },
                "verdict": verdict,
                "differences": differences,
                "status": {"legacy": 200, "candidate": 200},
                "latency_ms": {"legacy": legacy, "candidate": legacy * rng.uniform(0.6, 1.4)},
                "error": "candidate: timed out" if verdict == "error" else None,
                "reproducer": f"harness rehearse --candidate http://127.0.0.1:9001 --only {number}",
            }
            stream.write(orjson.dumps(record) + b"\n")


CHILD = """
import resource, sys, time
from pathlib import Path
from harness.reports import write_reports
from harness.reports.allure import export_allure
directory = Path(sys.argv[1])
start = time.perf_counter()
if sys.argv[2] == "allure":
    export_allure(directory)
else:
    write_reports(directory)
elapsed = time.perf_counter() - start
print(elapsed, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def measure(directory: Path, what: str) -> tuple[float, float]:
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(directory), what],
        capture_output=True,
        text=True,
        check=True,
    )
    elapsed, peak_kib = done.stdout.split()
    return float(elapsed), int(peak_kib) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="20000,200000")
    parser.add_argument("--allure", type=int, default=20_000, help="0 skips the allure export")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    with tempfile.TemporaryDirectory(prefix="bench-reports-") as temporary:
        root = Path(temporary)
        print(f"{'output':<28}{'results':>9}{'seconds':>10}{'results/s':>12}{'peak MiB':>10}")
        for index, size in enumerate(sizes):
            directory = root / f"run-{size}"
            write_rehearsal(directory, size, f"2026-11-24T03:00:{index:02d}Z")
            elapsed, peak = measure(directory, "reports")
            print(
                f"{'summary+junit+html':<28}{size:>9}{elapsed:>10.2f}{size / elapsed:>12,.0f}"
                f"{peak:>10.1f}"
            )
        if args.allure:
            directory = root / "allure"
            write_rehearsal(directory, args.allure, "2026-11-24T02:00:00Z")
            elapsed, peak = measure(directory, "allure")
            print(
                f"{'allure-results':<28}{args.allure:>9}{elapsed:>10.2f}"
                f"{args.allure / elapsed:>12,.0f}{peak:>10.1f}"
            )
    print(f"(parent peak {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB)")


if __name__ == "__main__":
    main()
