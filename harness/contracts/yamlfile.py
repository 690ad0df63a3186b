"""YAML read with line numbers, so that errors in tester-written files name the line.

`load_yaml(path)` returns the data and a `Located` index: the 1-based line of any value, addressed
by its key path (e.g. `("operations", "getPatient", 2, "kind")`).
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from harness.errors import HarnessError

KeyPath = tuple[Hashable, ...]


@dataclass(frozen=True, slots=True)
class Located:
    file: str
    lines: dict[KeyPath, int]
    spans: dict[KeyPath, tuple[int, int]]  # 0-based [start, end) source lines of a node
    prefix: KeyPath = ()  # where this view's keys start (`within`)

    def line(self, *keys: Hashable) -> int | None:
        """The line of the deepest known node on the key path."""
        path: KeyPath = (*self.prefix, *keys)
        while path not in self.lines and path:
            path = path[:-1]
        return self.lines.get(path)

    def error(self, message: str, *keys: Hashable) -> HarnessError:
        field = ".".join(str(key) for key in (*self.prefix, *keys)) or None
        return HarnessError(message, file=self.file, line=self.line(*keys), field=field)

    def within(self, *keys: Hashable) -> Located:
        """The same file seen from a node inside it: a section that another format's loader
        reads (an inline policy in a cutover plan) names its lines and fields in full."""
        return Located(self.file, self.lines, self.spans, (*self.prefix, *keys))


def load_yaml_text(text: str, file: str) -> tuple[Any, Located]:
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(error, "problem", None) or str(error)
        raise HarnessError(f"not valid YAML: {problem}", file=file, line=line) from None
    lines: dict[KeyPath, int] = {}
    spans: dict[KeyPath, tuple[int, int]] = {}
    if node is None:
        return None, Located(file, lines, spans)
    _index(node, (), lines, spans)
    loader = yaml.SafeLoader("")
    try:
        data = loader.construct_document(node)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise HarnessError(f"not valid YAML: {error}", file=file, line=line) from None
    finally:
        loader.dispose()
    return data, Located(file, lines, spans)


def load_yaml(path: Path) -> tuple[Any, Located]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise HarnessError(f"cannot read: {error}", file=str(path)) from None
    return load_yaml_text(text, str(path))


def _index(
    node: yaml.Node,
    path: KeyPath,
    lines: dict[KeyPath, int],
    spans: dict[KeyPath, tuple[int, int]],
) -> None:
    lines[path] = node.start_mark.line + 1
    end = node.end_mark.line + (1 if node.end_mark.column > 0 else 0)
    spans[path] = (node.start_mark.line, max(end, node.start_mark.line + 1))
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node)
            _index(value_node, (*path, key), lines, spans)
            lines[(*path, key)] = key_node.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for position, item in enumerate(node.value):
            _index(item, (*path, position), lines, spans)


def item_lines(
    located: Located, where: KeyPath, lines: list[str], indent: str
) -> tuple[str, ...]:
    """A list item's source lines (the `#` comment lines just above it included), re-indented
    to `indent`, so that re-writing a reviewed file copies a kept item back verbatim; () when
    the item is not on its own `- ` line (inside a flow list: re-serialise it instead)."""
    span = located.spans.get(tuple(where))
    if span is None:
        return ()
    start, end = span
    first = lines[start] if start < len(lines) else ""
    dash = first.find("- ")
    if dash < 0 or first[:dash].strip():
        return ()
    for index in range(start + 1, min(end, len(lines))):
        line = lines[index]
        if line.strip() and len(line) - len(line.lstrip(" ")) <= dash:
            end = index  # the next item or key: not part of this one
            break
    while end > start + 1 and not lines[end - 1].strip():
        end -= 1
    top = start
    while top > 0 and lines[top - 1].strip().startswith("#"):
        top -= 1
    shifted = []
    for line in lines[top:end]:
        leading = len(line) - len(line.lstrip(" "))
        shifted.append(indent + line[min(leading, dash) :])
    return tuple(shifted)
