"""Starting the load process and collecting what consumers saw, from an asyncio process.

Locust is not imported here: `ConsumerLoad` runs `python -m harness.load` as a child process
(its output goes to `log`), `started()` waits until the facade has served its first requests,
and `finished()` waits for it to end (it ends by itself once the status feed says the
rehearsal finished) and reads `consumers.json`.
"""

from __future__ import annotations

import asyncio
import json
import socket
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.errors import HarnessError


@dataclass(frozen=True, slots=True)
class LoadConfig:
    workload: Path
    out: Path  # consumers.json
    log: Path
    rate: float | None = None
    workers: int = 0
    consumer_header: str = "X-Harness-Consumer"
    master_port: int = 0  # where Locust's master listens for its workers (0: a free port)


def require_locust() -> None:
    try:
        import importlib.util

        found = importlib.util.find_spec("locust") is not None
    except (ImportError, ValueError):
        found = False
    if not found:
        raise HarnessError(
            "consumer load needs Locust: pip install 'spine-harness[load]'", field="--consumers"
        )


def free_port() -> int:
    """A loopback port free now (for Locust's master, which cannot be told port 0)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class ConsumerLoad:
    def __init__(self, config: LoadConfig) -> None:
        require_locust()
        self.config = config
        self.process: asyncio.subprocess.Process | None = None

    async def start(self, facade_url: str) -> None:
        config = self.config
        command = [
            sys.executable, "-m", "harness.load", "--host", facade_url,
            "--workload", str(config.workload), "--out", str(config.out),
            "--feed", f"{facade_url}/_cutover/status",
            "--consumer-header", config.consumer_header,
            "--master-port", str(config.master_port),
        ]  # fmt: skip
        if config.rate:
            command += ["--rate", repr(config.rate)]
        if config.workers:
            command += ["--workers", str(config.workers)]
            command[command.index("--master-port") + 1] = str(config.master_port or free_port())
        config.log.parent.mkdir(parents=True, exist_ok=True)
        log = config.log.open("wb")
        try:
            self.process = await asyncio.create_subprocess_exec(
                *command, stdout=log, stderr=asyncio.subprocess.STDOUT
            )
        finally:
            log.close()

    async def finished(self, timeout_s: float = 120.0) -> dict[str, Any] | None:
        """Wait for the load process to end; what consumers saw (None when it wrote nothing)."""
        process = self.process
        if process is not None:
            try:
                await asyncio.wait_for(process.wait(), timeout_s)
            except TimeoutError:
                process.terminate()
                await process.wait()
        try:
            document: dict[str, Any] = json.loads(self.config.out.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return document

    def stop_now(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.terminate()
