"""The lock on a rehearsal directory: one process at a time runs, resumes or re-gates it.

An OS lock (`fcntl.flock`, exclusive, never waiting) on `reports/<name>/.lock`: the kernel
releases it when the process ends, however it ends (kill -9 included), so a lock is never left
behind, and a second `harness rehearse --name NAME` or a `--resume NAME` while the first still
runs is refused at once, naming the process that holds it. The file keeps the holder's process
id for that message; its presence means nothing by itself.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from typing import IO

from harness.errors import HarnessError

LOCK_FILE = ".lock"


class RehearsalLock:
    """Held from `acquire()` until `release()` or the end of the process."""

    def __init__(self, directory: Path) -> None:
        self.path = directory / LOCK_FILE
        self._handle: IO[str] | None = None

    @property
    def held(self) -> bool:
        return self._handle is not None

    def acquire(self, doing: str = "run") -> RehearsalLock:
        """Take the lock, or raise a HarnessError naming the process that has it."""
        if self._handle is not None:
            return self
        handle = self.path.open("a+", encoding="utf-8")
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _pid_in(handle)
            handle.close()
            by = f"process {holder}" if holder else "another process"
            raise HarnessError(
                f"cannot {doing} rehearsal {self.path.parent.name!r}: it is being run by {by} "
                "(wait for it to end, or stop it first)",
                file=str(self.path.parent),
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        self._handle = handle
        return self

    def release(self) -> None:
        handle, self._handle = self._handle, None
        if handle is not None:
            handle.close()  # closing the descriptor releases the lock

    def holder(self) -> int | None:
        """The process running this rehearsal now (None: nobody, or this process)."""
        if self._handle is not None or not self.path.exists():
            return None
        with self.path.open("r", encoding="utf-8") as handle:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_SH | fcntl.LOCK_NB)
            except BlockingIOError:
                return _pid_in(handle) or -1
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
        return None

    def __enter__(self) -> RehearsalLock:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()


def _pid_in(handle: IO[str]) -> int | None:
    handle.seek(0)
    text = handle.read().strip()
    return int(text) if text.isdigit() else None
