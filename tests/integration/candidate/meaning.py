"""What an answer means, with declared volatile fields removed: parsed JSON, or C14N 2.0 XML
with prefixes rewritten and whitespace-only text stripped."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from xml.etree.ElementTree import canonicalize

import httpx
import orjson
from lxml import etree

from harness.simulator.buffering import media_kind
from harness.simulator.drift.paths import json_delete, xml_delete, xml_select

COMPARED_HEADERS = ("content-type", "etag", "location", "x-request-id", "x-correlation-id")


def body_meaning(response: httpx.Response, volatile: Iterable[str] = ()) -> Any:
    kind = media_kind(response.headers.get("content-type"))
    if kind == "json":
        document = orjson.loads(response.content)
        for path in volatile:
            json_delete(document, path)
        return document
    if kind == "xml":
        root = etree.fromstring(response.content)
        for path in volatile:
            for node in xml_select(root, path):
                xml_delete(node)
        text = etree.tostring(root, encoding="unicode")
        return canonicalize(text, rewrite_prefixes=True, strip_text=True)
    return response.content


def meaning(
    response: httpx.Response, volatile: Iterable[str] = (), volatile_headers: Iterable[str] = ()
) -> tuple[int, dict[str, str | None], Any]:
    skip = {name.lower() for name in volatile_headers}
    headers = {name: response.headers.get(name) for name in COMPARED_HEADERS if name not in skip}
    return response.status_code, headers, body_meaning(response, volatile)
