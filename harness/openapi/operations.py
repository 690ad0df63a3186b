"""The operations of one document as schemathesis parses them, with what the harness needs."""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from harness.core.operations import server_base_path
from harness.core.selection import OperationRules


@dataclass(frozen=True, slots=True)
class DocumentOperation:
    """One operation: its key (operationId, else `METHOD-path`), service, method, path template,
    tags, raw definition and schemathesis's `APIOperation`."""

    key: str
    service: str
    method: str
    path: str
    tags: tuple[str, ...]
    spec: Mapping[str, Any]
    operation: Any
    pattern: re.Pattern[str]  # matches a request path (base path included), a group per param
    parameters: tuple[str, ...]  # the path parameters' names, in the order of the groups

    def path_parameters(self, path: str) -> dict[str, str] | None:
        """The path parameters of a request path (None when the path is not this route's)."""
        found = self.pattern.fullmatch(path)
        if found is None:
            return None
        return dict(zip(self.parameters, found.groups(), strict=True))


def operation_key(raw: Mapping[str, Any], method: str, path: str) -> str:
    return str(raw.get("operationId") or f"{method.upper()}-{path}")


class Interface:
    """A document parsed once by schemathesis: its operations by key, in key order."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        import schemathesis

        self.document = document
        self.base_path = server_base_path(document)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self.schema = schemathesis.openapi.from_dict(dict(document))
            found: dict[str, DocumentOperation] = {}
            for result in self.schema.get_all_operations():
                if not hasattr(result, "ok"):
                    continue  # an operation schemathesis cannot use (an invalid part)
                operation = result.ok()
                raw = operation.definition.raw
                key = operation_key(raw, operation.method, operation.path)
                tags = tuple(str(tag) for tag in raw.get("tags") or ())
                service = str(raw.get("x-harness-service") or (tags[0] if tags else ""))
                found[key] = DocumentOperation(
                    key,
                    service,
                    operation.method.upper(),
                    operation.path,
                    tags,
                    raw,
                    operation,
                    *_path_pattern(self.base_path + operation.path),
                )
        self.operations = dict(sorted(found.items()))

    def selected(self, rules: OperationRules | None) -> Iterator[DocumentOperation]:
        """The operations the rules let generation send (all of them without rules)."""
        for operation in self.operations.values():
            if rules is None or rules.may_generate(
                operation.service,
                operation.key,
                operation.method,
                self.base_path + operation.path,
                tags=operation.tags,
                spec=operation.spec,
                base_path=self.base_path,
            ):
                yield operation

    @cached_property
    def by_route(self) -> dict[tuple[str, str], DocumentOperation]:
        return {(op.method, op.path): op for op in self.operations.values()}


def _path_pattern(template: str) -> tuple[re.Pattern[str], tuple[str, ...]]:
    parts = re.split(r"\{([^}]+)\}", template)
    pattern = "".join("([^/]+)" if i % 2 else re.escape(part) for i, part in enumerate(parts))
    return re.compile(pattern), tuple(parts[1::2])
