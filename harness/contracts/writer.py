"""Writing contracts so that re-recording an unchanged system changes no byte.

- Exchanges are written in the order given, keys sorted, one JSON object per line.
- An exchange whose id was already recorded and that is `equivalent` to the stored one (same
  request template, same answer once the noise model is applied) keeps its stored line verbatim,
  so its volatile values (timestamps, generated ids, latency) do not churn. The steps of a
  scenario are kept only all together: values captured or bound in one step travel to the next,
  so one run's lines are never mixed with another's.
- `noise.yaml` is written from the final entries (the recorder merges kept and learned rules).
- `contract.yaml` (provenance, with `recorded_at`) is rewritten only when another file changed.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import yaml

from harness.contracts.codec import exchange_from_dict, exchange_to_dict
from harness.contracts.noisefile import NoiseEntry, render_noise_file
from harness.contracts.store import (
    CONTRACT_FILE,
    DEFAULT_FILES,
    EXCHANGES_FILE,
    LATER_FORMAT_VERSION,
    NOISE_FILE,
    OPENAPI_FILE,
    iter_jsonl,
)
from harness.core.exchange import Exchange
from harness.errors import HarnessError

Equivalent = Callable[[Exchange, Exchange], bool]

CONTRACT_HEADER = """\
# spine-harness contract for service `{service}`: what the legacy platform promised.
# Recorded by `provenance.command` (see docs/guide/contracts.md). Do not edit by hand, except
# noise.yaml; re-running the same command on the same seed changes nothing.
"""


@dataclass(frozen=True, slots=True)
class WriteResult:
    directory: Path
    exchanges: int
    changed_files: tuple[str, ...]
    kept_exchanges: int  # stored lines reused verbatim


def dump_line(exchange: Exchange) -> bytes:
    """One exchange as its stored line (sorted keys, no trailing newline)."""
    return orjson.dumps(exchange_to_dict(exchange), option=orjson.OPT_SORT_KEYS)


def dump_openapi(document: Mapping[str, Any]) -> str:
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def write_contract(
    directory: Path,
    *,
    service: str,
    openapi: Mapping[str, Any],
    exchanges: Iterable[Exchange],
    noise: Iterable[NoiseEntry],
    provenance: Mapping[str, Any],
    equivalent: Equivalent | None = None,
    states: Sequence[Mapping[str, Any]] = (),
) -> WriteResult:
    """Write one service's contract; reuse stored lines and provenance where nothing changed.
    `states`: the provider states its scenarios were recorded in (`states:` in contract.yaml,
    beside those declared there by hand, which are kept)."""
    directory.mkdir(parents=True, exist_ok=True)
    previous = _previous_lines(directory / EXCHANGES_FILE)
    given = list(exchanges)
    stored = {e.id: previous[e.id][0] for e in given if _unchanged(previous, e, equivalent)}
    # A scenario is kept or rewritten whole: its steps carry values from one run to the next.
    changed_scenarios = {e.scenario for e in given if e.scenario and e.id not in stored}
    lines: list[bytes] = []
    kept = 0
    counts: dict[str, int] = {}
    for exchange in given:
        counts[exchange.operation] = counts.get(exchange.operation, 0) + 1
        if exchange.id in stored and exchange.scenario not in changed_scenarios:
            lines.append(stored[exchange.id])
            kept += 1
        else:
            lines.append(dump_line(exchange))
    entries = list(noise)
    texts = {
        OPENAPI_FILE: dump_openapi(openapi).encode("utf-8"),
        EXCHANGES_FILE: b"".join(line + b"\n" for line in lines),
        NOISE_FILE: render_noise_file(service, entries).encode("utf-8"),
    }
    changed = [name for name, data in texts.items() if _read_bytes(directory / name) != data]
    for name in changed:
        _write_atomic(directory / name, texts[name])
    manifest = directory / CONTRACT_FILE
    kept_states = _merged_states(manifest, states)
    if changed or not manifest.exists() or kept_states != _stored_states(manifest):
        version = LATER_FORMAT_VERSION if any(e.later for e in given) else 1
        text = render_manifest(service, provenance, counts, version, kept_states)
        if _read_bytes(manifest) != text.encode("utf-8"):
            _write_atomic(manifest, text.encode("utf-8"))
            changed.append(CONTRACT_FILE)
    return WriteResult(directory, len(lines), tuple(changed), kept)


def _stored_states(manifest: Path) -> list[Any]:
    """The `states:` an existing contract.yaml declares (none when unreadable)."""
    try:
        data = yaml.safe_load(manifest.read_text(encoding="utf-8")) if manifest.exists() else None
    except (OSError, yaml.YAMLError):
        return []
    found = data.get("states") if isinstance(data, Mapping) else None
    return list(found) if isinstance(found, list) else []


def _merged_states(manifest: Path, recorded: Sequence[Mapping[str, Any]]) -> list[Any]:
    """The recording's states, then the stored ones of other names (declared by hand)."""
    names = {state.get("name") for state in recorded}
    kept = [s for s in _stored_states(manifest) if not isinstance(s, Mapping) or s.get("name") not in names]
    return [dict(state) for state in recorded] + kept


def render_manifest(
    service: str,
    provenance: Mapping[str, Any],
    counts: Mapping[str, int],
    version: int = 1,
    states: Sequence[Any] = (),
) -> str:
    """contract.yaml: version 1, or 2 when an exchange carries later messages; `states`, the
    provider states its conversations are run in (`harness.scenario.states`), when some."""
    stamped = dict(provenance)
    stamped.setdefault("recorded_at", now_iso())
    data = {
        "format_version": version,
        "service": service,
        "provenance": dict(sorted(stamped.items())),
        "files": dict(DEFAULT_FILES),
        "summary": {
            "exchanges": sum(counts.values()),
            "operations": dict(sorted(counts.items())),
        },
    }
    if states:
        data["states"] = list(states)
    body = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
    return CONTRACT_HEADER.format(service=service) + body


def now_iso() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _unchanged(
    previous: Mapping[str, tuple[bytes, Exchange | None]],
    exchange: Exchange,
    equivalent: Equivalent | None,
) -> bool:
    old = previous.get(exchange.id)
    if old is None or equivalent is None or old[1] is None:
        return False
    return equivalent(old[1], exchange)


def _previous_lines(path: Path) -> dict[str, tuple[bytes, Exchange | None]]:
    """Stored lines by exchange id; an unreadable old line is simply not reused."""
    found: dict[str, tuple[bytes, Exchange | None]] = {}
    if not path.exists():
        return found
    raw_lines = path.read_bytes().splitlines()
    for where, data in _safe_iter(path):
        if not isinstance(data, dict) or not isinstance(data.get("id"), str):
            continue
        try:
            exchange: Exchange | None = exchange_from_dict(data, where)
        except HarnessError:  # an old, malformed line is rewritten, not fatal
            exchange = None
        line_number = int(where.rsplit(":", 1)[1])
        found[data["id"]] = (raw_lines[line_number - 1].rstrip(b"\r"), exchange)
    return found


def _safe_iter(path: Path) -> Iterable[tuple[str, Any]]:
    try:
        yield from iter_jsonl(path)
    except HarnessError:  # a corrupt old file is replaced by the new recording
        return


def _read_bytes(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


def _write_atomic(path: Path, data: bytes) -> None:
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_bytes(data)
    temporary.replace(path)
