"""NHS England's MESH sandbox (`mesh-sandbox`, a FastAPI server) run with uvicorn on loopback, in
a child process of its own, verifying every request's NHSMESH token (AUTH_MODE=full) with its
mailboxes in memory (a fresh instance starts empty)."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

SHARED_KEY = "TestKey"
PASSWORD = "password"  # the sandbox's mailboxes X26ABC1..3 all have this one
SENDER, RECIPIENT = "X26ABC1", "X26ABC2"
T = TypeVar("T")


ROOT = str(Path(__file__).resolve().parents[2])


@contextlib.contextmanager
def mesh_sandbox(app: str = "mesh_sandbox.api:app") -> Iterator[str]:
    """A fresh sandbox (or `app`: a module path to a wrapped copy, importable from the repo)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        **os.environ,
        "AUTH_MODE": "full",
        "STORE_MODE": "memory",
        "SHARED_KEY": SHARED_KEY,
        "PYTHONWARNINGS": "ignore",
        "PYTHONPATH": ROOT,
    }
    command = [sys.executable, "-m", "uvicorn", app, "--port", str(port)]
    process = subprocess.Popen(
        [*command, "--log-level", "warning"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("mesh-sandbox did not start") from None
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def record_through_proxy(out: Path, session: Callable[[str], T]) -> T:
    """Record `session(url)` (a client's traffic) through the recording proxy in front of a
    fresh sandbox into `out`; returns what the session returned."""
    from harness.record.interface import load_openapi
    from harness.record.proxy import ProxyRecorder, RecordingProxy
    from harness.record.redact import Redactor
    from harness.serving import serve_in_thread

    with mesh_sandbox() as legacy:
        document = load_openapi(f"{legacy}/openapi.json")
        recorder = ProxyRecorder(out, legacy, document, Redactor(), {"target": legacy})
        proxy = RecordingProxy(legacy, recorder)
        with serve_in_thread(proxy) as served:
            found = session(served.url)
            proxy.shutdown()
        recorder.finish()
    return found
