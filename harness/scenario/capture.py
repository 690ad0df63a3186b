"""Captures: values a scenario step takes from its answer for later steps.

Expressions: `status`, `header:<name>`, `/json/pointer`, `xpath:/Local/Names[n]/@attr` (local
names, so namespace prefixes do not matter; `//name` searches anywhere).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

import orjson
from lxml import etree

from harness.core.exchange import Response
from harness.core.pointer import ABSENT, resolve
from harness.errors import HarnessError


class CaptureError(HarnessError):
    """A value a scenario step wanted to capture is not in the response."""


def capture(response: Response, captures: Mapping[str, str]) -> dict[str, str]:
    """Values taken from a response, by name.

    Expressions: `status`, `header:<name>`, `/json/pointer`, `xpath:/Local/Names[n]/@attr`.
    Raises CaptureError (a HarnessError) naming the capture when the value is absent.
    """
    values: dict[str, str] = {}
    parsed_json: list[Any] = []
    parsed_xml: list[Any] = []
    for name, expression in captures.items():
        value = _capture_one(response, expression, parsed_json, parsed_xml)
        if value is None:
            raise CaptureError(
                f"capture {name!r} ({expression}) found nothing in the response "
                f"(status {response.status})",
                field=f"capture.{name}",
            )
        values[name] = value
    return values


def _capture_one(
    response: Response, expression: str, parsed_json: list[Any], parsed_xml: list[Any]
) -> str | None:
    if expression == "status":
        return str(response.status)
    if expression.startswith("header:"):
        return response.header(expression[len("header:") :].strip())
    if expression.startswith("/"):
        if not parsed_json:
            try:
                parsed_json.append(orjson.loads(response.body))
            except orjson.JSONDecodeError:
                return None
        return _json_pointer(parsed_json[0], expression)
    if expression.startswith("xpath:"):
        if not parsed_xml:
            try:
                parsed_xml.append(etree.fromstring(response.body))
            except etree.XMLSyntaxError:
                return None
        return _xml_path(parsed_xml[0], expression[len("xpath:") :])
    raise HarnessError(
        f"unknown capture expression {expression!r}: use status, header:<name>, "
        "/json/pointer or xpath:/local/names"
    )


def _json_pointer(document: Any, pointer: str) -> str | None:
    node = resolve(document, pointer)
    if node is None or node is ABSENT:
        return None
    return node if isinstance(node, str) else json.dumps(node, separators=(",", ":"))


_XML_STEP = re.compile(r"^(?P<name>\*|[\w.-]+)(?:\[(?P<index>\d+)\])?$")


def xpath_of(path: str) -> str:
    """An lxml XPath from a path of local names (`/Envelope/Body/*/id[2]/@root`, `//id`)."""
    if not path.startswith("/"):
        raise HarnessError(f"XML path {path!r} must start with '/'", field="capture")
    parts: list[str] = []
    descendant = path.startswith("//")
    steps = [s for s in path.strip("/").split("/") if s]
    for position, step in enumerate(steps):
        prefix = "//" if descendant and position == 0 else "/"
        if step.startswith("@") and position == len(steps) - 1:
            parts.append(f"/@*[local-name()='{step[1:]}']")
            continue
        if step == "text()":
            parts.append("/text()")
            continue
        matched = _XML_STEP.match(step)
        if matched is None:
            raise HarnessError(f"bad XML path step {step!r} in {path!r}", field="capture")
        name, index = matched.group("name"), matched.group("index")
        test = "*" if name == "*" else f"*[local-name()='{name}']"
        parts.append(f"{prefix}{test}" + (f"[{index}]" if index else ""))
    return "".join(parts)


def _xml_path(root: Any, path: str) -> str | None:
    found = root.getroottree().xpath(xpath_of(path))
    if not found:
        return None
    first = found[0]
    if isinstance(first, str):
        return str(first)
    text = first.text
    return text.strip() if isinstance(text, str) else ""
