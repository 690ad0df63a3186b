"""Contracts on disk: what a legacy service promised, recorded so that it can be replayed.

Per service, `contracts/<service>/` holds `contract.yaml` (format_version, service, provenance,
files), `openapi.json` (the service's part of the interface), `exchanges.jsonl` (one exchange per
line, stable order), `noise.yaml` (the reviewable noise model) and `regressions/*.jsonl`.
"""

from __future__ import annotations

from harness.contracts.codec import exchange_from_dict, exchange_to_dict
from harness.contracts.noisefile import load_noise, read_noise_file
from harness.contracts.store import (
    FORMAT_VERSION,
    Contract,
    discover,
    iter_exchange_file,
    iter_exchanges,
    read_contract,
)
from harness.contracts.writer import write_contract
from harness.core.encoding import (
    request_from_dict,
    request_to_dict,
    response_from_dict,
    response_to_dict,
)

__all__ = [
    "FORMAT_VERSION",
    "Contract",
    "discover",
    "exchange_from_dict",
    "exchange_to_dict",
    "iter_exchange_file",
    "iter_exchanges",
    "load_noise",
    "read_contract",
    "read_noise_file",
    "request_from_dict",
    "request_to_dict",
    "response_from_dict",
    "response_to_dict",
    "write_contract",
]
