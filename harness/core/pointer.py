"""RFC 6901 JSON pointers into parsed documents."""

from __future__ import annotations

from typing import Any

_ABSENT = object()


def resolve(document: Any, pointer: str) -> Any:
    """The value the pointer reaches, or `ABSENT` when it reaches nothing."""
    node = document
    for raw in pointer.split("/")[1:]:
        step = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and step in node:
            node = node[step]
        elif isinstance(node, list) and step.isdigit() and int(step) < len(node):
            node = node[int(step)]
        else:
            return ABSENT
    return node


ABSENT: Any = _ABSENT
