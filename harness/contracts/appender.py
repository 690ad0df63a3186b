"""Appending exchanges to a contract as they arrive (the recording proxy): one line, one flush.

A directory gets its `contract.yaml`, `openapi.json` and `noise.yaml` when its first exchange
arrives (existing ones are kept); `finish()` rewrites the manifest's summary. Ids continue from
the lines already in the file, so restarting the proxy never duplicates an id.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any

from harness.contracts.noisefile import merge_learned, read_noise_file, render_noise_file
from harness.contracts.store import (
    CONTRACT_FILE,
    EXCHANGES_FILE,
    NOISE_FILE,
    OPENAPI_FILE,
    iter_jsonl,
)
from harness.contracts.writer import dump_line, dump_openapi, render_manifest
from harness.core.exchange import Exchange


class AppendingContract:
    def __init__(
        self,
        directory: Path,
        service: str,
        openapi: Mapping[str, Any],
        provenance: Mapping[str, Any],
    ) -> None:
        self.directory = directory
        self.service = service
        self.openapi = dict(openapi)
        self.provenance = dict(provenance)
        self._handle: IO[bytes] | None = None
        self.count = 0

    def _open(self) -> IO[bytes]:
        self.directory.mkdir(parents=True, exist_ok=True)
        exchanges = self.directory / EXCHANGES_FILE
        if exchanges.exists():
            self.count = sum(1 for _ in iter_jsonl(exchanges))
        if not (self.directory / OPENAPI_FILE).exists():
            (self.directory / OPENAPI_FILE).write_text(dump_openapi(self.openapi), "utf-8")
        noise = self.directory / NOISE_FILE
        if not noise.exists():
            entries = merge_learned(read_noise_file(noise, self.service), ())
            noise.write_text(render_noise_file(self.service, entries), "utf-8")
        self._write_manifest()
        self._handle = exchanges.open("ab")
        return self._handle

    def next_number(self) -> int:
        if self._handle is None:
            self._open()
        return self.count + 1

    def append(self, exchange: Exchange) -> None:
        handle = self._handle or self._open()
        handle.write(dump_line(exchange) + b"\n")
        handle.flush()
        self.count += 1

    def _write_manifest(self) -> None:
        counts: dict[str, int] = {}
        exchanges = self.directory / EXCHANGES_FILE
        if exchanges.exists():
            for _, data in iter_jsonl(exchanges):
                if isinstance(data, dict):
                    operation = str(data.get("operation", ""))
                    counts[operation] = counts.get(operation, 0) + 1
        text = render_manifest(self.service, self.provenance, counts)
        (self.directory / CONTRACT_FILE).write_text(text, encoding="utf-8")

    def finish(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None
            self._write_manifest()
