"""Peak memory and time of a rehearsal, and of the recording proxy, against each answer fault.

A misbehaving raw-socket server (in this process) answers `GET /fault` with one fault and every
other request with the bench corpus's patient document. For each fault a fresh child process
either rehearses a small corpus (20 patient reads and the fault, default limits) with the live
transport, or runs the recording proxy in front of that server and sends the fault and one read
through it; the child reports its peak RSS (ru_maxrss, the whole process: interpreter, harness,
proxy and client) and its time. Every peak must stay under 400 MiB. The last rows are a
rehearsal with no fault (what a child costs anyway) and one whose fault is within the limits but
differs from its recording by a 15 MiB value (what capping keeps out of results.jsonl).
Figures, not a test.

    .venv/bin/python bench/faults.py [--timeout 5]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
from _corpus import ROOT, patient, write_corpus

from tests.integration import faults
from tests.integration.scripted import Answer, ScriptedServer

MiB = 1024 * 1024
CEILING_MIB = 400
BIG_VALUE = 15 * MiB
RECORDED_DATA = "recorded"

REHEARSAL = """
import resource, sys, time
from pathlib import Path
import orjson
from rich.console import Console
from harness.rehearsal.session import RehearsalRequest, rehearse
url, contracts, out, timeout = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3]), float(sys.argv[4])
started = time.perf_counter()
rehearse(RehearsalRequest(candidate=url, contracts=contracts, name="f", out=out,
    timeout=timeout, progress=False), Console(quiet=True))
elapsed = time.perf_counter() - started
lines = (out / "f" / "results.jsonl").read_bytes().splitlines()
rows = [orjson.loads(line) for line in lines]
fault = next(row for row in rows if row["id"] == "fault")
others = sorted({row["verdict"] for row in rows if row["id"] != "fault"})
written = sum(p.stat().st_size for p in (out / "f").rglob("*") if p.is_file())
outcome = fault["verdict"] + ": " + (fault["error"] or ", ".join(
    d["path"] for d in fault["differences"]))
print(orjson.dumps({"peak_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
    "seconds": elapsed, "outcome": outcome, "others": others,
    "largest_line": max(map(len, lines)), "written": written}).decode())
"""

PROXY = """
import asyncio, resource, sys, time
from pathlib import Path
import orjson
from harness.core.exchange import Request
from harness.record.proxy import ProxyRecorder, RecordingProxy
from harness.record.redact import Redactor
from harness.serving import serve_in_thread
from harness.transport import TransportError
from harness.transport.live import LiveTransport
upstream, out, timeout = sys.argv[1], Path(sys.argv[2]), float(sys.argv[3])
recorder = ProxyRecorder(out, upstream, None, Redactor(), {"target": upstream})
app = RecordingProxy(upstream, recorder, learn=False, timeout_s=timeout)

async def through(url):
    client = LiveTransport(url, name="client", timeout_s=timeout * 2)
    outcomes = []
    try:
        for path in ("/fault", "/Patient/9000000001"):
            try:
                answer = await client.send(Request("GET", path))
                outcomes.append(f"{answer.status} ({len(answer.body):,} bytes)")
            except TransportError as error:
                outcomes.append(f"client {error.kind}")
    finally:
        await client.aclose()
    return outcomes

started = time.perf_counter()
with serve_in_thread(app) as proxy:
    outcomes = asyncio.run(through(proxy.url))
    app.shutdown()
recorder.finish()
elapsed = time.perf_counter() - started
written = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
print(orjson.dumps({"peak_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
    "seconds": elapsed, "outcome": " then ".join(outcomes), "warnings": recorder.warnings,
    "written": written}).decode())
