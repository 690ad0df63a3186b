"""Triage by root cause: one cluster per cause, however many paths and exchanges it shows in.

Result lines are fed one at a time (`ClusterBuilder.add`, the `results.jsonl` format), in
bounded memory per difference shape:

- a status change subsumes the body and header paths it caused: the exchange's signature is
  `status -> <candidate status>` alone (a 503 whose error body differs in ten places is one);
- differences that always occur together on the same exchanges are one signature: each
  (operation, path shape, kind) keeps how many exchanges showed it and a digest of which (an
  XOR of their ids' hashes), and shapes with equal counts and digests are one group;
- cascades in a scenario fold into the step that caused them: a scenario's results arrive
  together, and a group seen only in steps after an earlier step of the same run diverged
  (never on its own) joins the cluster of that earlier step;
- each cluster keeps its smallest exchange (request line and body length) as the minimal
  reproducer, and takes the highest severity its paths have under `severity_of`.

Errors (a target down, an answer past a limit) are clusters too, by operation and error kind.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from harness.core.gate import divergence_key as path_shape

SEVERITY_ORDER = ("blocker", "critical", "normal", "minor", "trivial")
KIND_ORDER = ("status", "error", "missing", "extra", "type", "changed", "header", "order")
MAX_KEYS = 5_000
Severity = Callable[[str, str, str], str]  # (service, operation, path) -> severity
Key = tuple[str, str, str, str]  # service, operation, shape (or "status"), kind (or "-> 503")


def _digest(identifier: str) -> int:
    return int.from_bytes(hashlib.blake2b(identifier.encode(), digest_size=8).digest(), "big")


@dataclass(slots=True)
class _Example:
    size: int
    id: str
    request: str
    path: str
    legacy: object
    candidate: object
    reproducer: str


@dataclass(slots=True)
class _Seen:
    count: int = 0
    digest: int = 0
    independent: int = 0
    waived: int = 0
    causes: Counter[Key] = field(default_factory=Counter)
    example: _Example | None = None


@dataclass(frozen=True, slots=True)
class Cluster:
    id: str
    signature: tuple[str, ...]
    kind: str
    operations: tuple[str, ...]
    exchanges: int
    cascaded: int
    waived: bool
    severity: str
    example: Mapping[str, object]
    reproducer: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "signature": list(self.signature),
            "kind": self.kind,
            "operations": list(self.operations),
            "exchanges": self.exchanges,
            "cascaded": self.cascaded,
            "waived": self.waived,
            "severity": self.severity,
            "example": dict(self.example),
            "reproducer": self.reproducer,
        }


class ClusterBuilder:
    def __init__(self, severity_of: Severity | None = None) -> None:
        self.severity_of = severity_of or (lambda service, operation, path: "normal")
        self._seen: dict[Key, _Seen] = {}
        self._scenario: object = None
        self._cause: Key | None = None
        self.dropped = 0

    def add(self, result: Mapping[str, Any]) -> None:
        scenario = result.get("scenario")
        if scenario is None or scenario != self._scenario:
            self._scenario, self._cause = scenario, None
        keys, example = self._keys(result)
        if not keys:
            return
        cause = self._cause
        if scenario is not None and cause is None:
            self._cause = min(keys)
        identifier = str(result.get("id", ""))
        digest = _digest(identifier)
        for key, waived in keys.items():
            seen = self._seen.get(key)
            if seen is None:
                if len(self._seen) >= MAX_KEYS:
                    self.dropped += 1
                    continue
                seen = self._seen[key] = _Seen()
            seen.count += 1
            seen.digest ^= digest
            seen.waived += waived
            if cause is None:
                seen.independent += 1
            else:
                seen.causes[cause] += 1
            candidate = example(key)
            if seen.example is None or candidate.size < seen.example.size:
                seen.example = candidate

    def _keys(self, result: Mapping[str, Any]) -> tuple[dict[Key, bool], Callable[[Key], _Example]]:
        service, operation = str(result.get("service", "")), str(result.get("operation", ""))
        verdict = result.get("verdict")
        sent = result.get("request")
        line, size = _request_line(sent if isinstance(sent, Mapping) else {})
        found: dict[Key, bool] = {}
        values: dict[Key, tuple[str, object, object]] = {}
        if verdict == "error":
            kind = str(result.get("error_kind") or "error")
            key = (service, operation, "error", kind)
            found[key] = False
            values[key] = ("error", result.get("error"), None)
        differences = [d for d in result.get("differences") or () if isinstance(d, Mapping)]
        status = next((d for d in differences if d.get("kind") == "status"), None)
        if status is not None:  # a status change subsumes what it caused
            differences = [status]
        for difference in differences:
            path = str(difference.get("path", ""))
            if difference.get("kind") == "status":
                key = (service, operation, "status", f"-> {difference.get('candidate')}")
            else:
                key = (service, operation, path_shape(path), str(difference.get("kind")))
            waived = difference.get("waiver") is not None
            found[key] = found.get(key, True) and waived
            values.setdefault(key, (path, difference.get("legacy"), difference.get("candidate")))

        def example(key: Key) -> _Example:
            path, legacy, candidate = values[key]
            return _Example(
                size, str(result.get("id", "")), line, path, legacy, candidate,
                str(result.get("reproducer") or ""),
            )  # fmt: skip

        return found, example

    def clusters(self) -> list[Cluster]:
        groups: dict[tuple[int, int], list[Key]] = {}
        for key, seen in self._seen.items():
            groups.setdefault((seen.count, seen.digest), []).append(key)
        group_of = {key: identity for identity, keys in groups.items() for key in keys}
        folded_into: dict[tuple[int, int], tuple[int, int]] = {}
        for identity, keys in groups.items():
            seen = self._seen[keys[0]]
            if seen.independent == 0 and seen.causes:
                cause = group_of.get(seen.causes.most_common(1)[0][0])
                if cause is not None and cause != identity:
                    folded_into[identity] = cause
        cascaded: Counter[tuple[int, int]] = Counter()
        members: dict[tuple[int, int], list[Key]] = {}
        for identity, keys in groups.items():
            root = _root(identity, folded_into)
            members.setdefault(root, []).extend(keys)
            if root != identity:
                cascaded[root] += self._seen[keys[0]].count
        return sorted(
            (self._cluster(root, groups[root], members[root], cascaded[root]) for root in members),
            key=lambda c: (SEVERITY_ORDER.index(c.severity) if c.severity in SEVERITY_ORDER
                           else 2, c.waived, -c.exchanges, c.id),
        )  # fmt: skip

    def _cluster(
        self, identity: tuple[int, int], own: list[Key], every: list[Key], cascaded: int
    ) -> Cluster:
        """`own`: the group's shapes; `every`: with those of the groups folded into it."""
        own = sorted(own, key=_kind_rank)
        seen = self._seen[own[0]]
        examples = [self._seen[key].example for key in own]
        example = min((e for e in examples if e is not None), key=lambda e: (e.size, e.id))
        signature = tuple(_describe(key) for key in own)
        severities = [self.severity_of(key[0], key[1], _path_of(key)) for key in every]
        severity = min(severities, key=_severity_rank) if severities else "normal"
        digest = hashlib.sha256("|".join(signature).encode()).hexdigest()[:10]
        return Cluster(
            id=f"C-{digest}",
            signature=signature,
            kind=_kind_of(own[0]),
            operations=tuple(sorted({f"{k[0]}.{k[1]}" for k in every})),
            exchanges=seen.count + cascaded,
            cascaded=cascaded,
            waived=all(self._seen[k].waived == self._seen[k].count for k in own),
            severity=severity,
            example={
                "id": example.id,
                "request": example.request,
                "path": example.path,
                "legacy": example.legacy,
                "candidate": example.candidate,
            },
            reproducer=example.reproducer,
        )


