"""A request before its placeholders are filled: the `Template` value and its placeholder grammar.

A template is a request whose strings may hold placeholders (`harness.scenario` renders them):

- `{{name}}`: a value bound earlier in the same run (a capture, a variable);
- `{{$builtin}}`: a fresh value for this send (`{{$uuid}}`, or a domain pack's built-in);
- `{{$builtin as name}}`: a fresh value bound to `name`, reused by `{{name}}` later in the run;
- `${VAR}`: a secret from the environment, filled in at send time (redacted values look so).

A template is parsed once, when it is made: which fields hold placeholders and which built-ins
it binds are known without scanning its text again at every send. Stored as the request
encoding of `harness.core.encoding` (`method`, `path`, `query`, `headers`, `body`,
`body_encoding`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from random import Random
from typing import Any

from harness.core.fields import error_at, pairs_at, refuse_unknown, string_at

TEMPLATE_KEYS = frozenset(("method", "path", "query", "headers", "body", "body_encoding"))

Pairs = tuple[tuple[str, str], ...]

PLACEHOLDER = re.compile(
    r"\{\{\s*(\$?[A-Za-z_][\w.-]*)(?:\s+as\s+([A-Za-z_][\w.-]*))?\s*\}\}"
    r"|\$\{([A-Za-z_][A-Za-z0-9_]*)\}"
)
BODY_ENCODINGS = ("utf-8", "base64")


def holds_placeholder(text: str) -> bool:
    return ("{{" in text or "${" in text) and PLACEHOLDER.search(text) is not None


@dataclass(frozen=True, slots=True)
class Template:
    """What a request looks like before rendering. `body` is text (`body_encoding` utf-8) or
    base64 text; placeholders are only read in utf-8 bodies."""

    method: str
    path: str
    query: Pairs = ()
    headers: Pairs = ()
    body: str | None = None
    body_encoding: str = "utf-8"
    # Parsed once in __post_init__: (field, built-in, name) of every `{{$builtin as name}}`, in
    # order, and whether no placeholder appears at all.
    bindings: tuple[tuple[str, str, str], ...] = field(init=False, compare=False, repr=False)
    literal: bool = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        bindings: list[tuple[str, str, str]] = []
        literal = True
        for where, text in self.texts():
            if "{{" not in text and "${" not in text:
                continue
            for match in PLACEHOLDER.finditer(text):
                literal = False
                if match.group(2):
                    bindings.append((where, match.group(1), match.group(2)))
        object.__setattr__(self, "bindings", tuple(bindings))
        object.__setattr__(self, "literal", literal)

    def texts(self) -> Iterator[tuple[str, str]]:
        """The strings that may hold placeholders, with their field names (`headers.<name>`,
        `query.<name>`, `path`, `body`), in this order."""
        for name, value in self.headers:
            yield f"headers.{name}", value
        for name, value in self.query:
            yield f"query.{name}", value
        yield "path", self.path
        if self.body is not None and self.body_encoding == "utf-8":
            yield "body", self.body

    @property
    def aliases(self) -> dict[str, str]:
        """The names this template binds built-ins to, with the built-in (`{"rx": "$uuid"}`)."""
        return {alias: builtin for _, builtin, alias in self.bindings}

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "path": self.path,
            "query": [[k, v] for k, v in self.query],
            "headers": [[k, v] for k, v in self.headers],
            "body": self.body,
            "body_encoding": self.body_encoding,
        }

    @classmethod
    def from_dict(cls, data: object, where: str = "template", field: str = "template") -> Template:
        """A template from its stored form; errors name `where` (file:line) and the field."""
        if not isinstance(data, Mapping):
            raise error_at("must be an object", where, field)
        refuse_unknown(data, TEMPLATE_KEYS, where, field)
        body = data.get("body")
        encoding = data.get("body_encoding", "utf-8")
        if body is not None and not isinstance(body, str):
            raise error_at("must be a string or null", where, f"{field}.body")
        if encoding not in BODY_ENCODINGS:
            raise error_at(
                f"unknown body_encoding {encoding!r} (utf-8 or base64)",
                where,
                f"{field}.body_encoding",
            )
        path = data.get("path", "/")
        if not isinstance(path, str) or not path:
            raise error_at("must be a non-empty string", where, f"{field}.path")
        return cls(
            method=string_at(data, "method", where, field).upper(),
            path=path,
            query=pairs_at(data.get("query") or [], where, f"{field}.query"),
            headers=pairs_at(data.get("headers") or [], where, f"{field}.headers"),
            body=body,
            body_encoding=str(encoding),
        )


@dataclass(frozen=True, slots=True)
class Builtin:
    """A `{{$name}}` placeholder: how to draw a fresh value, how to derive one from a seed (so a
    recording of a seeded target binds the same values every time), and the shape of its values
    (a regular expression, so a value next to other text is read back whole)."""

    name: str
    fresh: Callable[[], str]
    seeded: Callable[[Random], str]
    shape: str
    description: str = ""
