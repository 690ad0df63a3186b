"""Paths into response and request bodies, in the notation the noise rules use.

JSON: a JSON pointer (`/entry/0/resource/birthDate`) where `*` matches any key or list index.
XML: local names separated by `/` (namespace prefixes never written), `*` for any element,
`[n]` (1-based) to pick among same-name siblings, `//` for any depth, and a final `@attr` for
an attribute: `/Envelope/Body/*/subject//birthTime/@value`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from lxml import etree

_XML_STEP = re.compile(r"^(\*|[A-Za-z_][\w.-]*)(?:\[(\d+)\])?$")
_XML_ATTRIBUTE = re.compile(r"^@(\*|[A-Za-z_][\w.-]*)$")

JsonLocation = tuple[Any, Any]  # (container, key or index)


def check_path(path: object) -> str | None:
    """None when `path` is usable, else what is wrong with it."""
    if not isinstance(path, str) or not path.startswith("/") or path == "/":
        return "must be a JSON pointer or an XML path: a string starting with '/'"
    return None


# --- JSON ---------------------------------------------------------------------------------------


def pointer_tokens(pointer: str) -> list[str]:
    if pointer in ("", "/"):
        return []
    return [token.replace("~1", "/").replace("~0", "~") for token in pointer[1:].split("/")]


def json_locations(document: Any, pointer: str) -> list[JsonLocation]:
    """Every (container, key) the pointer reaches in `document` (wildcards expanded)."""
    tokens = pointer_tokens(pointer)
    if not tokens:
        return []
    return list(_walk(document, tokens))


def _walk(node: Any, tokens: list[str]) -> Iterator[JsonLocation]:
    head, rest = tokens[0], tokens[1:]
    keys: list[Any]
    if isinstance(node, dict):
        keys = list(node) if head == "*" else ([head] if head in node else [])
    elif isinstance(node, list):
        if head == "*":
            keys = list(range(len(node)))
        elif head.isdigit() and int(head) < len(node):
            keys = [int(head)]
        else:
            keys = []
    else:
        keys = []
    for key in keys:
        if rest:
            yield from _walk(node[key], rest)
        else:
            yield node, key


def json_values(document: Any, pointer: str) -> list[Any]:
    return [container[key] for container, key in json_locations(document, pointer)]


def json_delete(document: Any, pointer: str) -> int:
    """Remove what the pointer reaches; list items are removed from the highest index down."""
    locations = json_locations(document, pointer)
    for container, key in sorted(
        locations, key=lambda loc: loc[1] if isinstance(loc[1], int) else -1, reverse=True
    ):
        del container[key]
    return len(locations)


# --- XML ----------------------------------------------------------------------------------------


def xml_xpath(path: str) -> str:
    """The XPath 1.0 expression for a local-name path; ValueError when the path is malformed."""
    if not path.startswith("/"):
        raise ValueError(f"XML path {path!r} must start with '/'")
    steps = path[1:].split("/")
    parts: list[str] = []
    descendant = False
    for position, step in enumerate(steps):
        if step == "":
            if descendant or position == len(steps) - 1:
                raise ValueError(f"XML path {path!r} has an empty step")
            descendant = True
            continue
        axis = "//" if descendant else "/"
        descendant = False
        attribute = _XML_ATTRIBUTE.match(step)
        if attribute:
            if position != len(steps) - 1:
                raise ValueError(f"XML path {path!r}: an @attribute must be the last step")
            name = attribute.group(1)
            parts.append(axis + ("@*" if name == "*" else f"@*[local-name()='{name}']"))
            continue
        element = _XML_STEP.match(step)
        if element is None:
            raise ValueError(f"XML path {path!r}: cannot read step {step!r}")
        name, index = element.groups()
        expression = "*" if name == "*" else f"*[local-name()='{name}']"
        if index is not None:
            expression += f"[{int(index)}]"
        parts.append(axis + expression)
    return "".join(parts)


def xml_select(root: etree._Element, path: str) -> list[Any]:
    """Elements, or attribute values (lxml smart strings with getparent/attrname)."""
    try:
        expression = xml_xpath(path)
    except ValueError:
        return []  # a JSON pointer that is no XML path reaches nothing in XML
    result = root.xpath(expression)
    return list(result) if isinstance(result, list) else []


def xml_text(node: Any) -> str:
    if isinstance(node, etree._Element):
        return node.text or ""
    return str(node)


def xml_set(node: Any, value: str) -> None:
    if isinstance(node, etree._Element):
        node.text = value
    elif getattr(node, "is_attribute", False):
        node.getparent().set(node.attrname, value)


def xml_delete(node: Any) -> None:
    if isinstance(node, etree._Element):
        parent = node.getparent()
        if parent is not None:
            _keep_tail(node)
            parent.remove(node)
    elif getattr(node, "is_attribute", False):
        del node.getparent().attrib[node.attrname]


def _keep_tail(node: etree._Element) -> None:
    """Give a removed element's tail text to its previous sibling (or parent) so text stays."""
    if not node.tail or not node.tail.strip():
        return
    previous = node.getprevious()
    if previous is not None:
        previous.tail = (previous.tail or "") + node.tail
    else:
        parent = node.getparent()
        if parent is not None:
            parent.text = (parent.text or "") + node.tail