def _root(identity: tuple[int, int], folded: Mapping[tuple[int, int], tuple[int, int]]) -> Any:
    seen = {identity}
    while identity in folded:
        identity = folded[identity]
        if identity in seen:  # two groups caused by each other: stop at one
            break
        seen.add(identity)
    return identity


def _kind_of(key: Key) -> str:
    if key[2] == "status":
        return "status"
    if key[2] == "error":
        return "error"
    return key[3]


def _kind_rank(key: Key) -> tuple[int, str]:
    kind = _kind_of(key)
    return (KIND_ORDER.index(kind) if kind in KIND_ORDER else len(KIND_ORDER), key[2])


def _severity_rank(level: str) -> int:
    return SEVERITY_ORDER.index(level) if level in SEVERITY_ORDER else 2


def _path_of(key: Key) -> str:
    return "status" if key[2] in ("status", "error") else key[2]


def _describe(key: Key) -> str:
    service, operation, shape, kind = key
    where = f"{service}.{operation}"
    if shape == "status":
        return f"{where} status {kind}"
    if shape == "error":
        return f"{where} error {kind}"
    return f"{where} {shape} {kind}"


def _request_line(request: Mapping[str, Any]) -> tuple[str, int]:
    method = str(request.get("method", ""))
    path = str(request.get("path", ""))
    query = request.get("query") or []
    pairs = "&".join(f"{p[0]}={p[1]}" for p in query if isinstance(p, list | tuple) and len(p) == 2)
    line = f"{method} {path}{'?' + pairs if pairs else ''}".strip()
    body = request.get("body")
    return line, len(line) + (len(body) if isinstance(body, str) else 0)


def clusters_of(
    results: Iterable[Mapping[str, Any]], severity_of: Severity | None = None
) -> list[Cluster]:
    builder = ClusterBuilder(severity_of)
    for result in results:
        builder.add(result)
    return builder.clusters()
