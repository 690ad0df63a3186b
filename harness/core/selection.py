"""Which operations a command may touch: include / exclude, side effects, admin endpoints.

Pure values, shared by `harness record`, generated traffic and `harness rehearse`:

- `Selection`: `--include` / `--exclude` terms. A term is an operation glob (`get-*`, matched
  against the operationId and `service.operationId`), `method:GET` or `tag:Patient` (a glob over
  the operation's tags). Nothing included means everything; an excluded operation is never
  selected, whatever is included.
- `SideEffects`: Diffy's rule. A generated request that may destroy state (DELETE, an operation
  the document marks `x-destructive: true`, or one the user names with `--destructive GLOB`) is
  never generated unless side effects are allowed (`--allow-side-effects`).
- `AdminPaths`: endpoints that administer the target rather than serve it (`/admin`, a reset,
  `/_internal`): never recorded into contracts, by `harness record` or the recording proxy,
  and never generated. Patterns are globs over the request path (`*` within a segment, `**`
  over any number of segments), tried on the path as sent and on the path under the
  interface's base path.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from harness.errors import HarnessError

DESTRUCTIVE_METHODS = frozenset({"DELETE"})
DESTRUCTIVE_EXTENSION = "x-destructive"
# Sensible defaults: an admin area, a reset, and "underscore" endpoints at the top of the API.
DEFAULT_ADMIN_PATHS = ("**/admin", "**/admin/**", "**/reset", "**/reset/**", "/_*", "/_*/**")
_KINDS = ("method", "tag")


@dataclass(frozen=True, slots=True)
class Term:
    kind: str  # operation | method | tag
    pattern: str

    @classmethod
    def parse(cls, text: str, where: str = "--include") -> Term:
        kind, colon, rest = text.partition(":")
        if colon and kind.lower() in _KINDS:
            if not rest.strip():
                raise HarnessError(f"{kind}: needs a value (e.g. {kind}:GET)", field=where)
            value = rest.strip()
            return cls(kind.lower(), value.upper() if kind.lower() == "method" else value)
        if not text.strip():
            raise HarnessError("an empty operation glob", field=where)
        return cls("operation", text.strip())

    def matches(self, service: str, operation: str, method: str, tags: Sequence[str]) -> bool:
        if self.kind == "method":
            return fnmatch.fnmatchcase(method.upper(), self.pattern)
        if self.kind == "tag":
            return any(fnmatch.fnmatchcase(tag, self.pattern) for tag in tags)
        return fnmatch.fnmatchcase(operation, self.pattern) or fnmatch.fnmatchcase(
            f"{service}.{operation}", self.pattern
        )


@dataclass(frozen=True, slots=True)
class Selection:
    include: tuple[Term, ...] = ()
    exclude: tuple[Term, ...] = ()

    @classmethod
    def of(cls, include: Iterable[str] = (), exclude: Iterable[str] = ()) -> Selection:
        return cls(
            tuple(Term.parse(text, "--include") for text in include),
            tuple(Term.parse(text, "--exclude") for text in exclude),
        )

    @property
    def everything(self) -> bool:
        return not self.include and not self.exclude

    def selects(self, service: str, operation: str, method: str, tags: Sequence[str] = ()) -> bool:
        if any(term.matches(service, operation, method, tags) for term in self.exclude):
            return False
        return not self.include or any(
            term.matches(service, operation, method, tags) for term in self.include
        )

    def describe(self) -> list[str]:
        """The terms as flags (for provenance and rehearsal headers)."""
        return [f"--include {_text(t)}" for t in self.include] + [
            f"--exclude {_text(t)}" for t in self.exclude
        ]


@dataclass(frozen=True, slots=True)
class SideEffects:
    allowed: bool = False
    destructive: tuple[str, ...] = ()  # operation globs the user marks destructive

    def destroys(self, operation: str, method: str, spec: Mapping[str, Any] | None = None) -> bool:
        """Whether requests of this operation may destroy state."""
        if method.upper() in DESTRUCTIVE_METHODS:
            return True
        if spec is not None and spec.get(DESTRUCTIVE_EXTENSION) is True:
            return True
        return any(fnmatch.fnmatchcase(operation, glob) for glob in self.destructive)

    def may_generate(
        self, operation: str, method: str, spec: Mapping[str, Any] | None = None
    ) -> bool:
        return self.allowed or not self.destroys(operation, method, spec)


@dataclass(frozen=True, slots=True)
class AdminPaths:
    patterns: tuple[str, ...] = DEFAULT_ADMIN_PATHS

    def __post_init__(self) -> None:
        for pattern in self.patterns:
            if not pattern.startswith(("/", "**")):
                raise HarnessError(
                    f"an admin path pattern starts with / or ** (got {pattern!r})",
                    field="admin_paths",
                )

    def matches(self, path: str, base_path: str = "") -> bool:
        paths = [path]
        if base_path and path.startswith(base_path + "/"):
            paths.append(path[len(base_path) :])
        return any(
            _path_regex(pattern).fullmatch(candidate) is not None
            for pattern in self.patterns
            for candidate in paths
        )


@dataclass(frozen=True, slots=True)
class OperationRules:
    """Everything a command needs to decide what it may send and record."""

    selection: Selection = Selection()
    side_effects: SideEffects = SideEffects()
    admin: AdminPaths = AdminPaths()

    def may_generate(
        self,
        service: str,
        operation: str,
        method: str,
        path: str,
        *,
        tags: Sequence[str] = (),
        spec: Mapping[str, Any] | None = None,
        base_path: str = "",
    ) -> bool:
        """A generated request of this operation at this (template) path may be sent."""
        return (
            self.selection.selects(service, operation, method, tags)
            and self.side_effects.may_generate(operation, method, spec)
            and not self.admin.matches(path, base_path)
        )


def _text(term: Term) -> str:
    return term.pattern if term.kind == "operation" else f"{term.kind}:{term.pattern}"


@lru_cache(maxsize=256)
def _path_regex(pattern: str) -> re.Pattern[str]:
    """`**` any number of segments (with their slashes), `*` within one segment."""
    out = []
    index = 0
    while index < len(pattern):
        if pattern.startswith("/**", index):
            out.append("(?:/[^/]*)*")
            index += 3
        elif pattern.startswith("**", index):
            out.append(".*")
            index += 2
        elif pattern[index] == "*":
            out.append("[^/]*")
            index += 1
        else:
            out.append(re.escape(pattern[index]))
            index += 1
    return re.compile("".join(out))
