"""Reading contracts: `contracts/<service>/contract.yaml` plus its OpenAPI document and exchanges.

Exchanges stream: `iter_exchanges` reads one line at a time, so a corpus of a million exchanges
never sits in memory.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from harness.contracts.codec import exchange_from_dict
from harness.contracts.yamlfile import load_yaml
from harness.core.exchange import Exchange
from harness.errors import HarnessError

# Version 2 added the later messages an exchange caused (`later` in exchanges.jsonl); a contract
# with none is still written as version 1, so older harnesses keep reading it.
FORMAT_VERSION = 2
FORMAT_VERSIONS = (1, 2)
LATER_FORMAT_VERSION = 2
CONTRACT_FILE = "contract.yaml"
OPENAPI_FILE = "openapi.json"
EXCHANGES_FILE = "exchanges.jsonl"
NOISE_FILE = "noise.yaml"
REGRESSIONS_DIR = "regressions"
MANIFEST_KEYS = ("format_version", "service", "provenance", "files", "summary", "states")
DEFAULT_FILES = {
    "openapi": OPENAPI_FILE,
    "exchanges": EXCHANGES_FILE,
    "noise": NOISE_FILE,
    "regressions": REGRESSIONS_DIR,
}


@dataclass(frozen=True, slots=True)
class Contract:
    """What one service promised: its interface, recorded exchanges, noise model, provenance."""

    service: str
    directory: Path
    openapi: dict[str, Any]
    provenance: dict[str, Any]
    files: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_FILES))
    version: int = 1  # its format_version: 2 when its exchanges carry later messages

    def path(self, kind: str) -> Path:
        """The file (or directory, for `regressions`) of one part of the contract."""
        return self.directory / self.files.get(kind, DEFAULT_FILES[kind])

    def exchange_files(self) -> list[Path]:
        """Recorded exchanges first, then the regressions in name order."""
        files = [self.path("exchanges")]
        regressions = self.path("regressions")
        if regressions.is_dir():
            files.extend(sorted(regressions.glob("*.jsonl")))
        return files


def read_contract(directory: Path) -> Contract:
    """Load `contract.yaml` and `openapi.json` of one contract directory."""
    manifest = directory / CONTRACT_FILE
    data, located = load_yaml(manifest)
    if not isinstance(data, Mapping):
        raise HarnessError("must be a mapping", file=str(manifest), line=1)
    for key in data:
        if key not in MANIFEST_KEYS:
            raise located.error(f"unknown key (expected {', '.join(MANIFEST_KEYS)})", key)
    version = data.get("format_version")
    if version not in FORMAT_VERSIONS:
        readable = " and ".join(str(v) for v in FORMAT_VERSIONS)
        raise located.error(
            f"unsupported format_version {version!r}: this harness reads versions {readable}"
            " (re-record the contract, or use the harness version that wrote it)",
            "format_version",
        )
    service = data.get("service")
    if not isinstance(service, str) or not service:
        raise located.error("must be a non-empty string", "service")
    provenance = data.get("provenance", {})
    if not isinstance(provenance, Mapping):
        raise located.error("must be a mapping", "provenance")
    files = data.get("files", {})
    if not isinstance(files, Mapping) or not all(
        isinstance(k, str) and k in DEFAULT_FILES and isinstance(v, str) for k, v in files.items()
    ):
        raise located.error(f"must map some of {sorted(DEFAULT_FILES)} to file names", "files")
    merged = {**DEFAULT_FILES, **files}
    openapi = read_openapi(directory / merged["openapi"])
    return Contract(service, directory, openapi, dict(provenance), merged, int(version))


def read_openapi(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise HarnessError(
            f"not valid JSON: {error.msg}", file=str(path), line=error.lineno
        ) from None
    if not isinstance(document, dict):
        raise HarnessError("must be a JSON object (an OpenAPI document)", file=str(path), line=1)
    return document


def discover(root: Path) -> list[Contract]:
    """Every contract under `root` (a contract directory itself, or a directory of them)."""
    if not root.is_dir():
        raise HarnessError("no such contracts directory", file=str(root))
    if (root / CONTRACT_FILE).is_file():
        return [read_contract(root)]
    return [read_contract(manifest.parent) for manifest in sorted(root.glob(f"*/{CONTRACT_FILE}"))]


def iter_exchanges(contract: Contract) -> Iterator[Exchange]:
    """The contract's exchanges in stored order (recorded, then regressions), read lazily."""
    for path in contract.exchange_files():
        if path.exists():
            yield from iter_exchange_file(path)


def iter_exchange_file(path: Path) -> Iterator[Exchange]:
    for where, data in iter_jsonl(path):
        yield exchange_from_dict(data, where)


def iter_jsonl(path: Path) -> Iterator[tuple[str, Any]]:
    """(`file:line`, parsed object) for each non-blank line, one line in memory at a time."""
    prefix = f"{path}:"
    with path.open("rb") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                data = orjson.loads(line)
            except orjson.JSONDecodeError as error:
                raise HarnessError(
                    f"not valid JSON: {error}", file=str(path), line=number
                ) from None
            yield prefix + str(number), data
