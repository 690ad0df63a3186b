"""The results.jsonl consumer: one line per exchange, appended and flushed as the run goes."""

from __future__ import annotations

from pathlib import Path
from time import monotonic
from typing import BinaryIO

import orjson

from harness.core.result import ResultRecord
from harness.engine import BaseConsumer, Event, ExchangeCompared


class ResultsWriter(BaseConsumer):
    """Appends each ExchangeCompared as one JSON line (a crash keeps what was done).

    Lines are written whole and flushed to the OS at least every `flush_every_s` seconds and
    every `flush_lines` lines (and at the end): a kill loses at most those last lines, which
    `--resume` then runs again, so nothing is lost or repeated. `flush_every_s=0` flushes each line.
    Records wait in memory until then and are serialised together in one tight loop and one
    write (cheaper in CPU than one line at a time between network events).
    """

    def __init__(self, path: Path, flush_every_s: float = 0.05, flush_lines: int = 512) -> None:
        self.path = path
        self.flush_every_s = flush_every_s
        self.flush_lines = max(1, flush_lines)
        self._handle: BinaryIO | None = None
        self._pending: list[ResultRecord] = []
        self._last_flush = monotonic()
        self.written = 0

    def start(self) -> None:
        self._handle = self.path.open("ab", buffering=1 << 20)
        self._last_flush = monotonic()

    def handle(self, event: Event) -> None:
        if isinstance(event, ExchangeCompared):
            assert self._handle is not None, "ResultsWriter.start() was not called"
            self._pending.append(event.result)
            self.written += 1
            if len(self._pending) >= self.flush_lines or (
                monotonic() - self._last_flush >= self.flush_every_s
            ):
                self.flush()

    def finish(self) -> None:
        self.close()

    def flush(self) -> None:
        if self._handle is not None and self._pending:
            pending, self._pending = self._pending, []
            dumps, newline = orjson.dumps, orjson.OPT_APPEND_NEWLINE
            lines = [dumps(record.to_dict(), option=newline) for record in pending]
            self._handle.write(b"".join(lines))
            self._handle.flush()
        self._last_flush = monotonic()

    def close(self) -> None:
        if self._handle is not None:
            self.flush()
            self._handle.close()
            self._handle = None