"""


def patient_answer(path: str) -> bytes:
    body = orjson.dumps(patient(path.rsplit("/", 1)[-1], 0))
    head = f"HTTP/1.1 200 OK\r\nContent-Type: application/fhir+json\r\nContent-Length: {len(body)}"
    return head.encode() + b"\r\n\r\n" + body


def binary_answer(data: str) -> bytes:
    body = orjson.dumps({"resourceType": "Binary", "data": data})
    head = f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {len(body)}"
    return head.encode() + b"\r\n\r\n" + body


def fault_corpus(root: Path) -> Path:
    """20 patient reads, and the fault exchange (recorded as a small Binary document)."""
    contracts = write_corpus(root, 20, extensions=0)
    recorded = orjson.dumps({"resourceType": "Binary", "data": RECORDED_DATA}).decode()
    line = {
        "id": "fault",
        "service": "bench",
        "operation": "getFault",
        "source": "recorded",
        "scenario": None,
        "step": None,
        "request": {
            "method": "GET",
            "path": "/fault",
            "query": [],
            "headers": [],
            "body": None,
            "body_encoding": "utf-8",
        },
        "response": {
            "status": 200,
            "headers": [["content-type", "application/json"]],
            "body": recorded,
            "body_encoding": "utf-8",
            "elapsed_ms": 1.0,
        },
    }
    with (contracts / "bench" / "exchanges.jsonl").open("ab") as handle:
        handle.write(orjson.dumps(line) + b"\n")
    return contracts


def child(code: str, *args: str) -> dict[str, Any]:
    completed = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, cwd=ROOT, check=False
    )
    if completed.returncode != 0:
        raise RuntimeError(f"child failed: {completed.stderr[-2000:]}")
    result: dict[str, Any] = orjson.loads(completed.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--timeout", type=float, default=5.0, help="the targets' timeout (s)")
    args = parser.parse_args()
    gzip_bomb = faults.bomb(faults.compressed(200 * MiB, "gzip"), "gzip")
    cases: list[tuple[str, Callable[[], Answer], bool]] = [
        ("200 MiB answer", lambda: faults.huge_answer(200 * MiB), True),
        ("endless chunked answer", faults.endless_chunked, True),
        (f"gzip bomb ({len(gzip_bomb) // 1024} KiB -> 200 MiB)", lambda: gzip_bomb, True),
        ("endless headers", faults.endless_headers, True),
        ("endless header line", lambda: faults.endless_headers(one_line=True), True),
        ("slow drip (a byte per 50 ms)", faults.slow_drip, True),
        ("no fault", lambda: binary_answer(RECORDED_DATA), False),
        ("a 15 MiB value that differs", lambda: binary_answer("c" * BIG_VALUE), False),
    ]
    current: list[Callable[[], Answer]] = [cases[0][1]]

    def script(index: int, request: bytes) -> Answer:
        path = request.split(b" ", 2)[1].decode()
        return current[0]() if path == "/fault" else patient_answer(path)

    server = ScriptedServer(script)
    worst = 0.0
    print(
        f"limits: defaults (16 MiB body, 64 MiB decoded, 200 fields, 64 KiB head); "
        f"timeout {args.timeout:g}s; peak RSS of the whole child process"
    )
    print(f"{'fault':<32} {'via':<10} {'peak MiB':>9} {'time s':>7}  outcome")
    try:
        with tempfile.TemporaryDirectory() as temp:
            contracts = fault_corpus(Path(temp) / "contracts")
            for number, (name, fault, through_proxy) in enumerate(cases):
                current[0] = fault
                started = time.perf_counter()
                out = Path(temp) / f"r{number}"
                timeout = str(args.timeout)
                rehearsed = child(REHEARSAL, server.url, str(contracts), str(out), timeout)
                rows = [("rehearsal", rehearsed, time.perf_counter() - started)]
                if through_proxy:
                    started = time.perf_counter()
                    proxied = child(PROXY, server.url, str(Path(temp) / f"p{number}"), timeout)
                    rows.append(("proxy", proxied, time.perf_counter() - started))
                for via, figures, _wall in rows:
                    peak = figures["peak_kib"] / 1024
                    worst = max(worst, peak)
                    if via == "rehearsal":
                        extra = (
                            f"others {'/'.join(figures['others'])}; largest results line "
                            f"{figures['largest_line']:,} B"
                        )
                    else:
                        extra = f"{len(figures['warnings'])} warning(s)"
                    print(
                        f"{name:<32} {via:<10} {peak:>9.1f} {figures['seconds']:>7.2f}  "
                        f"{figures['outcome'][:200]}; {extra}; written {figures['written']:,} B"
                    )
    finally:
        server.close()
    verdict = "MET" if worst < CEILING_MIB else "NOT MET"
    print(f"worst peak {worst:.1f} MiB; every one under {CEILING_MIB} MiB: {verdict}")


if __name__ == "__main__":
    main()
