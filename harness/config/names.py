"""The services and operations a rehearsal has, and the names a policy or noise file gets wrong.

A policy that names `pds.getPatinet` used to pass the gate with no exchange in its scope; a
waiver for an operation that does not exist covers nothing. `check_policy_names` refuses both
(a `HarnessError`, exit 2) naming the file, the line, the name and the nearest known name
(`difflib`). A noise rule for an operation the contract does not have, or an empty noise model
where the contract's noise was learned when it was recorded, only gets a warning
(`noise_warnings`): the rehearsal still runs, but the tester is told why it will be noisy.

Known names come cheaply from each contract: its OpenAPI operation ids, the per-operation counts
in `contract.yaml` and the operations its noise file lists (never by reading every exchange).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any

from harness.contracts import Contract
from harness.contracts.noisefile import ANY_OPERATION, read_noise_file
from harness.contracts.store import CONTRACT_FILE, iter_jsonl
from harness.contracts.yamlfile import load_yaml
from harness.core.operations import iter_operations
from harness.core.policy import Policy, PolicyName
from harness.errors import HarnessError

# What contract.yaml's provenance.noise says when the noise model was learned when recording.
LEARNED_NOISE = frozenset({"twin", "same target", "repeated safe requests"})


@dataclass(frozen=True, slots=True)
class KnownNames:
    """Operations per service, as `service.operation` and bare names."""

    operations: Mapping[str, frozenset[str]]

    @classmethod
    def of(cls, contracts: Iterable[Contract]) -> KnownNames:
        found: dict[str, set[str]] = {}
        for contract in contracts:
            names = found.setdefault(contract.service, set())
            names.update(openapi_operations(contract.openapi))
            names.update(_manifest_operations(contract))
        return cls({service: frozenset(ops) for service, ops in found.items()})

    @property
    def services(self) -> frozenset[str]:
        return frozenset(self.operations)

    def qualified(self) -> list[str]:
        return sorted(f"{s}.{op}" for s, ops in self.operations.items() for op in ops)

    def covers(self, name: str, *, glob: bool) -> bool:
        """Whether a scope (service or service.operation) or a waiver's glob names something."""
        if not glob:
            if "." not in name:
                return name in self.operations
            service, _, operation = name.partition(".")
            return operation in self.operations.get(service, frozenset())
        if "." in name:
            return any(fnmatchcase(q, name) for q in self.qualified())
        bare = {op for ops in self.operations.values() for op in ops}
        return any(fnmatchcase(op, name) for op in bare)

    def nearest(self, name: str) -> str | None:
        pool = [*sorted(self.services), *self.qualified()]
        if "." not in name:
            pool += sorted({op for ops in self.operations.values() for op in ops})
        found = difflib.get_close_matches(name, pool, n=1, cutoff=0.5)
        return found[0] if found else None


def openapi_operations(document: Mapping[str, Any]) -> set[str]:
    """The operation ids of an OpenAPI document, its SOAP actions' operations included."""
    found = {operation.id for operation in iter_operations(document)}
    for item in (document.get("paths") or {}).values():
        for spec in item.values() if isinstance(item, Mapping) else ():
            if isinstance(spec, Mapping) and isinstance(spec.get("operationId"), str):
                found.add(spec["operationId"])
    return found


def _manifest_operations(contract: Contract) -> set[str]:
    """The operations `contract.yaml`'s summary counts (what was recorded); for a contract
    written without a summary (by hand), the operations its exchange files name."""
    manifest = contract.directory / CONTRACT_FILE
    data = load_yaml(manifest)[0] if manifest.is_file() else None
    summary = data.get("summary") if isinstance(data, Mapping) else None
    operations = summary.get("operations") if isinstance(summary, Mapping) else None
    if isinstance(operations, Mapping):
        return {str(op) for op in operations}
    return {
        str(line.get("operation"))
        for path in contract.exchange_files()
        if path.exists()
        for _, line in iter_jsonl(path)
        if isinstance(line, Mapping)
    }


def check_policy_names(policy: Policy, known: KnownNames) -> None:
    """Refuse a policy that names a service or operation the rehearsal does not have."""
    unknown = [name for name in policy.names if not known.covers(name.name, glob=name.glob)]
    if not unknown:
        return
    first = unknown[0]
    raise HarnessError(
        _unknown_message(first, known, len(unknown) - 1), file=policy.source, line=first.line,
        field=first.section,
    )  # fmt: skip


def _unknown_message(name: PolicyName, known: KnownNames, others: int) -> str:
    what = "waiver operation" if name.glob else "scope"
    nearest = known.nearest(name.name)
    hint = f"; did you mean {nearest!r}?" if nearest else ""
    more = (
        f" ({others} more unknown name{'s' if others != 1 else ''} after this one)"
        if others
        else ""
    )
    services = ", ".join(sorted(known.services)) or "none"
    return (
        f"{what} {name.name!r} names nothing this rehearsal has{hint} (services: {services}){more}"
    )


def noise_warnings(contracts: Sequence[Contract]) -> list[str]:
    """Noise rules for operations a contract does not have; empty noise models where the
    contract's noise was learned when it was recorded."""
    warnings: list[str] = []
    known = KnownNames.of(contracts)
    for contract in contracts:
        path = contract.path("noise")
        noise = read_noise_file(path, contract.service)
        operations = known.operations.get(contract.service, frozenset())
        for operation in noise.operations():
            if operation == ANY_OPERATION or operation in operations:
                continue
            nearest = difflib.get_close_matches(operation, sorted(operations), n=1, cutoff=0.5)
            hint = f"; did you mean {nearest[0]!r}?" if nearest else ""
            line = noise.lines.get(operation)
            warnings.append(
                f"{path}{f':{line}' if line else ''}: noise rules for operation {operation!r}, "
                f"which contract {contract.service!r} does not have: they apply to nothing{hint}"
            )
        learned = str(contract.provenance.get("noise") or "")
        if not noise.entries and learned in LEARNED_NOISE:
            warnings.append(
                f"{path}:1: the noise model is empty, but this contract's noise was learned "
                f"when it was recorded (contract.yaml provenance.noise: {learned}): every value "
                "that varies between calls (ids, timestamps) will be reported as a divergence; "
                "restore noise.yaml or record again"
            )
    return warnings
