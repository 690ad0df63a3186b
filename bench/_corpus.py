"""Shared by the rehearsal benches: a synthetic contracts corpus and a tiny target app.

The corpus is written in the contract format (one `bench` contract, N exchanges of a ~2.9 KB
FHIR-like JSON read); the target app answers every `/Patient/{id}` with the same document shape.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
# Process id of each running target, by URL (to measure the servers' CPU apart from the harness).
TARGET_PIDS: dict[str, int] = {}


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a (child) process so far, from /proc (0.0 when unavailable)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextlib.contextmanager
def spawn_target(extensions: int = 10, vary: str = "") -> Iterator[str]:
    """This file's app in a child process (uvloop + httptools); yields its base URL. `vary`:
    `stamp` adds a fresh UUID to every answer (noise), `drift` a constant extra field."""
    from harness.serving import READY_PREFIX

    env = dict(os.environ, PYTHONUNBUFFERED="1", BENCH_EXTENSIONS=str(extensions), BENCH_VARY=vary)
    process = subprocess.Popen(
        [sys.executable, __file__],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        if not line.startswith(READY_PREFIX):
            raise RuntimeError(f"bench target did not start: {line}")
        threading.Thread(target=lambda: [None for _ in process.stdout], daemon=True).start()  # type: ignore[union-attr]
        url = line[len(READY_PREFIX) :].strip()
        TARGET_PIDS[url] = process.pid
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def patient(nhs: str, extensions: int = 10) -> dict[str, object]:
    return {
        "resourceType": "Patient",
        "id": nhs,
        "meta": {"versionId": "2", "security": [{"code": "U", "display": "unrestricted"}]},
        "identifier": [{"system": "https://fhir.nhs.uk/Id/nhs-number", "value": nhs}],
        "name": [
            {
                "use": "usual",
                "family": "Smith",
                "given": ["Jane", "Anne"],
                "prefix": ["Mrs"],
                "period": {"start": "2001-01-01"},
            }
        ],
        "gender": "female",
        "birthDate": "1980-10-22",
        "address": [
            {
                "use": "home",
                "line": [f"{int(nhs) % 97} High Street", "Leeds"],
                "postalCode": "LS1 6AE",
                "period": {"start": "2010-01-01"},
            }
        ]
        * 4,
        "telecom": [{"system": "phone", "value": "01632960587", "use": "home"}] * 4,
        "generalPractitioner": [{"type": "Organization", "identifier": {"value": "Y12345"}}],
        "extension": [
            {"url": f"https://fhir.nhs.uk/ext/{i}", "valueString": "x" * 40}
            for i in range(extensions)
        ],
    }


def write_corpus(root: Path, count: int, extensions: int = 10) -> Path:
    directory = root / "bench"
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "contract.yaml").write_text(
        "format_version: 1\nservice: bench\nprovenance: {target: synthetic, seed: 0}\n"
    )
    (directory / "openapi.json").write_text("{}")
    (directory / "noise.yaml").write_text(
        "format_version: 1\nservice: bench\noperations:\n"
        "  '*':\n    - {path: header:x-request-id, kind: ignore}\n"
    )
    with (directory / "exchanges.jsonl").open("wb") as handle:
        for index in range(count):
            nhs = str(9000000000 + index % 5000)
            body = orjson.dumps(patient(nhs, extensions)).decode()
            line = {
                "id": f"b-{index:07d}",
                "service": "bench",
                "operation": "getPatient",
                "source": "recorded",
                "scenario": None,
                "step": None,
                "request": {
                    "method": "GET",
                    "path": f"/Patient/{nhs}",
                    "query": [],
                    "headers": [["Accept", "application/fhir+json"]],
                    "body": None,
                    "body_encoding": "utf-8",
                },
                "response": {
                    "status": 200,
                    "headers": [["content-type", "application/fhir+json"]],
                    "body": body,
                    "body_encoding": "utf-8",
                    "elapsed_ms": 1.0,
                },
            }
            handle.write(orjson.dumps(line) + b"\n")
    return root


def app(extensions: int = 10, vary: str = "") -> object:
    """A minimal raw ASGI app (no framework cost) answering the bench corpus."""
    cache: dict[str, bytes] = {}

    async def application(scope: dict, receive: object, send: object) -> None:  # type: ignore[type-arg]
        if scope["type"] != "http":
            return
        nhs = scope["path"].rsplit("/", 1)[-1]
        body = cache.get(nhs)
        if body is None:
            body = cache[nhs] = orjson.dumps(patient(nhs, extensions))
        if vary == "stamp":  # a value that varies between identical calls: noise
            body = body[:-1] + b',"stamp":"' + str(uuid.uuid4()).encode() + b'"}'
        elif vary == "drift":  # a field legacy never sends: a divergence
            body = body[:-1] + b',"drift":"yes"}'
        await send(
            {
                "type": "http.response.start",
                "status": 200,  # type: ignore[operator]
                "headers": [
                    (b"content-type", b"application/fhir+json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})  # type: ignore[operator]

    return application


if __name__ == "__main__":  # `python bench/_corpus.py serve`: a child-process target
    import uvicorn

    from harness.serving import READY_PREFIX, bind_loopback, url_of, uvicorn_config

    sock = bind_loopback()
    print(f"{READY_PREFIX}{url_of(sock)}", flush=True)
    size = int(os.environ.get("BENCH_EXTENSIONS", "10"))
    uvicorn.Server(uvicorn_config(app(size, os.environ.get("BENCH_VARY", "")))).run(sockets=[sock])
